"""The children tests may use the panel world (tests/panels/conftest.py): agencies, people by role,
and Jamie, whose history the query-count tests grow."""

from tests.panels.conftest import child, world  # noqa: F401 - fixtures
