"""Pure panel rules: quorum, monthly dates, agenda urgency, the Safeguarding Order machine (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from ccehub.panels import rules
from ccehub.panels.rules import PresentMember, Urgency, person_keys, quorum_for_case

STOOL = ("social_care", "police", "health")


def _m(name: str, sector: str, user: int | None = None) -> PresentMember:
    return PresentMember(keys=person_keys(user_id=user, name=name), name=name, sector=sector)


CHAIR = _m("Morgan Chair", "social_care", 1)
POLICE = _m("Pat Police", "police")
HEALTH = _m("Sam Health", "health")
YOT = _m("Lee Yot", "yot")

# (label, present, chair, lead social worker keys, enforced, quorate, may_decide, problem substrings)
QUORUM_CASES = [
    ("all three sectors", [CHAIR, POLICE, HEALTH], CHAIR, (), True, True, True, []),
    ("plus YOT", [CHAIR, POLICE, HEALTH, YOT], CHAIR, (), True, True, True, []),
    ("no health", [CHAIR, POLICE, YOT], CHAIR, (), True, False, False, ["health not present"]),
    ("no police or health", [CHAIR, YOT], CHAIR, (), True, False, False, ["police and health not present"]),
    (
        "no social care",
        [_m("Vic", "police", 2), HEALTH],
        _m("Vic", "police", 2),
        (),
        True,
        False,
        False,
        ["social care not present"],
    ),
    (
        "chair is lead SW (by account)",
        [CHAIR, POLICE, HEALTH],
        CHAIR,
        ("user:1",),
        True,
        False,
        False,
        ["lead social worker"],
    ),
    (
        "chair is lead SW (by name)",
        [CHAIR, POLICE, HEALTH],
        CHAIR,
        ("name:morgan chair",),
        True,
        False,
        False,
        ["lead social worker"],
    ),
    (
        "lead SW present but not chairing",
        [CHAIR, POLICE, HEALTH, _m("Jo", "social_care", 9)],
        CHAIR,
        ("user:9",),
        True,
        True,
        True,
        [],
    ),
    ("no chair", [CHAIR, POLICE, HEALTH], None, (), True, False, False, ["Record who is chairing"]),
    (
        "enforcement off: missing health may decide",
        [CHAIR, POLICE],
        CHAIR,
        (),
        False,
        False,
        True,
        ["health"],
    ),
    (
        "enforcement off never excuses the chair rule",
        [CHAIR, POLICE, HEALTH],
        CHAIR,
        ("user:1",),
        False,
        False,
        False,
        ["lead social worker"],
    ),
    (
        "enforcement off never excuses an absent chair",
        [POLICE, HEALTH, _m("Sue Social", "social_care")],
        CHAIR,
        (),
        False,
        False,
        False,
        ["not recorded as present"],
    ),
]


@pytest.mark.parametrize(
    ("label", "present", "chair", "lead", "enforced", "quorate", "may_decide", "problems"), QUORUM_CASES
)
def test_quorum(label, present, chair, lead, enforced, quorate, may_decide, problems):
    """R-21 three-legged stool; the chair is never the child's lead social worker; Q-27 override."""
    q = quorum_for_case(
        present=present, chair=chair, lead_social_worker_keys=lead, required_sectors=STOOL, enforced=enforced
    )
    assert (q.quorate, q.may_decide) == (quorate, may_decide), label
    text = " | ".join(q.problems)
    for fragment in problems:
        assert fragment in text, label
    if not problems:
        assert q.problems == ()


def test_missing_sectors_message_is_the_constant():
    q = quorum_for_case(present=[CHAIR], chair=CHAIR, lead_social_worker_keys=(), required_sectors=STOOL)
    assert q.problems == (rules.MSG_QUORUM_SECTORS.format(missing="police and health"),)
    assert q.missing_sectors == ("police", "health")


@pytest.mark.parametrize(
    ("first", "count", "expected"),
    [
        (date(2024, 1, 9), 3, [date(2024, 1, 9), date(2024, 2, 13), date(2024, 3, 12)]),  # 2nd Tuesday
        (date(2024, 1, 2), 2, [date(2024, 1, 2), date(2024, 2, 6)]),  # 1st Tuesday
        (date(2024, 1, 30), 3, [date(2024, 1, 30), date(2024, 2, 27), date(2024, 3, 26)]),  # 5th → last
        (date(2024, 11, 28), 3, [date(2024, 11, 28), date(2024, 12, 26), date(2025, 1, 23)]),  # year change
    ],
)
def test_monthly_dates(first, count, expected):
    """R-16: one sitting a month on the same weekday of the month."""
    assert rules.monthly_dates(first, count) == expected


ON = date(2024, 4, 1)


def test_urgency_orders_overdue_then_deadline_then_priority_then_age():
    """Overdue or returned first; then the nearest deadline; then crisis priority; then the oldest."""
    overdue = Urgency(date(2024, 3, 30), "standard", date(2024, 2, 1), overdue=True)
    returned = Urgency(date(2024, 5, 30), "standard", date(2024, 2, 1), overdue=False, returned_by_qa=True)
    near = Urgency(date(2024, 4, 10), "standard", date(2024, 3, 1), overdue=False)
    far_crisis = Urgency(date(2024, 4, 20), "crisis", date(2024, 3, 5), overdue=False)
    far_standard_old = Urgency(date(2024, 4, 20), "standard", date(2024, 3, 1), overdue=False)
    far_standard_new = Urgency(date(2024, 4, 20), "standard", date(2024, 3, 6), overdue=False)
    no_deadline = Urgency(None, "crisis", date(2024, 1, 1), overdue=False)
    items = [no_deadline, far_standard_new, far_crisis, near, far_standard_old, returned, overdue]
    ordered = sorted(items, key=lambda u: u.sort_key(ON))
    assert ordered == [overdue, returned, near, far_crisis, far_standard_old, far_standard_new, no_deadline]
    assert overdue.reasons(ON) == ["Decision overdue since 30 March 2024"]
    assert far_crisis.reasons(ON) == [
        "Decision due by 20 April 2024 (19 days after this meeting)",
        "Triage priority: crisis",
    ]


def test_an_open_crisis_response_gives_crisis_priority_whatever_triggered_it():
    """W-5: 'TRIGGERED: priority = HIGH_RISK_SAFEGUARDING', for a missing crisis or a new-area
    placement too, not only a presumption arrest's triage."""
    standard = Urgency(date(2024, 4, 20), "standard", date(2024, 3, 1), overdue=False)
    in_crisis = Urgency(date(2024, 4, 20), "standard", date(2024, 3, 6), overdue=False, crisis_open=True)
    assert sorted([standard, in_crisis], key=lambda u: u.sort_key(ON)) == [in_crisis, standard]
    assert in_crisis.reasons(ON)[-1] == "Crisis response open (W-5)"


@pytest.mark.parametrize(("count", "warned"), [(5, False), (7, False), (8, True), (12, True)])
def test_agenda_warning_when_well_beyond_five(count, warned):
    """R-16 'about five': a soft warning beyond half as many again."""
    assert (rules.agenda_warning(count, 5) is not None) is warned


TRANSITIONS = [
    ("draft", "applied", True),
    ("draft", "granted", False),
    ("applied", "granted", True),
    ("applied", "refused", True),
    ("granted", "active", True),
    ("refused", "applied", False),
    ("active", "breach_reported", True),
    ("active", "varied", True),
    ("active", "discharged", True),
    ("active", "expired", True),
    ("breach_reported", "active", True),
    ("breach_reported", "varied", True),
    ("breach_reported", "discharged", False),
    ("varied", "active", True),
    ("discharged", "active", False),
    ("expired", "active", False),
    # a draft the panel will not apply for, or an application it withdraws before the hearing
    ("draft", "withdrawn", True),
    ("applied", "withdrawn", True),
    ("granted", "withdrawn", False),
    ("active", "withdrawn", False),
    ("withdrawn", "applied", False),
]


@pytest.mark.parametrize(("src", "dst", "allowed"), TRANSITIONS)
def test_order_transitions(src, dst, allowed):
    """DOMAIN §4.5 Safeguarding Order sub-machine."""
    assert rules.order_transition_allowed(src, dst) is allowed


@pytest.mark.parametrize(
    ("response", "status"),
    [
        ("variation", "varied"),
        ("warning", "active"),
        ("electronic_tag", "active"),
        ("secure_accommodation", "active"),
        ("no_action", "active"),
    ],
)
def test_court_response_outcome(response, status):
    assert rules.status_after_court_response(response) == status


def test_chair_must_be_present():
    """A case cannot be decided with its chair absent (found in review)."""
    quorum = quorum_for_case(
        present=[POLICE, HEALTH, _m("Sue Social", "social_care")],
        chair=CHAIR,
        lead_social_worker_keys=(),
        required_sectors=STOOL,
    )
    assert not quorum.quorate and rules.MSG_QUORUM_CHAIR_ABSENT in quorum.problems
