"""Settings for the OPP portal.

One file; every knob comes from the environment (django-environ). The defaults are the safe
production ones: DEBUG off, secure cookies, HTTPS redirect, HSTS. `make run` relaxes them for a local
run by setting environment variables, never by editing this file.
"""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from opp_portal import languages as portal_languages
from opp_portal import storage_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _env(reader, name, **kwargs):
    """Read one variable; a malformed value stops start-up with a message naming the variable."""
    try:
        return reader(name, **kwargs)
    except ImproperlyConfigured as exc:
        if str(exc).startswith("Environment variable"):
            raise
        raise ImproperlyConfigured(f"Environment variable {name} is invalid: {exc}") from exc
    except Exception as exc:  # environ raises ValueError & co. without saying which variable
        raise ImproperlyConfigured(f"Environment variable {name} is invalid: {exc}") from exc


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _strict_bool(name, default):
    """environ's bool() reads any unknown word as False; a typo in a security switch must stop start-up."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"Environment variable {name} is invalid: expected 1/0, true/false, yes/no or on/off, got {raw!r}.")


env.bool = _strict_bool  # every boolean knob below goes through the strict reader


def _month_day(name, default):
    """A day of the school year as "month-day" ("5-1" is 1 May), read as (month, day); a wrong one stops start-up."""
    raw = env.str(name, default=None)
    if raw is None:
        return default
    try:
        month, day = (int(part) for part in raw.strip().split("-"))
        datetime.date(2000, month, day)  # a leap year: 2-29 is a valid day of some school years
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {name} is invalid: expected month-day such as 5-1, got {raw!r}.") from exc
    return (month, day)


DEBUG = _env(env.bool, "DEBUG", default=False)

if DEBUG:
    SECRET_KEY = _env(env.str, "SECRET_KEY", default="django-insecure-local-development-only")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Environment variable SECRET_KEY is missing or shorter than 50 characters "
            "(required when DEBUG is off)."
        )

# With DEBUG on (`make run`), 404 and 500 show the production pages with every security header;
# 1 shows Django's technical pages instead (URL patterns, settings, traceback) for debugging.
OPP_TECHNICAL_ERROR_PAGES = _env(env.bool, "OPP_TECHNICAL_ERROR_PAGES", default=False)

ALLOWED_HOSTS = _env(env.list, "ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = _env(env.list, "CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "accounts",
    "audit",
    "security",
    "health",
    "students",
    "opp",
    "notifications",
    "deadlines",
    "portal",
    "evaluations",
    "disputes",
    "swv",
    "retention",
    "ratelimits",  # counters of the rate limits, in the database
    "backups",  # `manage.py backup` / `restore` (bin/backup, bin/restore)
    "demo",  # the roof: `manage.py seed_demo` seeds every app below it
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "security.policy.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.languages.PreferredLanguageMiddleware",
    # django_otp's OTPMiddleware without its device query per request (security.policy).
    "security.policy.SessionDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "security.policy.SessionPolicyMiddleware",
    "security.policy.SecondFactorMiddleware",
    "audit.middleware.RefusalAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # DEBUG only: the production 404/500 pages instead of the technical ones (inside the header middleware above).
    "security.policy.DevelopmentErrorPagesMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: it refuses a locked-out user+address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on for staff (OpenID Connect); answers nothing unless OIDC_ISSUER is set (security.sso).
    "security.sso_backend.SsoBackend",
]

ROOT_URLCONF = "opp_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "opp_portal.wsgi.application"

DATABASES = {
    "default": _env(env.db_url, "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"].get("ENGINE") not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured("Environment variable DATABASE_URL is invalid: use a postgres:// or sqlite:/// URL.")
# Persistent connections: a new PostgreSQL backend per request cost more CPU than most pages (the load benchmark:
# 19 ms of PostgreSQL CPU per request with 0, 7 ms with 60). Health checks re-open a connection that died meanwhile
# (a database restart), so the next request is served instead of failing. CONN_MAX_AGE=0 with PgBouncer (README).
DATABASES["default"].setdefault("CONN_MAX_AGE", _env(env.int, "CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite locks the whole file; wait for a writer instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation: Dutch first; English for everyone; Arabic, Turkish, Polish and Ukrainian for the parent
# portal and the emails to parents (opp_portal.languages: the one catalogue, which also says who may choose which).
LANGUAGE_CODE = "nl"
LANGUAGES = portal_languages.SETTINGS_LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = _env(env.path, "STATIC_ROOT", default=BASE_DIR / "staticfiles")
# Private files (uploads, archived PDFs, dossiers) live outside the web root, in one storage, and are served only
# through checked views (opp_portal.files). Empty OPP_STORAGE_URL: the file system under PRIVATE_MEDIA_ROOT; several
# web servers and workers share an S3-compatible object store instead: s3://BUCKET?endpoint=…&region=…&sse=AES256,
# keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (opp_portal.storage_config).
PRIVATE_MEDIA_ROOT = _env(env.path, "PRIVATE_MEDIA_ROOT", default=BASE_DIR / "var" / "private")
OPP_STORAGE_URL = _env(env.str, "OPP_STORAGE_URL", default="")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
try:
    STORAGES["private"] = storage_config.private_storage(OPP_STORAGE_URL)
except storage_config.StorageURLError as exc:
    raise ImproperlyConfigured(str(exc)) from None
# The pupil CSV import refuses larger files in the form, with a message (Django itself only
# spools big uploads to disk, it does not refuse them); a reverse proxy in front must allow at least this.
OPP_IMPORT_MAX_BYTES = _env(env.int, "OPP_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)

# --- Sessions, cache: never in Redis, so pages work when the broker is down --------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Absolute limit: a session ends 12 hours after login whatever happens; the idle limits
# are enforced by security.policy.SessionPolicyMiddleware.
SESSION_COOKIE_AGE = 12 * 60 * 60
OPP_SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
OPP_SESSION_IDLE_STAFF_SECONDS = _env(env.int, "OPP_SESSION_IDLE_STAFF_SECONDS", default=30 * 60)
OPP_SESSION_IDLE_PORTAL_SECONDS = _env(env.int, "OPP_SESSION_IDLE_PORTAL_SECONDS", default=15 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Transport security; each relaxable by environment for a local run ------------------------
SECURE_SSL_REDIRECT = _env(env.bool, "SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = _env(env.bool, "SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = _env(env.bool, "CSRF_COOKIE_SECURE", default=True)
SECURE_HSTS_SECONDS = _env(env.int, "SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env(env.bool, "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = _env(env.bool, "SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = True
# The compose proxy terminates TLS and says so in X-Forwarded-Proto; trust it only when told to.
if _env(env.bool, "TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Health checks come over plain HTTP from inside the compose network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]

# --- Email -----------------------------------------------------------------------------------
EMAIL_CONFIG = _env(env.email_url, "EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = _env(env.str, "DEFAULT_FROM_EMAIL", default="OPP-portaal <noreply@opp-portaal.local>")

# --- Two-factor authentication ------------------------------------------------------------------
# On (the production default): every staff role, the bestuurder and the beheerder must pass a TOTP
# code or a backup code before any page but the 2FA pages; parents who enrolled must too.
OPP_REQUIRE_2FA = _env(env.bool, "OPP_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = _env(env.str, "OTP_TOTP_ISSUER", default="OPP-portaal")
OTP_TOTP_THROTTLE_FACTOR = 1  # django-otp doubles the wait after each wrong code

# --- Single sign-on for staff: OpenID Connect (security/sso.py, docs/sso.md, README "Inloggen met uw schoolaccount") ---
# Off unless OIDC_ISSUER is set. The provider's endpoints come from its discovery document
# (<issuer>/.well-known/openid-configuration); nobody is created by logging in.
OIDC_ISSUER = _env(env.str, "OIDC_ISSUER", default="").rstrip("/")
OIDC_CLIENT_ID = _env(env.str, "OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = _env(env.str, "OIDC_CLIENT_SECRET", default="")
OIDC_LABEL = _env(env.str, "OIDC_LABEL", default="")  # the button; empty: "Inloggen met uw schoolaccount"
OIDC_SCOPES = _env(env.str, "OIDC_SCOPES", default="openid email")  # no more than the matching needs
# Accept the provider's multi-factor login (the ID token's `amr`) instead of the portal's TOTP.
OIDC_TRUST_MFA = _env(env.bool, "OIDC_TRUST_MFA", default=False)
OIDC_SIGN_ALGO = _env(env.str, "OIDC_SIGN_ALGO", default="RS256")
# Seconds for each call to the provider (discovery, token, keys, userinfo).
OIDC_TIMEOUT = _env(env.int, "OIDC_TIMEOUT", default=10)
# mozilla-django-oidc's own names, derived from the above (the endpoints are read from discovery).
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
OIDC_RP_SCOPES = OIDC_SCOPES
OIDC_RP_SIGN_ALGO = OIDC_SIGN_ALGO
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_STORE_ID_TOKEN = True  # kept in the session for RP-initiated logout only
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_REDIRECT_FIELD_NAME = "next"

# --- Lockout (django-axes, database handler) ------------------------------------------------------
AXES_ENABLED = _env(env.bool, "AXES_ENABLED", default=True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "audit.log.client_ip"
AXES_WHITELIST_CALLABLE = "security.policy.axes_exempt"  # single sign-on's callback is no password guess
AXES_USERNAME_CALLABLE = "security.policy.axes_username"
AXES_LOCKOUT_CALLABLE = "security.policy.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # the beheerder's admin shows no login attempts: they hold addresses

# --- Content Security Policy (django-csp): no inline script or style, nothing from elsewhere -------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Celery: Redis is only the broker ------------------------------------------------------------
CELERY_BROKER_URL = _env(env.str, "CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = _env(env.bool, "CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a web request must fail fast, never hang, when the broker is unreachable.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Forms ------------------------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging: to stderr, never pupil content ------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": _env(env.str, "LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# Number of reverse proxies in front of the app whose X-Forwarded-For we trust (compose: 1).
TRUSTED_PROXY_COUNT = _env(env.int, "TRUSTED_PROXY_COUNT", default=0)

# Absolute base URL for links in emails (no request at hand in a worker). `make run` sets it from its PORT.
OPP_SITE_URL = _env(env.str, "OPP_SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "https://localhost")

# Parent portal: invitations expire after this many days.
OPP_INVITATION_DAYS = _env(env.int, "OPP_INVITATION_DAYS", default=7)
# Largest upload (signed consent scans, dispute documents).
OPP_UPLOAD_MAX_BYTES = _env(env.int, "OPP_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

# --- Deadlines (deadlines app) ------------------------------------------------------------------------
# R-TIME-1: calendar days from the start to the last day for setting the OPP (six weeks; an OPDC placement has none).
OPP_SETTING_TERM_DAYS = _env(env.int, "OPP_SETTING_TERM_DAYS", default=42)
# Reminder steps and escalation per deadline kind, as JSON (README "Configuration"); a kind not named keeps its own.
OPP_REMINDER_STEPS = _env(env.json, "OPP_REMINDER_STEPS", default={})
# The SWV's request lead time for a new TLV or an extension where the SWV stated none (swv.models.LeadTime): weeks.
OPP_TLV_LEAD_WEEKS = _env(env.int, "OPP_TLV_LEAD_WEEKS", default=12)

# Evaluations (R-EVAL-1): a plan first set on or after this day of the school year (month-day) is
# first due the next school year.
OPP_EVALUATION_FIRST_DUE_CUTOFF = _month_day("OPP_EVALUATION_FIRST_DUE_CUTOFF", default=(5, 1))
# From this day of the school year (month-day) a due evaluation not yet held counts as overdue (staff overview).
OPP_EVALUATION_OVERDUE_FROM = _month_day("OPP_EVALUATION_OVERDUE_FROM", default=(7, 1))

# --- Retention (DOMAIN.md "Retention and privacy"): years after a pupil left ---------------
OPP_RETENTION_FILE_YEARS = _env(env.int, "OPP_RETENTION_FILE_YEARS", default=2)
OPP_RETENTION_PLACEMENT_YEARS = _env(env.int, "OPP_RETENTION_PLACEMENT_YEARS", default=3)
OPP_RETENTION_ENROLMENT_YEARS = _env(env.int, "OPP_RETENTION_ENROLMENT_YEARS", default=5)
# Days after the upload that the row of an import file (name, who, when, counts) is kept; its content goes after 24 h.
OPP_RETENTION_IMPORT_DAYS = _env(env.int, "OPP_RETENTION_IMPORT_DAYS", default=90)

# --- Rate limits (ratelimits app): "N/period", period a number and s, m, h or d ("20/15m") ------------
# Counted in the database (every web process shares the counters; pages work with Redis down), in fixed windows.
# Per client address as the trusted proxy reports it (TRUSTED_PROXY_COUNT): every request to the invitation pages.
OPP_RATELIMIT_INVITATION = _env(env.str, "OPP_RATELIMIT_INVITATION", default="20/15m")
# Per invited email address: the POSTs of the invitation's account form (for an existing account it checks the password).
OPP_RATELIMIT_INVITATION_EMAIL = _env(env.str, "OPP_RATELIMIT_INVITATION_EMAIL", default="5/15m")
# Per client address: PDF uploads to the verification page (/opp/verifieren/); each is parsed and hashed.
OPP_RATELIMIT_VERIFY = _env(env.str, "OPP_RATELIMIT_VERIFY", default="30/15m")
# Per client address: single sign-on's start and callback together (a whole school may share one address).
OPP_RATELIMIT_SSO = _env(env.str, "OPP_RATELIMIT_SSO", default="300/15m")

# --- Backups (`make backup` / `make restore`): where bin/backup writes its timestamped folders ----------
BACKUP_DIR = _env(env.path, "BACKUP_DIR", default=BASE_DIR / "var" / "backups")
