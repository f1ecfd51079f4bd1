"""Settings shared by every environment. Values come from :mod:`config.env`."""

from __future__ import annotations

import dj_database_url

from config import env

BASE_DIR = env.BASE_DIR

SECRET_KEY = env.SECRET_KEY or "insecure-development-key-do-not-use-in-production"
DEBUG = env.DEBUG
ALLOWED_HOSTS = env.ALLOWED_HOSTS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "ccehub.common",
    "ccehub.agencies",
    "ccehub.children",
    "ccehub.incidents",
    "ccehub.justice",
    "ccehub.nrm",
    "ccehub.safeguarding",
    "ccehub.panels",
    "ccehub.audit",
    "ccehub.reports",
    "ccehub.records",
    "ccehub.notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files stay cacheable; every page and API answer is no-store.
    "ccehub.common.middleware.NoStoreMiddleware",
    # Before CommonMiddleware (APPEND_SLASH): every error under /api/ is JSON, a slash variant a 308.
    "ccehub.common.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ccehub.common.idle.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ccehub.common.middleware.CurrentMembershipMiddleware",
    # After sign-in and the idle sign-out: sends a user without two-factor sign-in to set it up
    # when CCEHUB_REQUIRE_2FA is on.
    "ccehub.common.middleware.RequireTwoFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ccehub.common.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(env.DATABASE_URL, conn_max_age=0)}
# Every request is one transaction: the audit row for a read commits (or rolls back) with it.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a page and its chart at once, and every read writes an audit row:
    # a deferred transaction that reads, then writes, fails at once with "database is locked" when
    # another request is writing. IMMEDIATE takes the write lock at BEGIN, and waits for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"

STATIC_URL = "/static/"
STATIC_ROOT = env.DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working shift

# Sign-in lockout (ccehub.common.lockout): this many failed sign-ins within the window lock the
# account for the lock time, counted from the audit log.
AUTHENTICATION_BACKENDS = ["ccehub.common.lockout.LockoutBackend"]
CCEHUB_SIGNIN_FAILURE_LIMIT = 5
CCEHUB_SIGNIN_FAILURE_WINDOW_MINUTES = 15
CCEHUB_SIGNIN_LOCK_MINUTES = 15
# Whether every web user must sign in with a two-factor code (ccehub.agencies.two_factor): a signed-in
# user who has not set it up is sent to set it up, and a session-authenticated API call is refused.
# Off here (the demo and the tests); on in config.settings.production unless CCEHUB_REQUIRE_2FA says no.
CCEHUB_REQUIRE_2FA = env.require_2fa(default=False)
# A web session with no activity for this long is signed out (ccehub.common.idle; 0: never).
CCEHUB_IDLE_TIMEOUT_MINUTES = 30
# A new personal API token works for this many days (1 to 366); `ccehub tokens create --days` sets
# another lifetime for one token. Tokens made before tokens expired were given created + this.
try:
    CCEHUB_API_TOKEN_DAYS = int(env.API_TOKEN_DAYS)
except ValueError:
    CCEHUB_API_TOKEN_DAYS = 0
if not 1 <= CCEHUB_API_TOKEN_DAYS <= 366:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"CCEHUB_API_TOKEN_DAYS must be a whole number of days from 1 to 366, not {env.API_TOKEN_DAYS!r}"
    )
# Emergency (break-glass) access to a child's record lasts this many hours (1 to 72): long enough for
# one shift and a handover, short enough that it cannot stand in for a data-sharing agreement.
try:
    CCEHUB_EMERGENCY_ACCESS_HOURS = int(env.EMERGENCY_ACCESS_HOURS)
except ValueError:
    CCEHUB_EMERGENCY_ACCESS_HOURS = 0
if not 1 <= CCEHUB_EMERGENCY_ACCESS_HOURS <= 72:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "CCEHUB_EMERGENCY_ACCESS_HOURS must be a whole number of hours from 1 to 72, "
        f"not {env.EMERGENCY_ACCESS_HOURS!r}"
    )


def _whole_hours(name: str, text: str, *, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not low <= value <= high:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            f"{name} must be a whole number of hours from {low} to {high}, not {text!r}"
        )
    return value


# An `Idempotency-Key` sent with POST /api/children/ is remembered for this many hours (1 to 168): a
# retry with the same key and body within them answers the child already created, instead of a second
# one (ccehub.children.idempotency). Long enough for a client to retry after an outage, short enough
# that the table holds a day's keys, not a history.
CCEHUB_IDEMPOTENCY_HOURS = _whole_hours("CCEHUB_IDEMPOTENCY_HOURS", env.IDEMPOTENCY_HOURS, low=1, high=168)
# The reverse proxies whose X-Forwarded-For is believed (ccehub.common.addresses); none by default, so
# the connection's own address is the client's and a client cannot choose the address it is seen at.
try:
    from ccehub.common.addresses import parse_trusted_proxies

    CCEHUB_TRUSTED_PROXIES = tuple(str(network) for network in parse_trusted_proxies(env.TRUSTED_PROXIES))
except ValueError as exc:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"CCEHUB_TRUSTED_PROXIES: {exc}") from None


def _at_least_one(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name} must be a whole number, 1 or more, not {text!r}")
    return value


# This many failed sign-ins from one address within CCEHUB_SIGNIN_FAILURE_WINDOW_MINUTES, under any
# usernames, pause sign-in from that address for CCEHUB_SIGNIN_LOCK_MINUTES (ccehub.common.lockout).
CCEHUB_SIGNIN_ADDRESS_LIMIT = _at_least_one("CCEHUB_SIGNIN_ADDRESS_LIMIT", env.SIGNIN_ADDRESS_LIMIT)
# This many refused API tokens from one address within 15 minutes pause that address's requests with
# a token for 15 minutes (429, ccehub.agencies.tokens).
CCEHUB_API_BAD_TOKEN_LIMIT = _at_least_one("CCEHUB_API_BAD_TOKEN_LIMIT", env.API_BAD_TOKEN_LIMIT)


def _retention_years(name: str, text: str) -> int:
    from ccehub.rules.retention import MAX_YEARS, MIN_YEARS, MSG_POLICY_YEARS

    try:
        value = int(text)
    except ValueError:
        value = 0
    if not MIN_YEARS <= value <= MAX_YEARS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            MSG_POLICY_YEARS.format(name=name, low=MIN_YEARS, high=MAX_YEARS, value=text)
        )
    return value


# A child's record here is due for a retention review (ccehub.rules.retention, `ccehub retention
# review`) on the later of this many years after the 18th birthday and this many after the last
# activity. The controller sets both from its own retention schedule: 7 and 6 are a placeholder.
CCEHUB_RETENTION_YEARS_AFTER_18 = _retention_years(
    "CCEHUB_RETENTION_YEARS_AFTER_18", env.RETENTION_YEARS_AFTER_18
)
CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY = _retention_years(
    "CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY", env.RETENTION_YEARS_AFTER_ACTIVITY
)
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "ccehub.common.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Strict Content-Security-Policy: no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

CCEHUB_DATA_DIR = env.DATA_DIR
CCEHUB_LOOKUP_THRESHOLD = env.LOOKUP_THRESHOLD
CCEHUB_LINKAGE_BACKEND = env.LINKAGE_BACKEND
CCEHUB_CLI_USER = env.CLI_USER

CCEHUB_BASE_URL = env.BASE_URL
# Notification emails (ccehub.notifications): SMTP when a mail server is named, the console otherwise.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env.EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env.EMAIL_HOST or "localhost"
EMAIL_PORT = int(env.EMAIL_PORT) if env.EMAIL_PORT.strip().isdigit() else 587
EMAIL_HOST_USER = env.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = env.EMAIL_HOST_PASSWORD
EMAIL_USE_TLS = env.EMAIL_USE_TLS
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
