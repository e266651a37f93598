"""Real services for the tests that need them: skip with a visible reason where absent, fail in CI.

`.ci/run` sets OPP_REQUIRE_SERVICES=1: there a missing PostgreSQL, Redis or Chromium is a failure,
never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.db import connection

REQUIRED = os.environ.get("OPP_REQUIRE_SERVICES") == "1"
CHROMIUM = os.environ.get("OPP_CHROMIUM", "/usr/bin/chromium")


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"OPP_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def require_postgres():
    if connection.vendor != "postgresql":
        _unavailable("needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/opp")


def redis_url() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        _unavailable("needs Redis: run with CELERY_BROKER_URL=redis://127.0.0.1:6379/0")
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1).close()
    except OSError:
        _unavailable(f"Redis at {url} does not answer")
    return url


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _unavailable("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    return CHROMIUM


#: The OpenID Connect provider the SSO tests log in at (tests/sso_provider: node-oidc-provider, `make test` installs it).
SSO_PROVIDER_DIR = os.path.join(os.path.dirname(__file__), "sso_provider")


def require_sso_provider() -> str:
    node = shutil.which("node")
    if node is None:
        _unavailable("needs Node.js for the OpenID Connect test provider (apt-get install nodejs npm)")
    if not os.path.isdir(os.path.join(SSO_PROVIDER_DIR, "node_modules", "oidc-provider")):
        _unavailable("needs the OpenID Connect test provider: npm ci --prefix tests/sso_provider (make test does it)")
    return node


__all__ = ["REQUIRED", "require_postgres", "redis_url", "require_chromium", "require_sso_provider", "settings"]
