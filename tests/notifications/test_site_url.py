"""Email links point at the server that actually runs (bug: `make run PORT=8123` still mailed :8000 links).

`make run` passes its PORT to OPP_SITE_URL (declared in opp_portal/settings.py); the outbox builds every
absolute link from that one setting.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from notifications.services import enqueue
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)


def _dry_run(*args: str, env: dict | None = None) -> str:
    """The commands `make run` would execute, without executing them."""
    return subprocess.run(["make", "-n", "-C", str(ROOT), "run", *args], capture_output=True, text=True,
                          check=True, env=env).stdout


def _runserver_line(output: str) -> str:
    return next(line for line in output.splitlines() if "runserver" in line)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_passes_its_port_to_the_email_base_url():
    line = _runserver_line(_dry_run("PORT=8123"))
    assert "127.0.0.1:8123" in line.split("runserver", 1)[1]
    assert "OPP_SITE_URL=http://127.0.0.1:8123" in line
    assert ":8000" not in line


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_keeps_an_explicit_site_url():
    line = _runserver_line(_dry_run(env=os.environ | {"OPP_SITE_URL": "https://opp.example.nl"}))
    assert "OPP_SITE_URL=https://opp.example.nl" in line


@pytest.mark.django_db
def test_email_links_use_the_configured_site_url(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.OPP_SITE_URL = "http://127.0.0.1:8123/"
    user = UserFactory(email="ouder@example.nl")
    n = enqueue(recipient=user, kind="invitation", template="invitation",
                context={"token": "abc", "student_initials": "S.V.", "school_name": "OBS De Bron", "days": 7})
    assert "http://127.0.0.1:8123/portaal/uitnodiging/abc/" in n.body_text
    assert "8000" not in n.body_text
