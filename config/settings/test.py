"""Test settings: ``DATABASE_URL`` when set (CI uses PostgreSQL), SQLite otherwise."""

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; tests only
CCEHUB_SHOW_DEMO_SIGNINS = True
