"""Settings for spotcheck: one module; machines differ only by environment variables.

SQLite in the checkout when ``DATABASE_URL`` is unset (quick start, default test run);
PostgreSQL in production and in the second test run.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SPOTCHECK_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = secret_key(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
# Demo mode: demo accounts and data exist; the sign-in page says so.
DEMO_MODE = env_bool("SPOTCHECK_DEMO", False)


def _city_code(raw: str) -> str:
    """The deploying city as a GB/T 2260 code: ``3611`` or ``361100`` (a prefecture-level city
    ends in 00)."""
    code = raw.strip()
    code = code + "00" if len(code) == 4 else code
    if not (len(code) == 6 and code.isdigit() and code.endswith("00") and not code.endswith("0000")):
        raise ImproperlyConfigured(
            f"环境变量 SPOTCHECK_CITY 应为设区市的行政区划代码（如 3611 或 361100），实际为 {raw!r}")
    return code


# The deploying city (R-S1): reference data loads this city and its counties from
# SPOTCHECK_REFERENCE_DIR (divisions.csv, member_units.csv...). Shangrao by default.
SPOTCHECK_CITY = _city_code(env_str("SPOTCHECK_CITY", "361100"))
SPOTCHECK_REFERENCE_DIR = Path(env_str("SPOTCHECK_REFERENCE_DIR",
                                       str(BASE_DIR / "spotcheck" / "core" / "reference")))
# Publication of inspection results (R-R2): within this many days of a visit's completion,
# counted in working days (holiday calendar: SPOTCHECK_HOLIDAYS_FILE, else holidays.csv of the
# reference directory) or calendar days.
SPOTCHECK_PUBLICATION_DAYS = env_int("SPOTCHECK_PUBLICATION_DAYS", 20)
SPOTCHECK_PUBLICATION_WORKING_DAYS = env_bool("SPOTCHECK_PUBLICATION_WORKING_DAYS", True)
SPOTCHECK_HOLIDAYS_FILE = env_str("SPOTCHECK_HOLIDAYS_FILE", "")
# A publication deadline this many days away (or less) is warned on the home pages.
SPOTCHECK_PUBLICATION_WARN_DAYS = env_int("SPOTCHECK_PUBLICATION_WARN_DAYS", 5)
# A violation transferred to the competent department is escalated to the office when not
# acknowledged within this many working days (R-R1).
SPOTCHECK_TRANSFER_ACK_DAYS = env_int("SPOTCHECK_TRANSFER_ACK_DAYS", 5)
# Reminders of the year's deadlines: first told this many days before a deadline; the daily
# digest is e-mailed when EMAIL_HOST is set (Django's e-mail settings, from the environment).
SPOTCHECK_REMINDER_LEAD_DAYS = env_int("SPOTCHECK_REMINDER_LEAD_DAYS", 7)
SPOTCHECK_SITE_URL = env_str("SPOTCHECK_SITE_URL", "")
# The oversight dashboard's figures counted over the whole entity library and the year's
# tasks are kept; when older than this many seconds as a dashboard is read, the worker
# counts them again (the page shows when they were counted).
SPOTCHECK_FIGURES_MAX_AGE = env_int("SPOTCHECK_FIGURES_MAX_AGE", 600)
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "spotcheck@localhost")
# R-R3: another department's confirmed result of the same matter made within this many days
# may be adopted for a task instead of a visit (结果互认).
SPOTCHECK_RECOGNITION_DAYS = env_int("SPOTCHECK_RECOGNITION_DAYS", 180)
# R-R4: an entity or a field is flagged on the risk page when at least this many departments
# found violations there in the year.
SPOTCHECK_RISK_DEPARTMENTS = env_int("SPOTCHECK_RISK_DEPARTMENTS", 2)
# Evidence files of the one form (photos, PDF): the largest accepted, in bytes.
SPOTCHECK_EVIDENCE_MAX_BYTES = env_int("SPOTCHECK_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "spotcheck.core",
    "spotcheck.core.imports",
    "spotcheck.audit",
    "spotcheck.accounts",
    "spotcheck.registry",
    "spotcheck.roster",
    "spotcheck.catalog",
    "spotcheck.draws",
    "spotcheck.planning",
    "spotcheck.inspections",
    "spotcheck.credit",
    "spotcheck.publicity",
    "spotcheck.oversight",
    "spotcheck.reminders",
    "spotcheck.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous GETs of the cached public pages are answered here, before the session, CSRF
    # and authentication middleware (spotcheck/publicity/cache.py says when it is safe).
    "spotcheck.publicity.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "spotcheck.core.db_routing.PortalReadsMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "spotcheck.core.api.query_gate",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "spotcheck.accounts.middleware.NoStoreWhenSignedInMiddleware",
    "spotcheck.accounts.middleware.AnonymousRefusalAuditMiddleware",
    "spotcheck.accounts.middleware.IdleTimeoutMiddleware",
    "spotcheck.accounts.middleware.OtpRequiredMiddleware",
    "spotcheck.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "spotcheck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "spotcheck.accounts.context_processors.navigation",
                "spotcheck.accounts.context_processors.deployment",
                "spotcheck.reminders.context_processors.reminders",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'spotcheck.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker and the web server share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A streaming replica of the primary for the public portal's reads (spotcheck.core.db_routing);
# unset, everything reads from the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60)),
        "TEST": {"MIRROR": "default"},
    }
PORTAL_READ_DATABASE = "replica" if DATABASE_REPLICA_URL else ""
DATABASE_ROUTERS = ["spotcheck.core.db_routing.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Imports (spotcheck.core.imports), read once here. File limits refuse a file before a row
# is written; IMPORT_MAX_ERRORS invalid rows stop an import; a file of IMPORT_BULK_MIN_ROWS
# rows or more into an empty table on PostgreSQL is a first load (0: never);
# IMPORT_BATCH_ROWS, when above 0, lowers the rows per transaction (tests that kill an
# import between batches).
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 200)
IMPORT_MAX_UNPACKED_MB = env_int("IMPORT_MAX_UNPACKED_MB", 1000)
IMPORT_MAX_XLSX_SHEET_MB = env_int("IMPORT_MAX_XLSX_SHEET_MB", 200)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 100)
IMPORT_MAX_ERRORS = env_int("IMPORT_MAX_ERRORS", 10_000)
IMPORT_BULK_MIN_ROWS = env_int("IMPORT_BULK_MIN_ROWS", 100_000)
IMPORT_BATCH_ROWS = env_int("IMPORT_BATCH_ROWS", 0)
# A first load's rebuild of indexes (SET LOCAL for its transaction): sort memory, and the
# workers of PostgreSQL's parallel index build beside the leader, which sorts too: one worker
# keeps both cores of a 2-core server busy (a million rows' USCC index 0.47 s, against 0.54 s
# with two workers and 0.70 s with none); give a larger server more.
IMPORT_MAINTENANCE_WORK_MEM = env_str("IMPORT_MAINTENANCE_WORK_MEM", "256MB")
IMPORT_PARALLEL_MAINTENANCE_WORKERS = env_int("IMPORT_PARALLEL_MAINTENANCE_WORKERS", 1)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # ModelBackend's sign-in without its user and group permissions (never granted here)
    "spotcheck.accounts.backends.PasswordBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "spotcheck.accounts.passwords.CharacterClassValidator",
     "OPTIONS": {"min_classes": 3}},
]
# A password older than this must be changed at the next request (days; 0 disables).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
# API tokens made on the user's own page expire after this many days (at most 366).
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
if not 1 <= API_TOKEN_DAYS <= 366:
    raise ImproperlyConfigured(f"环境变量 API_TOKEN_DAYS 应在 1 到 366 之间，实际为 {API_TOKEN_DAYS}")
# How long an enterprise's one-time activation code stays valid.
ACTIVATION_CODE_DAYS = env_int("ACTIVATION_CODE_DAYS", 60)
# Second factor (accounts.otp): TOTP mandatory for these roles — the three administrators,
# the office and the justice bureau — and offered to other staff when OTP_OPTIONAL_STAFF.
# The demo (SPOTCHECK_DEMO) makes it optional so that its accounts sign in with a password.
OTP_REQUIRED_ROLES = env_list(
    "OTP_REQUIRED_ROLES",
    [] if DEMO_MODE else ["system_admin", "security_admin", "audit_admin", "office", "justice"])
OTP_OPTIONAL_STAFF = env_bool("OTP_OPTIONAL_STAFF", True)
OTP_TOTP_ISSUER = "spotcheck"
OTP_TOTP_THROTTLE_FACTOR = 0  # five wrong codes lock the account (django-axes), no back-off on top
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Idle timeout: the session ends after this many seconds without a request, enforced and
# audited by the server (accounts.middleware.IdleTimeoutMiddleware); the cookie lives
# longer, so that the server sees the idle session come back and records its end.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_AGE = max(env_int("SESSION_COOKIE_AGE", 12 * 3600), SESSION_IDLE_TIMEOUT + 60)
# Saved when changed, not on every request: the idle middleware writes the time of the last
# request down once a minute, which also moves the cookie's and the session's expiry on.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True

# Served over HTTPS (production): Secure cookies, HSTS, redirect to https. On by default;
# off by default only for DEBUG, the demo (`make run` serves http on 127.0.0.1) and the test
# run (its client and live server speak http; tests/test_session_security.py runs
# `check --deploy` with the production environment in a process of its own).
# Behind a reverse proxy that terminates TLS, SECURE_PROXY_SSL_HEADER=true trusts its
# X-Forwarded-Proto (the proxy must set it and strip it from clients).
HTTPS = env_bool("SPOTCHECK_HTTPS", not (DEBUG or DEMO_MODE or "pytest" in sys.modules))
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Lockout after 5 failures for 30 minutes, counted per account and per address separately.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "spotcheck.accounts.views.locked_out"
AXES_VERBOSE = False

# The audit trail (spotcheck.audit): chain keys in AUDIT_CHAIN_KEYS or var/keys (core.keys);
# the head anchored daily to an append-only file outside the database; events older than
# AUDIT_ARCHIVE_AFTER_DAYS (at least 183: six months) moved to signed archive files.
AUDIT_ANCHOR_FILE = Path(env_str("AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit" / "anchors.jsonl")))
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(VAR_DIR / "audit" / "archive")))
AUDIT_ARCHIVE_AFTER_DAYS = env_int("AUDIT_ARCHIVE_AFTER_DAYS", 365)
if AUDIT_ARCHIVE_AFTER_DAYS < 183:
    raise ImproperlyConfigured(
        "环境变量 AUDIT_ARCHIVE_AFTER_DAYS 至少为 183（审计记录在线保存不少于六个月），"
        f"实际为 {AUDIT_ARCHIVE_AFTER_DAYS}")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# build/static holds the JavaScript libraries copied from node_modules by bin/static-vendor
# (make setup): ECharts for the oversight dashboards; not committed.
STATICFILES_DIRS = [BASE_DIR / "spotcheck" / "static", BASE_DIR / "build" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(VAR_DIR / "media")}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Nothing is fetched from elsewhere at run time (intranet): everything from 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call gets 401 with a WWW-Authenticate header. Tokens
        # are named, expire and can be revoked (accounts.tokens); no other kind is accepted.
        "spotcheck.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "spotcheck.core.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "spotcheck.core.api.KeysetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "spotcheck.core.api.exception_handler",
    # Bodies checked for what no column can store (spotcheck.core.parsers).
    "DEFAULT_PARSER_CLASSES": ["spotcheck.core.parsers.JSONParser", "spotcheck.core.parsers.FormParser",
                               "spotcheck.core.parsers.MultiPartParser"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "spotcheck API",
    "DESCRIPTION": "双随机、一公开、一集中 监管平台接口 (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the installed sidecar package: nothing from a CDN (intranet).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set shared by several fields (the schema validates without warnings).
    "ENUM_NAME_OVERRIDES": {
        "LibraryClassEnum": "spotcheck.registry.models.LibraryClass",
        "PlanStatusEnum": "spotcheck.planning.models.PlanStatus",
        "DrawStatusEnum": "spotcheck.draws.models.DrawStatus",
        "TaskStatusEnum": "spotcheck.inspections.models.TaskStatus",
        "TaskSourceEnum": "spotcheck.inspections.models.TaskSource",
        "RegistrationStatusEnum": "spotcheck.registry.models.RegistrationStatus",
        "EntityKindEnum": "spotcheck.registry.models.EntityKind",
        "FilingKindEnum": "spotcheck.catalog.models.FilingKind",
        "PowerKindEnum": "spotcheck.catalog.models.PowerKind",
        "InspectorKindEnum": "spotcheck.roster.models.InspectorKind",
        "ReclassRunStatusEnum": "spotcheck.credit.models.RunStatus",
        "ReclassProposalStateEnum": "spotcheck.credit.models.ProposalState",
        "PromotionStatusEnum": "spotcheck.credit.models.PromotionStatus",
    },
}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# The largest request body read into memory (bytes); beyond it the API answers 413 in its
# error shape. Uploaded files do not count (they go to temporary files).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Refusals are audited; the log gets one line for them, not a traceback.
    "filters": {"refusals": {"()": "spotcheck.core.errors.RefusalLogFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- publicity (一公开) -----------------------------------------------------------------------
# Where published results and publicity records are delivered (R-R2). Each target's URL and
# credential come from the environment; the defaults point at the loopback receiver that
# `make run` starts (bin/receiver).
RECEIVER_URL = env_str("DELIVERY_RECEIVER_URL", "http://127.0.0.1:8011")
PUBLICITY_DELIVERY_TARGETS = {
    "national": {"label": "国家企业信用信息公示系统",
                 "url": env_str("DELIVERY_NATIONAL_URL", f"{RECEIVER_URL}/national/results"),
                 "token": env_str("DELIVERY_NATIONAL_TOKEN", "")},
    "province": {"label": "省信用信息共享平台",
                 "url": env_str("DELIVERY_PROVINCE_URL", f"{RECEIVER_URL}/province/records"),
                 "token": env_str("DELIVERY_PROVINCE_TOKEN", "")},
}
DELIVERY_MAX_ATTEMPTS = env_int("DELIVERY_MAX_ATTEMPTS", 8)
DELIVERY_BACKOFF_SECONDS = env_int("DELIVERY_BACKOFF_SECONDS", 30)
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 60)
DELIVERY_TIMEOUT_SECONDS = env_int("DELIVERY_TIMEOUT_SECONDS", 10)
# Days the department has to answer an enterprise's objection (R-S4).
OBJECTION_ANSWER_DAYS = env_int("OBJECTION_ANSWER_DAYS", 15)
OBJECTION_FILE_MAX_MB = env_int("OBJECTION_FILE_MAX_MB", 10)
# Complaints from one address in a rolling hour (no CAPTCHA).
COMPLAINT_LIMIT_PER_HOUR = env_int("COMPLAINT_LIMIT_PER_HOUR", 5)
# Anonymous public pages are served from the cache this long (0: never); a publication
# drops them at once in every process.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 300)
# Each web process keeps the public pages in memory, the searches apart: a stream of searches,
# each asked once, must not push the home and draw pages out (LocMemCache drops a third of
# its entries when full). At most about 30 MB per process (pages of 5–60 kB).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "public_pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-pages",
                     "OPTIONS": {"MAX_ENTRIES": env_int("PUBLIC_CACHE_PAGES", 1000)}},
    "public_search": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "public-search",
                      "OPTIONS": {"MAX_ENTRIES": env_int("PUBLIC_CACHE_SEARCHES", 500)}},
}
# The published complaint phone of the office (R-S4: a phone number and an online form).
COMPLAINT_PHONE = env_str("COMPLAINT_PHONE", "12345")
