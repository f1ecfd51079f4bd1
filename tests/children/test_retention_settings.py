"""The retention periods are the controller's: read from the environment, checked when the settings
load (a whole number of years from 1 to 100), 7 and 6 when not set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("CCEHUB_RETENTION_YEARS_AFTER_18", "CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY")


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in NAMES} | env
    code = (
        "import config.settings.base as s; "
        "print(s.CCEHUB_RETENTION_YEARS_AFTER_18, s.CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environ, cwd=ROOT, timeout=120
    )


def test_the_periods_default_to_seven_and_six_years() -> None:
    result = _load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["7", "6"]


def test_the_periods_are_read_from_the_environment() -> None:
    result = _load_settings(
        CCEHUB_RETENTION_YEARS_AFTER_18="100", CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY=" 1 "
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["100", "1"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", ["0", "101", "-7", "x", "6.5", ""])
def test_a_bad_period_stops_the_settings_loading(name: str, value: str) -> None:
    result = _load_settings(**{name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{name} must be a whole number of years from 1 to 100, not {value!r}" in result.stderr


def test_the_policy_is_built_from_the_settings(settings) -> None:
    from ccehub.children.selectors import retention_policy

    settings.CCEHUB_RETENTION_YEARS_AFTER_18 = 3
    settings.CCEHUB_RETENTION_YEARS_AFTER_ACTIVITY = 10
    policy = retention_policy()
    assert (policy.years_after_18, policy.years_after_activity) == (3, 10)
