"""A real OpenID Connect provider on loopback for the SSO tests: node-oidc-provider (tests/sso_provider/server.mjs).

The Django side runs in the test client; the browser's part at the provider (following its redirects, posting its
login form) is done with `requests`, and the provider's answer (a redirect to our callback with code and state) is
handed back to the test client. Token, keys and userinfo are fetched by the portal itself, over real HTTP.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import tempfile
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from security import sso as sso_rules
from tests.services import SSO_PROVIDER_DIR, require_sso_provider

CLIENT_ID = "opp-portaal-test"
CLIENT_SECRET = "test-client-secret-that-is-long-enough-0123456789"
CALLBACK = "https://testserver/accounts/sso/callback/"
AFTER_LOGOUT = "https://testserver/accounts/login/"
START_SECONDS = 20


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        """{sub: claims}: who exists at the provider, with what email and email_verified."""
        body = {sub: {"claims": claims} for sub, claims in accounts.items()}
        requests.post(f"{self.issuer}/__test__/accounts", json=body, timeout=5).raise_for_status()

    def set_clock(self, offset_seconds: int) -> None:
        requests.post(f"{self.issuer}/__test__/clock", json={"offset_seconds": offset_seconds},
                      timeout=5).raise_for_status()

    def sign_in(self, authorize_url: str, sub: str, amr: str = "pwd") -> str:
        """What the person does at the provider: open the authorization URL, sign in as `sub`. Returns the URL the
        provider sends the browser back to (our callback, with code and state)."""
        browser = requests.Session()
        response = browser.get(authorize_url, allow_redirects=False, timeout=5)
        interaction = urljoin(self.issuer, response.headers["Location"])
        assert "/interaction/" in interaction, response.text
        response = browser.post(f"{interaction}/login", data={"login": sub, "amr": amr}, allow_redirects=False,
                                timeout=5)
        location = response.headers["Location"]
        while not location.startswith(CALLBACK):
            response = browser.get(urljoin(self.issuer, location), allow_redirects=False, timeout=5)
            assert response.status_code in (302, 303), response.text
            location = response.headers["Location"]
        return location


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@pytest.fixture(scope="session")
def oidc_provider():
    node = require_sso_provider()
    config = {
        "clients": [{
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK],
            "post_logout_redirect_uris": [AFTER_LOGOUT], "token_endpoint_auth_method": "client_secret_basic",
        }],
        "accounts": {},
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    process = subprocess.Popen([node, os.path.join(SSO_PROVIDER_DIR, "server.mjs"), handle.name],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        line = process.stdout.readline() if ready else ""
        if not line:
            pytest.fail("the OpenID Connect test provider did not start (node tests/sso_provider/server.mjs)")
        yield Provider(issuer=json.loads(line)["issuer"], process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.unlink(handle.name)


@pytest.fixture
def sso(settings, oidc_provider):
    """The portal configured for the provider, as OIDC_ISSUER/OIDC_CLIENT_ID/OIDC_CLIENT_SECRET would."""
    settings.OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_TRUST_MFA = False
    sso_rules.forget_discovery()
    oidc_provider.set_clock(0)
    yield oidc_provider
    oidc_provider.set_clock(0)
    sso_rules.forget_discovery()
