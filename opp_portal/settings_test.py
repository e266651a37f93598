"""Settings for the test suite: the production settings with test-friendly environment defaults.

Everything still comes from settings.py; this only fills in the environment a test run lacks, so
CI can point DATABASE_URL and CELERY_BROKER_URL at the real PostgreSQL and Redis.
"""

import os

for _name, _value in {
    "DEBUG": "0",
    "SECRET_KEY": "test-secret-key-" + "x" * 50,
    "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "EMAIL_URL": "smtp://localhost:25",
    "OPP_REQUIRE_2FA": "0",
    # High enough never to refuse the rest of the suite (fuzzing, journeys); tests/test_ratelimits.py sets its own.
    "OPP_RATELIMIT_INVITATION": "100000/1m",
    "OPP_RATELIMIT_INVITATION_EMAIL": "100000/1m",
    "OPP_RATELIMIT_VERIFY": "100000/1m",
}.items():
    os.environ.setdefault(_name, _value)

from opp_portal.settings import *  # noqa: E402,F403

# Fast hashing: the suite creates many users; production keeps PBKDF2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The fast suite runs tasks in-process; tests that need the real worker switch this off.
CELERY_TASK_ALWAYS_EAGER = True
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"  # noqa: F405
