"""Local and demo use: the embedded SQLite default, or whatever ``DATABASE_URL`` names."""

from config.settings.base import *  # noqa: F403
from config.settings.base import DEBUG as _DEBUG

DEBUG = _DEBUG
CCEHUB_SHOW_DEMO_SIGNINS = True
