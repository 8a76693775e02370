"""Django settings for Accord, read from the environment.

Every knob is an `ACCORD_*` variable (plus `DATABASE_URL`); docs/deployment.md lists them.
With nothing set, Accord refuses to start unless `ACCORD_DEBUG=1`, in which case it runs on a
local SQLite file with a development-only secret key.
"""

from __future__ import annotations

import zoneinfo as _zoneinfo
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from accord.db_pool import db_pool_options
from accord.env import env_bool, env_int, env_list, env_rate, env_secret, env_str
from accord.oidc_settings import oidc_settings

# src/accord/settings.py -> the checkout root.
BASE_DIR = Path(__file__).resolve().parent.parent.parent

# Where Accord keeps local state (the default SQLite database, collected static files).
DATA_DIR = Path(env_str("ACCORD_DATA_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("ACCORD_DEBUG", False)

_secret = env_secret("ACCORD_SECRET_KEY")
if _secret is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ACCORD_SECRET_KEY is not set. Set ACCORD_SECRET_KEY (or ACCORD_SECRET_KEY_FILE, "
            "a file holding it) to a long random string, or set ACCORD_DEBUG=1 for local "
            "development with a throwaway key."
        )
    # The "django-insecure-" prefix makes `accord check --deploy` flag it.
    _secret = "django-insecure-accord-development-only-key-do-not-deploy"
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list("ACCORD_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("ACCORD_CSRF_TRUSTED_ORIGINS")

# Capability apps: adding one is adding one line here.
ACCORD_APPS = [
    "accord.core",
    "accord.catalogue",
    "accord.accounts",
    "accord.helpdesk",
    "accord.work",
    "accord.monitoring",
    "accord.probes",
    "accord.incidents",
    "accord.status",
    "accord.releases",
    "accord.helpcentre",
    "accord.reports",
    "accord.dashboard",
    "accord.audit",
    # The top layer: seeds the other apps for `accord demo`; no app imports it.
    "accord.demo",
]

AUTH_USER_MODEL = "accounts.User"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # django-ninja as an app: /api/docs then serves its bundled Swagger UI from the static
    # files, not from a CDN (the docs work without internet).
    "ninja",
    *ACCORD_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: a signed-in person's choice (below), else the browser's, else English.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in (django-otp): request.user.is_verified().
    "django_otp.middleware.OTPMiddleware",
    "accord.accounts.middleware.UserLanguageMiddleware",
    # Who acts, and through which door (portal, admin, API), for the audit log.
    "accord.core.acting.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sent to enrol in two-factor sign-in when the vendor requires it.
    "accord.accounts.two_factor.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Broken stored contract terms: a page naming the field, never a 500.
    "accord.accounts.middleware.InvalidTermsMiddleware",
]

ROOT_URLCONF = "accord.urls"
WSGI_APPLICATION = "accord.wsgi.application"
ASGI_APPLICATION = "accord.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Site-wide templates (base.html); each capability app keeps its own in templates/.
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_SQLITE_CONN_MAX_AGE = 600
# Database: SQLite in DATA_DIR by default; DATABASE_URL (e.g.
# postgres://user:password@host:5432/accord) selects another, typically PostgreSQL.
_database_url = env_str("DATABASE_URL", "")
if _database_url:
    _default_db: dict[str, Any] = dict(
        dj_database_url.parse(
            _database_url,
            conn_max_age=env_int("ACCORD_DB_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    )
    if _default_db["ENGINE"] == "django.db.backends.postgresql":
        _default_db.setdefault("OPTIONS", {}).update(db_pool_options(_default_db["CONN_MAX_AGE"]))
        if env_bool("ACCORD_DB_PREPARE", True):
            # The API's hot statements (accord.core.prepared) bind on the server and are
            # prepared on a connection's fifth use: PostgreSQL then skips parsing and planning
            # them. Off (ACCORD_DB_PREPARE=0) for a PgBouncer in transaction mode before 1.21.
            _default_db["OPTIONS"]["prepare_threshold"] = 5
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _default_db = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "accord.sqlite3"),
        # Kept for ten minutes by default: opening a connection and checkpointing the WAL when
        # the last one closes doubled the CPU of every request (docs/deployment.md).
        "CONN_MAX_AGE": env_int("ACCORD_DB_CONN_MAX_AGE", _SQLITE_CONN_MAX_AGE),
        "CONN_HEALTH_CHECKS": True,
    }

if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer writes; synchronous=NORMAL is durable in
    # WAL mode except for the last transactions on power loss (not on a process crash).
    # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait (up to `timeout`
    # seconds) instead of failing with "database is locked" halfway through a transaction.
    _default_db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# docs/translations.md: what is translated, and how a language is added.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
# Times are stored in UTC and shown in the viewer's time zone with the zone named.
TIME_ZONE = "UTC"
# The zone of the vendor's staff who have not chosen one (pages name it; docs/deployment.md).
ACCORD_VENDOR_TIMEZONE = env_str("ACCORD_VENDOR_TIMEZONE", "America/Los_Angeles")
try:
    _zoneinfo.ZoneInfo(ACCORD_VENDOR_TIMEZONE)
except (_zoneinfo.ZoneInfoNotFoundError, ValueError) as _error:
    raise ImproperlyConfigured(
        f"ACCORD_VENDOR_TIMEZONE={ACCORD_VENDOR_TIMEZONE!r}: must be an IANA time zone name "
        "such as 'America/Los_Angeles'"
    ) from _error
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("ACCORD_STATIC_ROOT", str(DATA_DIR / "static")))

# Uploaded files (attachments) through Django's storage API: the local disk by default.
MEDIA_ROOT = Path(env_str("ACCORD_MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "media/"  # never served directly: downloads go through an access-checked view
# Attachment limits: the largest file accepted, and the file name extensions allowed (anything
# a browser would run, such as .html, .svg or .js, is refused; downloads are always served as
# attachments, never inline).
ACCORD_ATTACHMENT_MAX_BYTES = env_int("ACCORD_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
# A restored ticket nobody closed closes itself after this many days (0: never).
ACCORD_AUTO_CLOSE_DAYS = env_int("ACCORD_AUTO_CLOSE_DAYS", 7)
if ACCORD_AUTO_CLOSE_DAYS < 0:
    raise ImproperlyConfigured(f"ACCORD_AUTO_CLOSE_DAYS={ACCORD_AUTO_CLOSE_DAYS}: 0 or more days")
_ATTACHMENT_EXTENSIONS = (
    "png jpg jpeg gif webp pdf txt log csv json xml zip gz har docx xlsx pptx odt ods"
)
ACCORD_ATTACHMENT_EXTENSIONS = env_list(
    "ACCORD_ATTACHMENT_EXTENSIONS", _ATTACHMENT_EXTENSIONS.split()
)

# A worker's claim on a job lasts this long (accord.work.services): a worker killed mid-job
# leaves its jobs to the next worker after it. Longer than the slowest job (a report's PDFs).
ACCORD_JOB_LEASE_SECONDS = env_int("ACCORD_JOB_LEASE_SECONDS", 300)
if ACCORD_JOB_LEASE_SECONDS < 1:
    raise ImproperlyConfigured(
        f"ACCORD_JOB_LEASE_SECONDS={ACCORD_JOB_LEASE_SECONDS}: must be at least 1 (seconds)"
    )

# Finished delivery jobs (notify, send_email, webhook: what was sent, to whom) are kept this
# many days as the record of delivery, then deleted by the worker; 0 keeps them for ever.
# Clock and report jobs are never deleted: their keys are what makes "once" once.
ACCORD_DELIVERY_RETENTION_DAYS = env_int("ACCORD_DELIVERY_RETENTION_DAYS", 90)

# Outbound email: SMTP in production (ACCORD_EMAIL_URL-style settings below), the console
# in development.
EMAIL_BACKEND = env_str(
    "ACCORD_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("ACCORD_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ACCORD_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("ACCORD_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("ACCORD_EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("ACCORD_EMAIL_USE_TLS", False)
# A password-reset link works once, for an hour (accord.accounts.passwords).
PASSWORD_RESET_TIMEOUT = 3600
DEFAULT_FROM_EMAIL = env_str("ACCORD_FROM_EMAIL", "support@accord.localhost")
# Replies to this address reach `accord mail-ingest` (configure the mail server to pipe it).
ACCORD_SUPPORT_ADDRESS = env_str("ACCORD_SUPPORT_ADDRESS", "support@accord.localhost")
ACCORD_BASE_URL = env_str("ACCORD_BASE_URL", "http://127.0.0.1:8000")
if not ACCORD_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"ACCORD_BASE_URL={ACCORD_BASE_URL!r}: must start with https:// (or http://)"
    )

# Behind reverse proxies: how many of them append to X-Forwarded-For and set
# X-Forwarded-Proto (0: Accord is reached directly, and both headers are ignored, since anyone
# can send them). accord.core.proxies reads the client's address with it.
ACCORD_TRUSTED_PROXIES = env_int("ACCORD_TRUSTED_PROXIES", 0)
if ACCORD_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("ACCORD_TRUSTED_PROXIES: must be 0 or more")
if ACCORD_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Served at an https:// address, Accord is HTTPS only: cookies never travel in clear, browsers
# are told to keep to HTTPS (HSTS, a day by default: raise it once sure), and plain HTTP is
# redirected, except the health check, which load balancers call on plain HTTP. The redirect
# needs to see HTTPS: directly, or through a trusted proxy's X-Forwarded-Proto.
ACCORD_HTTPS = ACCORD_BASE_URL.startswith("https://")
if ACCORD_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("ACCORD_HSTS_SECONDS", 86_400)
    # Whether every subdomain is HTTPS too, and the browsers' preload list: the vendor's call.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ACCORD_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("ACCORD_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("ACCORD_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# The module (its slug) of a ticket opened by email that names none (docs/email.md); empty:
# the catalogue's first.
ACCORD_MAIL_DEFAULT_MODULE = env_str("ACCORD_MAIL_DEFAULT_MODULE", "")

# Django's cache: what the API's rate limits count in. "locmem" (the default) counts in each
# process alone; "database" shares the count between processes (run `accord createcachetable`
# once); a redis:// URL shares it through Redis (needs the `redis` package). docs/api.md.
_cache = env_str("ACCORD_CACHE", "locmem")
if _cache == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif _cache == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "accord_cache",
        }
    }
elif _cache.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache}
    }
else:
    raise ImproperlyConfigured(f"ACCORD_CACHE={_cache!r}: use locmem, database or a redis:// URL")
# Requests per API token (`Authorization: Bearer acc_...`) and period: 429 with Retry-After
# past it; `off` for no limit (accord.accounts.ratelimit).
ACCORD_API_RATE = env_rate("ACCORD_API_RATE", "600/min")
# Status subscriptions per client address and period (the form is public): 429 past it.
ACCORD_SUBSCRIBE_RATE = env_rate("ACCORD_SUBSCRIBE_RATE", "10/hour")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on with OpenID Connect: off unless ACCORD_OIDC_CLIENT_ID is set
# (accord/oidc_settings.py, docs/single-sign-on.md). Its backend answers only SSO callbacks.
globals().update(oidc_settings())
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "accord.accounts.oidc.AccordOIDCBackend",
]

# Monthly SLA reports: a month's report is taken (frozen) at 00:00 on this day of the next month
# in the contract's reporting time zone, and sent to the customer's admins then (1-28).
ACCORD_REPORT_DAY = env_int("ACCORD_REPORT_DAY", 3)
if not 1 <= ACCORD_REPORT_DAY <= 28:
    raise ImproperlyConfigured("ACCORD_REPORT_DAY: must be a day of the month from 1 to 28")
