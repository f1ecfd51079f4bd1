"""``ccehub triage [FILE|-]``: the exact CLI/JSON contract of issue #3, through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ccehub.commands.triage import (
    MSG_BAD_CONSTANT,
    MSG_EMPTY,
    MSG_TOP_LEVEL,
)
from ccehub.rules.policy import REPORT_2022
from ccehub.rules.triage import MSG_DATE, MSG_EVIDENCE_NOTE_REQUIRED, MSG_NEGATIVE, MSG_REQUIRED
from ccehub.rules.triage_io import MSG_DUPLICATE_FIELD

CCEHUB = str(Path(sys.executable).with_name("ccehub"))
OUTPUT_FIELDS = [
    "age_years",
    "days_until_18",
    "presumption",
    "priority",
    "panel_eligible",
    "section45",
    "actions",
    "policy",
    "rule_version",
    "reasons",
]
ACTION_CODES = {
    "safeguard_immediately",
    "urgent_medical_assessment",
    "notify_home_local_authority",
    "notify_home_police_force",
    "establish_home_status",
    "refer_to_nrm",
    "strategy_meeting",
    "return_home_crisis_intervention",
    "bail_not_rui",
    "request_cps_early_advice",
    "debt_safety_plan",
    "missing_crisis_intervention",
    "transitional_safeguarding",
}
PRESUMED = {
    "incident_date": "2022-09-23",
    "date_of_birth": "2005-01-01",
    "county_lines_linked": True,
    "arrested": True,
    "out_of_area": True,
    "offences": ["pwits_class_a"],
    "indicators": ["cash", "multiple_phones"],
}


#: The checkout these tests belong to: put first on the console script's path so that it runs this
#: code, not whichever checkout the virtual environment was installed from.
REPO = Path(__file__).resolve().parents[2]


def ccehub(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [CCEHUB, "triage", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def rejected(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    return result.stderr


def test_one_object_in_one_object_out() -> None:
    """An object on stdin ('-') gives one decision object with exactly the contract's fields."""
    out = ok(ccehub("-", stdin=json.dumps(PRESUMED)))
    assert list(out) == OUTPUT_FIELDS
    assert out["presumption"] == "presumed_victim"
    assert out["priority"] == "crisis"
    assert out["days_until_18"] == 100
    assert out["panel_eligible"] is False
    assert out["section45"] == "child_may_apply"
    assert out["policy"] == "current"
    for action in out["actions"]:
        assert list(action) == ["code", "due_within_hours", "reason"]
        assert action["code"] in ACTION_CODES
        assert action["due_within_hours"] is None or isinstance(action["due_within_hours"], int)
    assert out["actions"][0] == {
        "code": "safeguard_immediately",
        "due_within_hours": 0,
        "reason": out["actions"][0]["reason"],
    }


def test_stdin_is_the_default() -> None:
    """With no argument the command reads standard input."""
    assert ok(ccehub(stdin=json.dumps(PRESUMED)))["presumption"] == "presumed_victim"


def test_list_in_list_out(tmp_path: Path) -> None:
    """A list in a FILE gives a list of decisions in the same order."""
    items = [PRESUMED, {**PRESUMED, "incident_date": "2022-09-24"}, {"incident_date": "2022-09-24"}]
    path = tmp_path / "incidents.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    out = ok(ccehub(str(path)))
    assert [d["presumption"] for d in out] == [
        "presumed_victim",
        "child_consider_exploitation",
        "age_unknown_treat_as_child",
    ]


def test_empty_list_gives_empty_list() -> None:
    """An empty list is valid and gives an empty list."""
    assert ok(ccehub("-", stdin="[]")) == []


def test_report_profile_and_datetime_incident() -> None:
    """policy=report-2022 is named on the decision; a date-time incident_date is accepted."""
    out = ok(
        ccehub(
            "-",
            stdin=json.dumps({**PRESUMED, "incident_date": "2022-09-23T02:10:00", "policy": "report-2022"}),
        )
    )
    assert (out["policy"], out["rule_version"], out["days_until_18"]) == (
        "report-2022",
        REPORT_2022.rule_version,
        100,
    )


@pytest.mark.parametrize(
    ("payload", "needles"),
    [
        ("{", ["invalid JSON"]),
        ("", [MSG_EMPTY]),
        ('"text"', [MSG_TOP_LEVEL]),
        ("{}", ["incident_date", MSG_REQUIRED]),
        ('{"incident_date": "2022-09-23", "date_of_birth": "01/01/2005"}', ["date_of_birth", MSG_DATE]),
        (
            '{"incident_date": "2022-09-23", "date_of_birth": "2023-01-01"}',
            ["date_of_birth", "incident_date"],
        ),
        ('{"incident_date": "2022-09-23", "missing_days": -3}', ["missing_days", MSG_NEGATIVE]),
        ('{"incident_date": "2022-09-23", "arrested": "yes"}', ["arrested"]),
        ('{"incident_date": "2022-09-23", "offences": ["pwits_class_z"]}', ["offences[0]", "pwits_class_z"]),
        ('{"incident_date": "2022-09-23", "indicators": ["cash", "bling"]}', ["indicators[1]", "bling"]),
        ('{"incident_date": "2022-09-23", "policy": "2019"}', ["policy", "2019"]),
        ('{"incident_date": "2022-09-23", "colour": "red"}', ["colour"]),
        (
            '{"incident_date": "2022-09-23", "clear_evidence_not_exploited": true}',
            ["evidence_note", MSG_EVIDENCE_NOTE_REQUIRED],
        ),
        (
            '{"incident_date": "2022-09-23", "arrested": true, "arrested": false}',
            ["arrested", MSG_DUPLICATE_FIELD],
        ),
        ('{"incident_date": "2022-09-23", "missing_days": NaN}', [MSG_BAD_CONSTANT.format(constant="NaN")]),
        # An integer too long for Python to read (over 4,300 digits) is invalid JSON input, not a crash.
        ('{"incident_date": "2022-09-23", "missing_days": ' + "9" * 5000 + "}", ["invalid JSON"]),
        # Well-formed dates whose arithmetic leaves the calendar are named, not a crash.
        ('{"incident_date": "9999-12-31", "date_of_birth": "9990-03-01"}', ["date_of_birth"]),
        ('{"incident_date": "9999-12-31T23:59:59-05:00"}', ["incident_date"]),
    ],
)
def test_invalid_input_exits_2_naming_the_field(payload: str, needles: list[str]) -> None:
    """Invalid input exits 2 with a message on stderr naming the field, and no traceback."""
    stderr = rejected(ccehub("-", stdin=payload))
    assert stderr.startswith("error: ")
    for needle in needles:
        assert needle in stderr


def test_list_errors_name_the_index() -> None:
    """In a list, every invalid item is reported with its index and nothing is printed on stdout."""
    items = [PRESUMED, {"incident_date": "nope"}, {**PRESUMED, "date_of_birth": "x"}]
    stderr = rejected(ccehub("-", stdin=json.dumps(items)))
    assert "[1].incident_date" in stderr
    assert "[2].date_of_birth" in stderr
    assert "[0]" not in stderr


def test_every_problem_gets_its_own_line() -> None:
    """One ``error:`` line per problem, not only the first (docs/rules-triage.md); still exit 2."""
    payload = '{"incident_date":"bad","date_of_birth":"bad","arrested":"yes","offences":["x"]}'
    lines = rejected(ccehub("-", stdin=payload)).splitlines()
    assert [line.split(":", 2)[1].strip() for line in lines] == [
        "incident_date",
        "date_of_birth",
        "arrested",
        "offences[0]",
    ]
    assert all(line.startswith("error: ") for line in lines)
    payload = '[{"incident_date": "2022-09-23"}, {"incident_date": "2022-09-23", "arrested": true, '
    payload += '"arrested": 2, "colour": "red", "missing_days": -1}]'
    lines = rejected(ccehub("-", stdin=payload)).splitlines()
    assert [line.split(": ", 2)[1] for line in lines] == [
        "[1].arrested",  # given twice
        "[1].colour",
        "[1].arrested",  # and not a boolean
        "[1].missing_days",
    ]


def test_list_item_must_be_an_object() -> None:
    """A list item that is not an object is named by its index."""
    assert "[0]" in rejected(ccehub("-", stdin="[1]"))


def test_missing_file_exits_2(tmp_path: Path) -> None:
    """An unreadable FILE exits 2 and names it."""
    missing = tmp_path / "nope.json"
    assert str(missing) in rejected(ccehub(str(missing)))


def test_command_does_not_import_django() -> None:
    """The triage command module and the rules it uses start without Django (fast start)."""
    code = (
        "import sys, ccehub.commands.triage, ccehub.rules.triage; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0


def test_help_names_the_argument() -> None:
    """``--help`` documents FILE|-."""
    result = ccehub("--help")
    assert result.returncode == 0
    assert "FILE|-" in result.stdout
