"""The panel world (agencies, users, members) for the report tests."""

from tests.panels.conftest import child, world  # noqa: F401 - fixtures
