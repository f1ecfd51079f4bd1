"""The only module that reads ``os.environ``. Settings import their values from here."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def require_2fa(default: bool) -> bool:
    """``CCEHUB_REQUIRE_2FA`` (read like ``CCEHUB_DEBUG``), or ``default`` when it is unset: the
    production settings pass ``True``, every other settings module ``False``."""
    return _bool("CCEHUB_REQUIRE_2FA", default)


def default_sqlite_path() -> Path:
    return BASE_DIR / "var" / "ccehub.sqlite3"


#: ``DATABASE_URL`` selects the database everywhere (web app, CLI, tests). Embedded SQLite otherwise.
DATABASE_URL: str = os.environ.get("DATABASE_URL") or f"sqlite:///{default_sqlite_path()}"
SECRET_KEY: str | None = os.environ.get("CCEHUB_SECRET_KEY")
DEBUG: bool = _bool("CCEHUB_DEBUG", False)
ALLOWED_HOSTS: list[str] = [
    h.strip() for h in os.environ.get("CCEHUB_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
#: Directory for the person index and other generated artefacts.
DATA_DIR: Path = Path(os.environ.get("CCEHUB_DATA_DIR") or (BASE_DIR / "var"))
#: Who a CLI action is attributed to in the audit log when ``--user`` is not given.
CLI_USER: str | None = os.environ.get("CCEHUB_USER")
#: Minimum match probability for a look-up candidate to cross the agency boundary.
LOOKUP_THRESHOLD: float = float(os.environ.get("CCEHUB_LOOKUP_THRESHOLD", "0.5"))
#: Linkage backend: ``duckdb`` (default) or ``spark``.
LINKAGE_BACKEND: str = os.environ.get("CCEHUB_LINKAGE_BACKEND", "duckdb")
#: How many days a new personal API token works (``ccehub tokens create --days`` overrides it).
API_TOKEN_DAYS: str = os.environ.get("CCEHUB_API_TOKEN_DAYS", "90")
#: How many hours an emergency (break-glass) access to a child's record lasts.
EMERGENCY_ACCESS_HOURS: str = os.environ.get("CCEHUB_EMERGENCY_ACCESS_HOURS", "24")
#: How many hours an API request's ``Idempotency-Key`` is remembered (a retry within them is answered again).
IDEMPOTENCY_HOURS: str = os.environ.get("CCEHUB_IDEMPOTENCY_HOURS", "24")
#: Comma-separated addresses or networks of the reverse proxies whose ``X-Forwarded-For`` is believed.
TRUSTED_PROXIES: str = os.environ.get("CCEHUB_TRUSTED_PROXIES", "")
#: Failed sign-ins from one address (any usernames) that pause sign-in from it.
SIGNIN_ADDRESS_LIMIT: str = os.environ.get("CCEHUB_SIGNIN_ADDRESS_LIMIT", "20")
#: Refused API tokens from one address within 15 minutes that pause its token requests (429).
API_BAD_TOKEN_LIMIT: str = os.environ.get("CCEHUB_API_BAD_TOKEN_LIMIT", "20")
#: The controller's retention periods, in whole years: a child's record here is due for review on the
#: later of this many years after the 18th birthday and this many after the last activity.
RETENTION_YEARS_AFTER_18: str = os.environ.get("CCEHUB_RETENTION_YEARS_AFTER_18", "7")
RETENTION_YEARS_AFTER_ACTIVITY: str = os.environ.get("CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY", "6")
#: Address of the web app as its users reach it: links in notification emails start with it.
BASE_URL: str = os.environ.get("CCEHUB_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
#: Mail server for notification emails (missing reports to a home authority's duty mailbox). Unset:
#: emails are written to the log (the console), and the dashboards still show every follow-up.
EMAIL_HOST: str = os.environ.get("CCEHUB_EMAIL_HOST", "")
EMAIL_PORT: str = os.environ.get("CCEHUB_EMAIL_PORT", "587")
EMAIL_HOST_USER: str = os.environ.get("CCEHUB_EMAIL_USER", "")
EMAIL_HOST_PASSWORD: str = os.environ.get("CCEHUB_EMAIL_PASSWORD", "")
EMAIL_USE_TLS: bool = _bool("CCEHUB_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL: str = os.environ.get("CCEHUB_EMAIL_FROM", "ccehub <no-reply@ccehub.invalid>")
