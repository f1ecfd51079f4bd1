"""Production: PostgreSQL, HTTPS, a real secret key."""

from django.core.exceptions import ImproperlyConfigured

from config import env
from config.settings.base import *  # noqa: F403

if not env.SECRET_KEY:
    raise ImproperlyConfigured("CCEHUB_SECRET_KEY must be set in production")
SECRET_KEY = env.SECRET_KEY
DEBUG = False
# Every web user signs in with a code from an authenticator app (set CCEHUB_REQUIRE_2FA=false to not).
CCEHUB_REQUIRE_2FA = env.require_2fa(default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
