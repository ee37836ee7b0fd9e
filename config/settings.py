"""Settings, read from the environment (twelve-factor), with defaults that need no server.

DATABASE_URL   default sqlite under var/; postgres://... for PostgreSQL
REDIS_URL      the Celery broker and the cache; unset: kombu's filesystem broker under var/
SECRET_KEY     required when DEBUG is off
DEBUG          "1" for local development (make run sets it)
ALLOWED_HOSTS  comma-separated
TIME_ZONE      the organisation's time zone, default Europe/Oslo
INVITATION_ALARM_MINUTES  calendar invitations remind this long before the meeting (15; 0: none)
EMAIL_*        see the README
SESSION_IDLE_MINUTES   signed out after this long without a request (default 60)
SESSION_MAX_HOURS      signed out this long after signing in, however active (default 12)
LOGIN_FAILURE_LIMIT    wrong passwords before an account is locked from that address (default 5)
LOGIN_LOCKOUT_MINUTES  how long that lock lasts (default 15)
TRUSTED_PROXY_COUNT    how many proxies stand in front of the app (default 0: none)
TRUSTED_PROXIES        comma-separated networks those proxies connect from (optional)
DASHBOARD_CACHE_SECONDS  how long HR's dashboard figures are kept before they are counted again (60)
READ_CACHE_SECONDS  longest a kept read (an employee's signed talks, a unit's goals and local
               guidelines) is served; changes made in the app renew it at once (600)
S3_BUCKET      stored files (signed summaries) in this S3-compatible bucket instead of MEDIA_ROOT;
               with S3_ENDPOINT_URL, S3_REGION, and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
WORKING_DAYS   the days meetings may be booked on, ISO weekday numbers (1 Monday .. 7 Sunday),
               comma-separated (default 1,2,3,4,5)
WORKING_HOURS  the hours they may lie within, HH:MM-HH:MM (default 08:00-16:00)
HOLIDAYS_COUNTRY  whose public holidays are closed days, an ISO country code of the holidays
               package (default NO); empty: none. HOLIDAYS_SUBDIVISION for a region's own
CLOSED_DAYS    further closed days, ISO dates comma-separated (2027-12-27,2027-12-28)
OIDC_*, SAML_*, PASSWORD_LOGIN, SIGN_REAUTH_MINUTES  single sign-on: see the README
"""

import datetime
import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used on a developer's machine: DEBUG is on.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# An expired form gets the friendly 403 page in the person's language (config/errors.py).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "djangosaml2",
    # The API's docs page (Swagger UI, served from its static files).
    "ninja",
    "people",
    "goals",
    "interviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # djangosaml2's own session, for the identity provider's cross-site POST (people/sso/saml.py).
    "djangosaml2.middleware.SamlSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "people.audit.AuditMiddleware",
    # /api/ and /scim/ answer to bearer tokens only: no session user, each call audited.
    "people.middleware.ApiRequestMiddleware",
    # Django's LoginRequiredMiddleware, answering autosaves and fetched fragments with 401.
    "people.middleware.FragmentAwareLoginRequiredMiddleware",
    "people.middleware.UserLanguageMiddleware",
    "people.middleware.NullCharacterGuardMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "people.middleware.SessionLifetimeMiddleware",
    "people.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside the CSP middleware: adds the identity providers to form-action.
    "people.middleware.ProviderFormActionMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its answer.
    "axes.middleware.AxesMiddleware",
]

# Passwords: Argon2 for new and changed ones; older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    # Counts failed logins per account and address and refuses further tries for a while.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with the HR role read together with the user (people/backends.py).
    "people.backends.UserBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")) / 60  # hours
# Guessing one person's password from one address is stopped without letting anybody
# lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "people.backends.login_throttle_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# The proxies in front of the app (a TLS terminator, a load balancer). Only through them is
# X-Forwarded-For believed, by the audit log and the login throttle alike
# (people.audit.client_ip); without them every request counts from the address it came from.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
try:
    TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network(n, strict=False) for n in env_list("TRUSTED_PROXIES")]
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}") from exc
AXES_CLIENT_IP_CALLABLE = "people.audit.client_ip"

# Django's database sessions, refusing a cookie's key that Django could not have made.
SESSION_ENGINE = "people.sessions"
# Sessions end after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after
# signing in (people.middleware.SessionLifetimeMiddleware); the cookie lasts no longer.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_MINUTES", "60")) * 60
SESSION_MAX_SECONDS = int(os.environ.get("SESSION_MAX_HOURS", "12")) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Single sign-on (people/sso/). OpenID Connect where OIDC_DISCOVERY_URL is set: the
# provider's /.well-known/openid-configuration, the client registered there, and which claim
# (OIDC_CLAIM) is matched to which field of the person (OIDC_MATCH: email or employee_number).
OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_CLAIM = os.environ.get("OIDC_CLAIM", "email")
OIDC_MATCH = os.environ.get("OIDC_MATCH", "email")
OIDC_NAME = os.environ.get("OIDC_NAME", "")  # the button: "Sign in with Feide"
# SAML 2.0 where the identity provider's metadata is given (a URL, optionally checked with
# the federation's certificate, or a file); the person is matched by one attribute
# (SAML_ATTRIBUTE, or "name_id") to one field (SAML_MATCH). A key pair signs the requests.
SAML_IDP_METADATA_URL = os.environ.get("SAML_IDP_METADATA_URL", "")
SAML_IDP_METADATA_FILE = os.environ.get("SAML_IDP_METADATA_FILE", "")
SAML_IDP_METADATA_CERT = os.environ.get("SAML_IDP_METADATA_CERT", "")
# The one identity provider whose answers count (its entity ID); needed where the metadata is
# a federation's, naming many. Empty: the only one the metadata names.
SAML_IDP_ENTITY_ID = os.environ.get("SAML_IDP_ENTITY_ID", "")
SAML_ENTITY_ID = os.environ.get("SAML_ENTITY_ID", "")  # default: SITE_URL/saml2/metadata/
SAML_KEY_FILE = os.environ.get("SAML_KEY_FILE", "")
SAML_CERT_FILE = os.environ.get("SAML_CERT_FILE", "")
SAML_ATTRIBUTE = os.environ.get("SAML_ATTRIBUTE", "mail")
SAML_MATCH = os.environ.get("SAML_MATCH", "email")
SAML_NAME = os.environ.get("SAML_NAME", "")
# djangosaml2: its configuration from these settings, no account ever created, and the
# redirect binding (a link, not a self-submitting form, which the CSP would stop).
SAML_CONFIG_LOADER = "people.sso.saml.sp_config"
SAML_CREATE_UNKNOWN_USER = False
SAML_DEFAULT_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_LOGOUT_REQUEST_PREFERRED_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
SAML_IGNORE_LOGOUT_ERRORS = True
SAML_SESSION_COOKIE_NAME = "saml_session"
# Off: only administrators sign in with a password (at /accounts/admin-login/), and the
# password-reset pages and the import's welcome emails are gone.
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
# A signature made in a single sign-on session needs a re-authentication at the provider
# this recent.
SIGN_REAUTH_MINUTES = int(os.environ.get("SIGN_REAUTH_MINUTES", "5"))
SSO_CLOCK_LEEWAY_SECONDS = int(os.environ.get("SSO_CLOCK_LEEWAY_SECONDS", "60"))
SSO_TIMEOUT_SECONDS = int(os.environ.get("SSO_TIMEOUT_SECONDS", "10"))
# Further origins a sign-out may redirect to (a provider whose logout is on another host).
SSO_EXTRA_ORIGINS = env_list("SSO_EXTRA_ORIGINS")

# --- integrations: the REST API (/api/v1/) and SCIM (/scim/v2/) ---------------------------
# Calls per token and minute; past it, 429 with Retry-After (0: no limit).
API_RATE_LIMIT_PER_MINUTE = int(os.environ.get("API_RATE_LIMIT_PER_MINUTE", "600"))
# What SCIM gives a person the identity provider does not say: their job kind (when its
# userType names none) and the kind of their reporting line to the manager it names.
SCIM_DEFAULT_JOB_KIND = os.environ.get("SCIM_DEFAULT_JOB_KIND", "administrative")
SCIM_PARTNER_KIND = os.environ.get("SCIM_PARTNER_KIND", "immediate_superior")

# Content-Security-Policy (django-csp): scripts and styles from this site only, nothing
# inline, nothing from elsewhere. Bootstrap's icons are data: images in its CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "people.context_processors.roles",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # make run serves the web app and a Celery worker on the same file: wait for locks
    # instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nb", _("Norwegian Bokmål"))]
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Oslo")


def _env_hours(name: str, default: str) -> tuple[datetime.time, datetime.time]:
    value = os.environ.get(name) or default
    try:
        start, end = (datetime.time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {value!r} is not HH:MM-HH:MM") from exc
    if start >= end:
        raise ImproperlyConfigured(f"{name}: the working day must end after it starts ({value!r})")
    return start, end


# Meetings are booked on working days within working hours, never on a public holiday or
# a day the organisation is closed (interviews/calendar_rules.py).
try:
    WORKING_DAYS = tuple(sorted({int(day) for day in env_list("WORKING_DAYS", "1,2,3,4,5")}))
except ValueError as exc:
    raise ImproperlyConfigured(f"WORKING_DAYS: {exc}") from exc
if not WORKING_DAYS or not set(WORKING_DAYS) <= set(range(1, 8)):
    raise ImproperlyConfigured("WORKING_DAYS: ISO weekday numbers from 1 (Monday) to 7 (Sunday)")
WORKING_HOURS_START, WORKING_HOURS_END = _env_hours("WORKING_HOURS", "08:00-16:00")
HOLIDAYS_COUNTRY = os.environ.get("HOLIDAYS_COUNTRY", "NO").strip().upper()
HOLIDAYS_SUBDIVISION = os.environ.get("HOLIDAYS_SUBDIVISION", "").strip() or None
try:
    CLOSED_DAYS = frozenset(datetime.date.fromisoformat(day) for day in env_list("CLOSED_DAYS"))
except ValueError as exc:
    raise ImproperlyConfigured(f"CLOSED_DAYS: {exc}") from exc
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Signed summaries go through Django's storage API: on the local disk by default, or in an
# S3-compatible bucket that every web node and worker shares (django-storages), so that
# no node keeps anything another one needs.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
DEFAULT_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            # Summaries are confidential: private objects, served only through the app's
            # own access check, never by a public or pre-signed URL.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

REDIS_URL = os.environ.get("REDIS_URL", "")

# Sessions stay in the database (shared by every web node): a session cached in Redis
# could outlive a sign-out made while Redis was down.
if REDIS_URL:
    CACHES = {
        "default": {
            # Shared by every web node; pages go on without it (a miss) while Redis is down.
            "BACKEND": "config.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The menu's facts about a person (partner? head of unit? unread reminders?) are read at
# most this often; a new reminder and reading them refresh it at once (0: every request).
NAV_CACHE_SECONDS = int(os.environ.get("NAV_CACHE_SECONDS", "60"))
# HR's dashboard counts a cycle's figures at most this often per scope (0: every request).
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "60"))
# Reads kept until the app changes what they were read from (people/generations.py), and
# never longer than this: an employee's signed talks, a unit's goals and guidelines
# (0: read on every request).
READ_CACHE_SECONDS = int(os.environ.get("READ_CACHE_SECONDS", "600"))

# Celery: Redis when configured, otherwise a broker that needs no server.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    BROKER_DIR = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # kombu's default is ./control, which would put broker state in the checkout.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# A broker that is down must not hang a web request that queues an email.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Email
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
# For EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend (each email a file).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "appraisal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The sender's display name ("Name <address>"); empty: the app's name in the recipient's
# language. A DEFAULT_FROM_EMAIL written with a name keeps its own.
EMAIL_FROM_NAME = os.environ.get("EMAIL_FROM_NAME", "")
# Links in emails point here (emails are written outside any request).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Calendar invitations ask the calendar to remind this many minutes before the meeting
# (a VALARM); 0 leaves reminders to each person's own calendar settings.
INVITATION_ALARM_MINUTES = max(0, int(os.environ.get("INVITATION_ALARM_MINUTES", "15")))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Uploaded HR files are read in memory up to this size; an organisation of 20,000 people
# fits in a few megabytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

if not DEBUG:
    # Production behind a TLS-terminating proxy; `manage.py check --deploy` passes with
    # these defaults (CI checks it). Plain-HTTP trials can turn the HTTPS ones off.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The load balancer's health check speaks plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every rendering step at INFO: noise in web and worker logs.
    # pysaml2 and the XML Schema library it loads log each step at INFO likewise.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "saml2": {"level": "WARNING"},
        "xmlschema": {"level": "WARNING"},
    },
}
