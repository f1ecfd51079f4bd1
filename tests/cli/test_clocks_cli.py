"""The `ccehub clocks [FILE|-]` contract, through the real console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ccehub.commands import clocks as cmd
from ccehub.rules import clocks as rules
from ccehub.rules.calendar import MSG_OUTSIDE_HOLIDAY_RANGE

ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = ROOT / ".venv" / "bin" / "ccehub"
#: The console script under test (a list so a wrapper command could stand in for it).
CCEHUB: list[str] = [str(_SCRIPT if _SCRIPT.exists() else Path(sys.executable).with_name("ccehub"))]

OUTPUT_KEYS = ["rg_due", "earliest_cg", "decision_deadline", "stage", "overdue", "policy"]


def run(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [*CCEHUB, "clocks", *(args or ("-",))],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def ok(payload: Any, *args: str) -> Any:
    result = run(json.dumps(payload), *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


def refused(stdin: str) -> str:
    result = run(stdin)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


NATIONAL = {"route": "national", "referral_date": "2022-09-16", "as_of": "2022-09-26"}


def test_one_object_gives_one_object_with_exactly_the_contract_fields() -> None:
    """One object in, one object out: the six contract fields in order, dates as YYYY-MM-DD."""
    out = ok(NATIONAL)
    assert list(out) == OUTPUT_KEYS
    assert out == {
        "rg_due": "2022-09-26",  # five working days skipping the Queen's funeral (19 Sep 2022)
        "earliest_cg": None,
        "decision_deadline": "2022-09-26",
        "stage": "awaiting_rg",
        "overdue": [],
        "policy": "current",
    }


def test_a_list_gives_a_list_in_the_same_order() -> None:
    """A list in, a list out, item for item; `policy` defaults to current and is echoed."""
    items = [
        {"route": "national", "policy": "report-2022", "referral_date": "2022-01-07", "as_of": "2022-01-10"},
        {
            "route": "national",
            "referral_date": "2024-01-08",
            "rg_decision": {"date": "2024-01-10", "outcome": "positive"},
            "as_of": "2024-01-20",
        },
        {
            "route": "local_panel",
            "policy": "report-2022",
            "referral_date": "2022-03-01",
            "rg_decision": {"date": "2022-03-28", "outcome": "positive"},
            "as_of": "2022-05-13",
        },
        {
            "route": "local_panel",
            "referral_date": "2024-01-08",
            "rg_decision": {"date": "2024-02-05", "outcome": "positive"},
            "cg_decision": {"date": "2024-02-05", "outcome": "negative"},
            "as_of": "2024-02-05",
        },
        {
            "route": "national",
            "policy": "current",
            "referral_date": "2024-01-08",
            "rg_decision": {"date": "2024-01-12", "outcome": "negative"},
            "cg_decision": None,
            "as_of": "2024-02-01",
        },
    ]
    out = ok(items)
    assert out == [
        {
            "rg_due": "2022-01-09",
            "earliest_cg": None,
            "decision_deadline": "2022-01-09",
            "stage": "awaiting_rg",
            "overdue": ["rg"],
            "policy": "report-2022",
        },
        {
            "rg_due": "2024-01-15",
            "earliest_cg": "2024-02-09",
            "decision_deadline": None,
            "stage": "recovery_period",
            "overdue": [],
            "policy": "current",
        },
        {
            "rg_due": "2022-04-15",
            "earliest_cg": "2022-03-28",
            "decision_deadline": "2022-05-12",
            "stage": "awaiting_cg",
            "overdue": ["cg", "deferral"],
            "policy": "report-2022",
        },
        {
            "rg_due": "2024-02-22",
            "earliest_cg": "2024-02-05",
            "decision_deadline": None,
            "stage": "concluded_negative",
            "overdue": [],
            "policy": "current",
        },
        {
            "rg_due": "2024-01-15",
            "earliest_cg": None,
            "decision_deadline": None,
            "stage": "concluded_negative",
            "overdue": [],
            "policy": "current",
        },
    ]


def test_an_empty_list_gives_an_empty_list() -> None:
    """No referrals, no clocks, success."""
    assert ok([]) == []


def test_reads_a_file_argument(tmp_path: Path) -> None:
    """`ccehub clocks FILE` reads the file instead of standard input."""
    source = tmp_path / "referrals.json"
    source.write_text(json.dumps([NATIONAL]), encoding="utf-8")
    assert ok("ignored", str(source))[0]["rg_due"] == "2022-09-26"


def test_without_an_argument_reads_standard_input() -> None:
    """`ccehub clocks` alone is `ccehub clocks -`."""
    result = subprocess.run(
        [*CCEHUB, "clocks"],
        input=json.dumps(NATIONAL),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stage"] == "awaiting_rg"


def _with(**changes: Any) -> str:
    item = dict(NATIONAL)
    for key, value in changes.items():
        if value is _DROP:
            item.pop(key, None)
        else:
            item[key] = value
    return json.dumps(item)


_DROP = object()
_RG = {"date": "2022-09-20", "outcome": "positive"}

INVALID = [
    # id, stdin, texts that must all appear on stderr
    ("not JSON", "{route: national", [cmd.MSG_INVALID_JSON]),
    ("empty input", "  \n", [cmd.MSG_EMPTY_INPUT]),
    ("a number", "42", [cmd.MSG_NOT_OBJECT]),
    ("a list of strings", '["a"]', ["index 0", cmd.MSG_ITEM_NOT_OBJECT]),
    ("route missing", _with(route=_DROP), ["route", cmd.MSG_REQUIRED]),
    ("referral_date missing", _with(referral_date=_DROP), ["referral_date", cmd.MSG_REQUIRED]),
    ("as_of missing", _with(as_of=_DROP), ["as_of", cmd.MSG_REQUIRED]),
    ("as_of null", _with(as_of=None), ["as_of", cmd.MSG_REQUIRED]),
    ("unknown route", _with(route="regional"), ["route", rules.MSG_UNKNOWN_ROUTE, "regional"]),
    ("route not text", _with(route=1), ["route", rules.MSG_UNKNOWN_ROUTE]),
    ("unknown policy", _with(policy="2019"), ["policy", rules.MSG_UNKNOWN_POLICY, "2019"]),
    ("policy not text", _with(policy=2022), ["policy", cmd.MSG_POLICY_NOT_TEXT]),
    ("impossible date", _with(referral_date="2023-02-29"), ["referral_date", cmd.MSG_BAD_DATE]),
    ("British date order", _with(as_of="26/09/2022"), ["as_of", cmd.MSG_BAD_DATE]),
    ("a datetime", _with(as_of="2022-09-26T10:00:00"), ["as_of", cmd.MSG_BAD_DATE]),
    ("a number for a date", _with(referral_date=20220916), ["referral_date", cmd.MSG_BAD_DATE]),
    ("misspelt field", _with(cg_decison=_RG), ["cg_decison", cmd.MSG_UNKNOWN_FIELD]),
    ("decision not an object", _with(rg_decision="positive"), ["rg_decision", cmd.MSG_BAD_DECISION]),
    (
        "decision without a date",
        _with(rg_decision={"outcome": "positive"}),
        ["rg_decision.date", cmd.MSG_REQUIRED],
    ),
    (
        "unknown outcome",
        _with(rg_decision={"date": "2022-09-20", "outcome": "yes"}),
        ["rg_decision.outcome", cmd.MSG_UNKNOWN_OUTCOME],
    ),
    (
        "unknown key in a decision",
        _with(rg_decision={**_RG, "by": "SCA"}),
        ["rg_decision.by", cmd.MSG_UNKNOWN_FIELD],
    ),
    ("CG without RG", _with(cg_decision=_RG), ["cg_decision", rules.MSG_CG_WITHOUT_RG]),
    (
        "CG after a negative RG",
        _with(rg_decision={"date": "2022-09-20", "outcome": "negative"}, cg_decision=_RG),
        ["cg_decision", rules.MSG_CG_AFTER_NEGATIVE_RG],
    ),
    (
        "CG before RG",
        _with(
            route="local_panel", rg_decision=_RG, cg_decision={"date": "2022-09-19", "outcome": "positive"}
        ),
        ["cg_decision.date", rules.MSG_CG_BEFORE_RG],
    ),
    (
        "RG before referral",
        _with(rg_decision={"date": "2022-09-15", "outcome": "positive"}),
        ["rg_decision.date", rules.MSG_DECISION_BEFORE_REFERRAL],
    ),
    (
        "RG after as_of",
        _with(rg_decision={"date": "2022-09-27", "outcome": "positive"}),
        ["rg_decision.date", rules.MSG_DECISION_AFTER_AS_OF],
    ),
    ("as_of before referral", _with(as_of="2022-09-15"), ["as_of", rules.MSG_AS_OF_BEFORE_REFERRAL]),
    (
        "national CG inside the recovery period",
        _with(as_of="2022-12-01", rg_decision=_RG, cg_decision={"date": "2022-10-19", "outcome": "positive"}),
        ["cg_decision.date", rules.MSG_CG_IN_RECOVERY_PERIOD],
    ),
    (
        "negative CG by a panel under report-2022",
        _with(
            route="local_panel",
            policy="report-2022",
            rg_decision=_RG,
            cg_decision={"date": "2022-09-20", "outcome": "negative"},
        ),
        ["cg_decision.outcome", rules.MSG_PANEL_NEGATIVE_CG],
    ),
    (
        "panel clock past the last date a date can hold",
        json.dumps({"route": "local_panel", "referral_date": "9999-12-01", "as_of": "9999-12-02"}),
        ["referral_date", rules.MSG_CLOCK_PAST_LAST_DATE],
    ),
    (
        "referral after the supported holiday years",
        _with(referral_date="2031-03-03", as_of="2031-03-04"),
        ["referral_date", MSG_OUTSIDE_HOLIDAY_RANGE],
    ),
]


@pytest.mark.parametrize(("stdin", "expected"), [r[1:] for r in INVALID], ids=[r[0] for r in INVALID])
def test_invalid_input_exits_2_naming_the_field(stdin: str, expected: list[str]) -> None:
    """Invalid input: exit status 2, nothing on stdout, a one-line reason naming the field, no traceback."""
    err = refused(stdin)
    for text in expected:
        assert text in err


def test_every_invalid_item_of_a_list_is_reported_with_its_index() -> None:
    """Problems in a list are all reported, each with its index; valid items are not printed."""
    items = [
        json.loads(_with()),
        json.loads(_with(route="county")),
        json.loads(_with(as_of=_DROP)),
    ]
    err = refused(json.dumps(items))
    lines = err.strip().splitlines()
    assert lines == [
        f"error: index 1: route: {rules.MSG_UNKNOWN_ROUTE} ('county')",
        f"error: index 2: as_of: {cmd.MSG_REQUIRED}",
    ]


def test_every_problem_of_one_item_is_reported() -> None:
    """One line per problem: every field of an item is read and each bad one reported, in field order."""
    item = {
        "route": "county",
        "policy": 2022,
        "referral_date": "2022-13-01",
        "rg_decision": {"date": "soon", "outcome": "maybe", "by": "panel"},
        "as_of": None,
        "note": "x",
    }
    err = refused(json.dumps([json.loads(_with()), item]))
    assert err.strip().splitlines() == [
        f"error: index 1: note: {cmd.MSG_UNKNOWN_FIELD}",
        f"error: index 1: route: {rules.MSG_UNKNOWN_ROUTE} ('county')",
        f"error: index 1: policy: {cmd.MSG_POLICY_NOT_TEXT} (2022)",
        f'error: index 1: referral_date: {cmd.MSG_BAD_DATE} ("2022-13-01")',
        f"error: index 1: rg_decision.by: {cmd.MSG_UNKNOWN_FIELD}",
        f'error: index 1: rg_decision.date: {cmd.MSG_BAD_DATE} ("soon")',
        f'error: index 1: rg_decision.outcome: {cmd.MSG_UNKNOWN_OUTCOME} ("maybe")',
        f"error: index 1: as_of: {cmd.MSG_REQUIRED}",
    ]
    single = refused(json.dumps({"route": "national", "policy": "2019"}))
    assert single.strip().splitlines() == [
        f"error: policy: {rules.MSG_UNKNOWN_POLICY} ('2019')",
        f"error: referral_date: {cmd.MSG_REQUIRED}",
        f"error: as_of: {cmd.MSG_REQUIRED}",
    ]


def test_missing_file_exits_2(tmp_path: Path) -> None:
    """A file that cannot be read is an input error, not a crash."""
    result = run("", str(tmp_path / "missing.json"))
    assert result.returncode == 2
    assert cmd.MSG_CANNOT_READ in result.stderr
    assert "Traceback" not in result.stderr


def test_the_clocks_modules_do_not_import_django() -> None:
    """The command and its rules start without Django, so they answer in milliseconds."""
    code = (
        "import sys, ccehub.commands.clocks, ccehub.rules.clocks, ccehub.rules.calendar; "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0


def test_json_nested_too_deeply_is_an_input_error() -> None:
    """A pathologically nested document is invalid input (exit 2), not an unexpected failure (exit 1)."""
    assert cmd.MSG_TOO_DEEP in refused("[" * 100_000 + "]" * 100_000)


def test_a_number_too_long_to_read_is_an_input_error() -> None:
    """An integer beyond Python's digit limit is invalid input (exit 2), not an unexpected failure."""
    assert cmd.MSG_NUMBER_TOO_LONG in refused('{"route": "national", "as_of": ' + "9" * 5000 + "}")


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """Files saved with a BOM (Windows editors) read like any other UTF-8 file, on stdin or as FILE."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(NATIONAL).encode())
    assert ok_file(path)["rg_due"] == "2022-09-26"
    assert ok_text("\ufeff" + json.dumps(NATIONAL))["rg_due"] == "2022-09-26"


def test_a_field_given_twice_is_refused_naming_it() -> None:
    """Two values for one field are ambiguous: refused, never "the last one wins" silently."""
    text = (
        '[{"route": "national", "route": "local_panel", "referral_date": "2024-01-05", "as_of": "2024-03-01",'
        ' "rg_decision": {"date": "2024-01-06", "date": "2024-01-07", "outcome": "positive"}}]'
    )
    assert refused(text).strip().splitlines() == [
        f"error: index 0: route: {cmd.MSG_DUPLICATE_FIELD}",
        f"error: index 0: rg_decision.date: {cmd.MSG_DUPLICATE_FIELD}",
    ]


def ok_file(path: Path) -> Any:
    result = run("", str(path))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def ok_text(text: str) -> Any:
    result = run(text)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
