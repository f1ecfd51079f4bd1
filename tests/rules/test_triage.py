"""The triage input contract, the decision object and its JSON (issue #3 part 1 public API)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ccehub.rules.actions import ActionCode
from ccehub.rules.indicators import Indicator
from ccehub.rules.policy import CURRENT, REPORT_2022
from ccehub.rules.presumption import PresumptionCategory
from ccehub.rules.section45 import Section45Status
from ccehub.rules.triage import (
    INPUT_FIELDS,
    LABELS,
    MSG_AGE_RANGE,
    MSG_BOOL,
    MSG_DATE,
    MSG_DATE_OR_DATETIME,
    MSG_DOB_AFTER_INCIDENT,
    MSG_DOB_TOO_OLD,
    MSG_EVIDENCE_NOTE_REQUIRED,
    MSG_INCIDENT_TOO_EARLY,
    MSG_INT,
    MSG_LIST,
    MSG_NEGATIVE,
    MSG_NOT_OBJECT,
    MSG_REQUIRED,
    MSG_STRING,
    OUTPUT_FIELDS,
    Priority,
    TriageInput,
    TriageInputError,
    parse_triage_input,
    triage,
)

BASE: dict[str, Any] = {"incident_date": "2022-09-23", "date_of_birth": "2005-01-01"}
PRESUMED: dict[str, Any] = {
    **BASE,
    "county_lines_linked": True,
    "arrested": True,
    "offences": ["pwits_class_a"],
}


def run(**fields: Any) -> dict[str, Any]:
    return dict(triage(parse_triage_input({**BASE, **fields})).to_json())


def error_for(obj: object) -> TriageInputError:
    with pytest.raises(TriageInputError) as caught:
        parse_triage_input(obj)
    return caught.value


# --- Input validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "field", "message"),
    [
        ({}, "incident_date", MSG_REQUIRED),
        ({"incident_date": None}, "incident_date", MSG_REQUIRED),
        ({"incident_date": "23/09/2022"}, "incident_date", MSG_DATE_OR_DATETIME),
        ({"incident_date": "2022-02-30"}, "incident_date", MSG_DATE_OR_DATETIME),
        ({"incident_date": 20220923}, "incident_date", MSG_DATE_OR_DATETIME),
        ({"incident_date": "2022-09-23", "date_of_birth": "2005-01-01T00:00"}, "date_of_birth", MSG_DATE),
        ({"incident_date": "2022-09-23", "date_of_birth": "20050101"}, "date_of_birth", MSG_DATE),
        (
            {"incident_date": "2022-09-23", "date_of_birth": "2022-09-24"},
            "date_of_birth",
            MSG_DOB_AFTER_INCIDENT,
        ),
        # Implausible dates (a 2-digit year typed as 0022 or 0006): refused, naming the field.
        (
            {"incident_date": "0022-06-01"},
            "incident_date",
            MSG_INCIDENT_TOO_EARLY.format(earliest="1900-01-01"),
        ),
        (
            {"incident_date": "1899-12-31"},
            "incident_date",
            MSG_INCIDENT_TOO_EARLY.format(earliest="1900-01-01"),
        ),
        (
            {"incident_date": "2022-06-01", "date_of_birth": "1800-01-01"},
            "date_of_birth",
            MSG_DOB_TOO_OLD.format(maximum=120),
        ),
        (
            {"incident_date": "2022-06-01", "date_of_birth": "1901-06-01"},
            "date_of_birth",
            MSG_DOB_TOO_OLD.format(maximum=120),
        ),
        (
            {"incident_date": "2022-06-01", "date_of_birth": "0006-01-01"},
            "date_of_birth",
            MSG_DOB_TOO_OLD.format(maximum=120),
        ),
        ({"incident_date": "2022-09-23", "arrested": "yes"}, "arrested", MSG_BOOL),
        ({"incident_date": "2022-09-23", "county_lines_linked": 1}, "county_lines_linked", MSG_BOOL),
        ({"incident_date": "2022-09-23", "out_of_area": "true"}, "out_of_area", MSG_BOOL),
        ({"incident_date": "2022-09-23", "estimated_age": "16"}, "estimated_age", MSG_INT),
        ({"incident_date": "2022-09-23", "estimated_age": 16.5}, "estimated_age", MSG_INT),
        ({"incident_date": "2022-09-23", "estimated_age": True}, "estimated_age", MSG_INT),
        (
            {"incident_date": "2022-09-23", "estimated_age": -1},
            "estimated_age",
            MSG_AGE_RANGE.format(maximum=120),
        ),
        ({"incident_date": "2022-09-23", "missing_days": -1}, "missing_days", MSG_NEGATIVE),
        ({"incident_date": "2022-09-23", "missing_days": "3"}, "missing_days", MSG_INT),
        ({"incident_date": "2022-09-23", "offences": "pwits_class_a"}, "offences", MSG_LIST),
        ({"incident_date": "2022-09-23", "offences": [1]}, "offences[0]", MSG_STRING),
        ({"incident_date": "2022-09-23", "indicators": {"cash": True}}, "indicators", MSG_LIST),
        ({"incident_date": "2022-09-23", "evidence_note": 5}, "evidence_note", MSG_STRING),
        (
            {"incident_date": "2022-09-23", "clear_evidence_not_exploited": True},
            "evidence_note",
            MSG_EVIDENCE_NOTE_REQUIRED,
        ),
        (
            {"incident_date": "2022-09-23", "clear_evidence_not_exploited": True, "evidence_note": "  "},
            "evidence_note",
            MSG_EVIDENCE_NOTE_REQUIRED,
        ),
    ],
)
def test_invalid_input_names_the_field(obj: dict[str, Any], field: str, message: str) -> None:
    """Each kind of invalid input raises TriageInputError with the field and the published message."""
    error = error_for(obj)
    assert (error.field, error.message) == (field, message)
    assert str(error) == f"{field}: {message}"


def test_age_bounds_match_the_estimated_age_bounds() -> None:
    """A date of birth giving exactly 120 on the incident date is accepted (as estimated_age 120 is);
    one day older is refused; 1900-01-01 is the earliest incident date accepted."""
    assert run(incident_date="2022-06-01", date_of_birth="1902-06-02")["age_years"] == 119
    assert run(incident_date="2022-06-01", date_of_birth="1902-06-01")["age_years"] == 120
    assert error_for({"incident_date": "2022-06-01", "date_of_birth": "1901-06-01"}).field == "date_of_birth"
    assert run(incident_date="1900-01-01", date_of_birth=None)["presumption"] == "age_unknown_treat_as_child"
    with pytest.raises(TriageInputError):
        TriageInput(incident_date=date(22, 6, 1))


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        # A date of birth whose 18th birthday would fall after the year 9999 (dates that late are
        # typing errors): refused naming the field, not a crash while counting to the 18th birthday.
        ({"incident_date": "9999-12-31", "date_of_birth": "9990-03-01"}, "date_of_birth"),
        ({"incident_date": "9999-12-31", "date_of_birth": "9999-12-31"}, "date_of_birth"),
        # A date-time whose instant in UK local time falls outside the calendar.
        ({"incident_date": "9999-12-31T23:59:59-05:00"}, "incident_date"),
        ({"incident_date": "0001-01-01T00:00:00+05:00"}, "incident_date"),
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_not_crashed(obj: dict[str, Any], field: str) -> None:
    """Well-formed dates whose arithmetic would leave years 1 to 9999 are invalid input (exit 2 on
    the CLI, 422 on the API), never an unexpected error."""
    assert error_for(obj).field == field
    assert run(incident_date="9999-12-31", date_of_birth="9981-12-31")["age_years"] == 18


def test_every_problem_is_reported() -> None:
    """One object with several problems: the error names the first and lists every one, each field
    checked on its own and then across fields (docs/rules-triage.md: one line per problem)."""
    error = error_for(
        {
            "incident_date": "bad",
            "date_of_birth": "bad",
            "arrested": "yes",
            "offences": ["x", 3],
            "indicators": ["bling"],
            "estimated_age": 200,
            "colour": "red",
            "policy": "2019",
        }
    )
    assert (error.field, error.message) == (error.problems[0].field, error.problems[0].message)
    assert [p.field for p in error.problems] == [
        "colour",
        "incident_date",
        "date_of_birth",
        "arrested",
        "offences[0]",
        "offences[1]",
        "indicators[0]",
        "policy",
        "estimated_age",
    ]
    cross = error_for(
        {
            "incident_date": "2022-09-23",
            "date_of_birth": "2023-01-01",
            "missing_days": -1,
            "clear_evidence_not_exploited": True,
        }
    )
    assert [p.field for p in cross.problems] == ["date_of_birth", "missing_days", "evidence_note"]
    assert [p.field for p in cross.at("[4]").problems] == [
        "[4].date_of_birth",
        "[4].missing_days",
        "[4].evidence_note",
    ]


def test_unknown_codes_name_the_list_index() -> None:
    """An unknown offence or indicator names its position and the code."""
    error = error_for({"incident_date": "2022-09-23", "offences": ["pwits_class_a", "jaywalking"]})
    assert error.field == "offences[1]"
    assert "'jaywalking'" in error.message
    error = error_for({"incident_date": "2022-09-23", "indicators": ["cash", "bling"]})
    assert error.field == "indicators[1]"


def test_unknown_policy_is_rejected() -> None:
    """Only the shipped profiles are accepted."""
    error = error_for({"incident_date": "2022-09-23", "policy": "2019"})
    assert error.field == "policy"
    assert "current" in error.message and "report-2022" in error.message


def test_unknown_field_is_rejected() -> None:
    """A misspelt field is an error rather than silently ignored (it could weaken protection)."""
    error = error_for({"incident_date": "2022-09-23", "county_line_linked": True})
    assert error.field == "county_line_linked"


def test_top_level_must_be_an_object() -> None:
    """A non-object is rejected with the not-object message."""
    assert error_for(["incident_date"]).message == MSG_NOT_OBJECT


def test_defaults_and_nulls() -> None:
    """Only incident_date is required; null means not given; booleans default to false."""
    parsed = parse_triage_input(
        {
            "incident_date": "2022-09-23",
            "date_of_birth": None,
            "offences": None,
            "arrested": None,
            "policy": None,
        }
    )
    assert parsed == TriageInput(incident_date=date(2022, 9, 23))
    assert parsed.policy is CURRENT


def test_datetime_incident_uses_its_calendar_date() -> None:
    """A date-time incident is judged on its date as written (offsets are not converted)."""
    for value in (
        "2022-09-23T23:59:59",
        "2022-09-23T01:00:00+01:00",
        "2022-09-23T10:00:00Z",
        "2022-09-23 10:00",
    ):
        assert parse_triage_input({"incident_date": value}).incident_date == date(2022, 9, 23)


def test_duplicate_codes_are_collapsed() -> None:
    """Repeated codes count once."""
    parsed = parse_triage_input({"incident_date": "2022-09-23", "indicators": ["cash", "cash"]})
    assert parsed.indicators == (Indicator.CASH,)


def test_direct_construction_is_validated_too() -> None:
    """Building a TriageInput directly runs the same cross-field checks."""
    with pytest.raises(TriageInputError, match="date_of_birth"):
        TriageInput(incident_date=date(2020, 1, 1), date_of_birth=date(2021, 1, 1))
    with pytest.raises(TriageInputError, match=r"offences\[0\]"):
        TriageInput(incident_date=date(2020, 1, 1), offences=("nope",))


# --- Output contract ----------------------------------------------------------------------------


def test_output_has_exactly_the_contract_fields_in_order() -> None:
    """The JSON object has the contract's fields, in order, and actions have code/due/reason."""
    out = triage(parse_triage_input(PRESUMED)).to_json()
    assert tuple(out) == OUTPUT_FIELDS
    assert OUTPUT_FIELDS == (
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
    )
    assert all(set(action) == {"code", "due_within_hours", "reason"} for action in out["actions"])


def test_presumed_domain_example() -> None:
    """DOB 2005-01-01 on the cut-off 2022-09-23: presumed, crisis, not panel-eligible, 100 days."""
    out = triage(parse_triage_input(PRESUMED)).to_json()
    assert out["age_years"] == 17
    assert out["days_until_18"] == 100
    assert out["presumption"] == "presumed_victim"
    assert out["priority"] == "crisis"
    assert out["panel_eligible"] is False
    assert out["section45"] == "child_may_apply"
    assert out["policy"] == "current"
    assert out["rule_version"] == CURRENT.rule_version
    assert any(reason.startswith("R-24:") for reason in out["reasons"])


def test_day_after_cutoff_is_not_presumed() -> None:
    """One day later (99 days) the same facts are 'consider exploitation' with high priority."""
    out = run(**{**PRESUMED, "incident_date": "2022-09-24"})
    assert (out["presumption"], out["priority"], out["days_until_18"]) == (
        "child_consider_exploitation",
        "high",
        99,
    )


def test_eighteenth_birthday_output() -> None:
    """On the 18th birthday: age 18, no countdown, young adult, adult s45 test."""
    out = run(incident_date="2023-01-01", offences=["pwits_class_a"])
    assert (out["age_years"], out["days_until_18"], out["presumption"], out["section45"]) == (
        18,
        None,
        "young_adult_transitional",
        "adult_test",
    )


def test_unknown_age_output() -> None:
    """No DOB and no estimate: nulls, treated as a child, s45 child limb, not panel-eligible."""
    out = run(date_of_birth=None, offences=["pwits_class_b"], county_lines_linked=True)
    assert out["age_years"] is None and out["days_until_18"] is None
    assert out["presumption"] == "age_unknown_treat_as_child"
    assert out["section45"] == "child_may_apply"
    assert out["panel_eligible"] is False
    assert out["priority"] == "high"


def test_adult_estimate_without_dob() -> None:
    """An estimate of 30 with no DOB uses the adult band and the adult s45 test."""
    out = run(date_of_birth=None, estimated_age=30, offences=["pwits_class_b"])
    assert (out["presumption"], out["section45"], out["priority"]) == ("adult", "adult_test", "standard")


def test_report_profile_is_named_on_the_decision() -> None:
    """The decision records the profile and its rule version."""
    out = run(policy="report-2022")
    assert (out["policy"], out["rule_version"]) == ("report-2022", REPORT_2022.rule_version)


def test_weak_rebuttal_keeps_crisis() -> None:
    """A 'no comment' rebuttal leaves the presumption and crisis priority, with an R-38 reason."""
    out = run(
        **PRESUMED, clear_evidence_not_exploited=True, evidence_note="No comment interview, no disclosure"
    )
    assert (out["presumption"], out["priority"]) == ("presumed_victim", "crisis")
    assert any(reason.startswith("R-38:") for reason in out["reasons"])


def test_strong_rebuttal_lowers_to_high() -> None:
    """A rebuttal with other evidence removes the presumption; the child stays high priority."""
    out = run(
        **PRESUMED,
        clear_evidence_not_exploited=True,
        evidence_note="Full download shows he recruits and pays younger runners on his own line",
    )
    assert (out["presumption"], out["priority"]) == ("child_consider_exploitation", "high")
    assert ActionCode.RETURN_HOME_CRISIS_INTERVENTION.value not in [a["code"] for a in out["actions"]]


@pytest.mark.parametrize(
    ("fields", "priority"),
    [
        ({}, Priority.STANDARD),
        ({"indicators": ["multiple_phones"]}, Priority.HIGH),
        ({"missing_days": 14}, Priority.HIGH),
        ({"county_lines_linked": True}, Priority.HIGH),
        ({"date_of_birth": "2000-01-01", "county_lines_linked": True}, Priority.HIGH),  # young adult
        ({"date_of_birth": "2000-01-01", "indicators": ["cash"]}, Priority.STANDARD),
        ({"date_of_birth": "1970-01-01", "county_lines_linked": True}, Priority.STANDARD),
        ({"date_of_birth": "1970-01-01", "indicators": ["plugging"]}, Priority.HIGH),
        ({"date_of_birth": None, "indicators": ["cash"]}, Priority.HIGH),
    ],
)
def test_priority_table(fields: dict[str, Any], priority: Priority) -> None:
    """Priority is crisis only when presumed; high for concern about a child, CL young adults or plugging."""
    assert run(incident_date="2021-01-01", **fields)["priority"] == priority.value


def test_estimate_is_ignored_with_a_dob() -> None:
    """With a DOB the estimate changes nothing and the reasons say so."""
    out = run(estimated_age=30)
    assert out["presumption"] == "child_consider_exploitation"
    assert "estimated age is ignored" in out["reasons"][0]


def test_leap_day_reason() -> None:
    """A 29 February birthday is explained with the Family Law Reform Act rule."""
    out = run(date_of_birth="2004-02-29", incident_date="2021-06-01")
    assert "Family Law Reform Act 1969 s9" in out["reasons"][0]


def test_labels_cover_every_code() -> None:
    """The web layer has a plain-English label for every code triage can output or accept."""
    assert set(LABELS["presumption"]) == {c.value for c in PresumptionCategory}
    assert set(LABELS["priority"]) == {c.value for c in Priority}
    assert set(LABELS["section45"]) == {c.value for c in Section45Status}
    assert set(LABELS["action"]) == {c.value for c in ActionCode}
    assert set(LABELS["indicator"]) == {c.value for c in Indicator}
    assert "pwits_class_a" in LABELS["offence"]
    assert all(label for group in LABELS.values() for label in group.values())


def test_input_fields_match_the_contract() -> None:
    """The accepted fields are exactly the issue's input fields."""
    assert set(INPUT_FIELDS) == {
        "incident_date",
        "date_of_birth",
        "estimated_age",
        "county_lines_linked",
        "arrested",
        "out_of_area",
        "offences",
        "indicators",
        "missing_days",
        "clear_evidence_not_exploited",
        "evidence_note",
        "policy",
    }


@pytest.mark.parametrize(
    ("when", "age"),
    [
        ("2026-06-30T23:30:00Z", 18),
        ("2026-07-01T00:30:00+01:00", 18),
        ("2026-06-30T23:30:00", 17),
        ("2026-06-30T22:59:59Z", 17),
    ],
)
def test_incident_time_is_read_in_uk_local_time(when, age):
    """An instant after midnight in London is the next day, whatever offset it was written in."""
    from ccehub.rules.triage import parse_triage_input, triage

    decision = triage(parse_triage_input({"incident_date": when, "date_of_birth": "2008-07-01"}))
    assert decision.to_json()["age_years"] == age
