"""Settings come from the environment; a bad value stops start-up naming the variable; production defaults are safe."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

PROJECT_ROOT = settings.BASE_DIR
#: The only variables a subprocess inherits: everything the settings read is set explicitly per test.
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
GOOD_SECRET = "opp-test-Q7v2Lr9Zk4Wx8Bn3Hc6Tf1Jm5Pd0Ys-Ge2Ua7Ri4Ko9Nl3Vb8X6"  # 60 characters, varied


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if k in KEEP}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )


def test_production_without_secret_key_stops_naming_it():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_production_with_a_short_secret_key_stops():
    result = _manage("check", DEBUG="0", SECRET_KEY="too-short")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_malformed_debug_stops_naming_it():
    result = _manage("check", DEBUG="maybe", SECRET_KEY=GOOD_SECRET)
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
    assert "maybe" in result.stderr


def test_malformed_database_url_stops_naming_it():
    result = _manage("check", DEBUG="1", DATABASE_URL="nonsense://x")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


@pytest.mark.parametrize(("name", "value"), [("SECURE_SSL_REDIRECT", "perhaps"), ("SECURE_HSTS_SECONDS", "a year")])
def test_other_malformed_security_knobs_stop_naming_them(name, value):
    result = _manage("check", DEBUG="1", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_check_deploy_passes_with_production_defaults():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        DEBUG="0", SECRET_KEY=GOOD_SECRET, ALLOWED_HOSTS="opp.example.nl",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout.lower()


def _setting(name, **env):
    result = _manage("shell", "-c", f"from django.conf import settings; print(repr(settings.{name}))", **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_tasks_run_eagerly_without_a_broker():
    assert _setting("CELERY_TASK_ALWAYS_EAGER", DEBUG="1") == "True"


def test_tasks_go_to_the_broker_when_one_is_given():
    assert _setting("CELERY_TASK_ALWAYS_EAGER", DEBUG="1", CELERY_BROKER_URL="redis://127.0.0.1:6379/0") == "False"


def test_sessions_and_cache_never_live_in_redis():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    for alias, cache in settings.CACHES.items():
        assert "redis" not in cache["BACKEND"].lower(), alias
        assert "redis" not in str(cache.get("LOCATION", "")).lower(), alias


def test_dutch_first():
    assert settings.LANGUAGE_CODE == "nl"
    # Dutch first; English for everyone; the parent portal also in Arabic, Turkish, Polish and Ukrainian.
    assert [code for code, _ in settings.LANGUAGES] == ["nl", "en", "ar", "tr", "pl", "uk"]
    assert settings.TIME_ZONE == "Europe/Amsterdam" and settings.USE_TZ
