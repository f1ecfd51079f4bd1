"""The NRM tests share the panel world (tests/panels/conftest.py)."""

from tests.panels.conftest import child, incident, incident_2022, referral, referral_2022, world  # noqa: F401
