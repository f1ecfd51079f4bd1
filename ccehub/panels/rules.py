"""Pure panel rules: quorum, agenda urgency, monthly dates and the Safeguarding Order machine.

No Django, no ``today()``: every function takes what it needs as arguments, so the rules are tested
table-driven in ``tests/panels/test_rules.py``. The services in :mod:`ccehub.panels.services` call
these and turn a refusal into a :class:`~django.core.exceptions.ValidationError` with the message here.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

# --- Messages a user can see (tests assert on them) ---------------------------------------------

MSG_QUORUM_SECTORS: Final = (
    "The panel is not quorate for this case: {missing} not present (R-21: social care, police and health "
    "must all be at the table)"
)
MSG_QUORUM_CHAIR_IS_LEAD_SW: Final = (
    "The chair for this case is the child's lead social worker, so the panel cannot decide it: ask another "
    "member to chair this case"
)
MSG_QUORUM_NO_CHAIR: Final = "Record who is chairing the meeting before recording a decision"
MSG_QUORUM_CHAIR_ABSENT: Final = "The chair for this case is not recorded as present"
MSG_ORDER_TRANSITION: Final = "A safeguarding order cannot go from {from_label} to {to_label}"

SECTOR_LABELS: Final[dict[str, str]] = {
    "social_care": "social care",
    "police": "police",
    "health": "health",
    "yot": "youth offending team",
    "education": "education",
    "other": "other",
}


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --- Quorum (R-21, Q-27, current pilot guidance) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class PresentMember:
    """One person at the table for a case: who they are (keys to compare with) and their sector."""

    keys: tuple[str, ...]
    name: str
    sector: str


@dataclass(frozen=True, slots=True)
class Quorum:
    """Whether a case may be decided, and every reason it may not (in a fixed order)."""

    quorate: bool
    missing_sectors: tuple[str, ...]
    chair_is_lead_social_worker: bool
    no_chair: bool
    problems: tuple[str, ...]
    enforced: bool
    chair_absent: bool = False

    @property
    def may_decide(self) -> bool:
        """A decision may be recorded: quorate, or the panel has switched enforcement off (Q-27).

        The chair rules are never switched off: a lead social worker chairing their own child's case
        is a conflict of interest, not a question of numbers, and a chair who is not at the table
        cannot chair the case (the override is about which sectors attend, not who decides).
        """
        if self.no_chair or self.chair_absent or self.chair_is_lead_social_worker:
            return False
        return self.quorate or not self.enforced


def quorum_for_case(
    *,
    present: Iterable[PresentMember],
    chair: PresentMember | None,
    lead_social_worker_keys: Iterable[str],
    required_sectors: Sequence[str],
    enforced: bool = True,
) -> Quorum:
    """The quorum for one case at one meeting.

    Sources: R-21 (social services, police and health: "the three-legged stool"); the devolved pilot
    guidance (DOMAIN "Since the report": panels must include the three, and the chair must not be the
    child's lead social worker); Q-27 (enforce as quorum by default, with a configurable override).

    Args:
        present: members present for this case.
        chair: who chairs this case (the meeting's chair, or an acting chair for this case).
        lead_social_worker_keys: keys that identify the child's lead social worker (user id and/or
            normalised name); empty when no lead social worker is recorded.
        required_sectors: the sectors that must be present (default social care, police, health).
        enforced: ``False`` when the panel has switched the sector rule off (Q-27).
    """
    present_list = list(present)
    sectors = {m.sector for m in present_list}
    missing = tuple(s for s in required_sectors if s not in sectors)
    lead_keys = {k for k in lead_social_worker_keys if k}
    chair_conflict = chair is not None and bool(set(chair.keys) & lead_keys)
    present_keys = {k for m in present_list for k in m.keys if k}
    chair_absent = chair is not None and not (set(chair.keys) & present_keys)
    problems: list[str] = []
    if chair is None:
        problems.append(MSG_QUORUM_NO_CHAIR)
    if chair_absent:
        problems.append(MSG_QUORUM_CHAIR_ABSENT)
    if missing:
        problems.append(MSG_QUORUM_SECTORS.format(missing=_join([SECTOR_LABELS.get(s, s) for s in missing])))
    if chair_conflict:
        problems.append(MSG_QUORUM_CHAIR_IS_LEAD_SW)
    return Quorum(
        quorate=not missing and not chair_conflict and chair is not None and not chair_absent,
        missing_sectors=missing,
        chair_is_lead_social_worker=chair_conflict,
        no_chair=chair is None,
        problems=tuple(problems),
        enforced=enforced,
        chair_absent=chair_absent,
    )


def person_keys(*, user_id: object | None, name: str) -> tuple[str, ...]:
    """Keys that identify a person across records: their account, and their name as written.

    A lead social worker is sometimes recorded by name only (no account), so the name counts too.
    """
    keys = []
    if user_id is not None:
        keys.append(f"user:{user_id}")
    normalised = " ".join(name.casefold().split())
    if normalised:
        keys.append(f"name:{normalised}")
    return tuple(keys)


# --- Monthly scheduling (R-16) ------------------------------------------------------------------


def nth_weekday_of_month(year: int, month: int, weekday: int, nth: int) -> date:
    """The ``nth`` (1-4, or -1 for last) ``weekday`` (Monday 0) of a month."""
    days = [
        d
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return date(year, month, days[-1] if nth == -1 else days[nth - 1])


def monthly_dates(first: date, count: int) -> list[date]:
    """``count`` monthly sittings on the same weekday-of-month as ``first`` (R-16: monthly).

    "The second Tuesday" stays the second Tuesday; a first date in the fifth week becomes "the last"
    that weekday, since not every month has a fifth one.
    """
    nth = (first.day - 1) // 7 + 1
    if nth == 5:
        nth = -1
    out = []
    year, month = first.year, first.month
    for _ in range(count):
        out.append(nth_weekday_of_month(year, month, first.weekday(), nth))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


# --- Agenda urgency (R-16: about five cases, most urgent first) ---------------------------------

PRIORITY_RANK: Final[dict[str, int]] = {"crisis": 0, "high": 1, "standard": 2}


@dataclass(frozen=True, slots=True)
class Urgency:
    """What makes a case urgent at a meeting on ``on``."""

    deadline: date | None
    priority: str
    referred_on: date
    overdue: bool
    returned_by_qa: bool = False
    #: W-5: a crisis response is open for the child (whatever triggered it): crisis priority.
    crisis_open: bool = False

    def sort_key(self, on: date) -> tuple[int, int, int, int, str]:
        """Most urgent first: an overdue clock or a Home Office return; then the nearest deadline;
        then crisis priority (from the latest triage decision, or an open crisis response); then the
        oldest referral."""
        days_left = (self.deadline - on).days if self.deadline is not None else 10_000
        first = 0 if (self.overdue or self.returned_by_qa) else 1
        rank = 0 if self.crisis_open else PRIORITY_RANK.get(self.priority, 3)
        return (first, days_left, rank, self.referred_on.toordinal(), "")

    def reasons(self, on: date) -> list[str]:
        out = []
        if self.returned_by_qa:
            out.append("Returned by Home Office quality assurance")
        if self.deadline is not None:
            days_left = (self.deadline - on).days
            if days_left < 0:
                out.append(f"Decision overdue since {self.deadline:%-d %B %Y}")
            else:
                out.append(f"Decision due by {self.deadline:%-d %B %Y} ({days_left} days after this meeting)")
        if self.priority in ("crisis", "high"):
            out.append(f"Triage priority: {self.priority}")
        if self.crisis_open:
            out.append("Crisis response open (W-5)")
        return out


def agenda_warning(count: int, cases_per_meeting: int) -> str | None:
    """A soft warning when an agenda goes well beyond the usual number of cases (R-16 [D])."""
    if count > cases_per_meeting + cases_per_meeting // 2:
        return (
            f"{count} cases listed: panels usually hear about {cases_per_meeting}. Consider an extra sitting "
            "so that each case gets the time it needs."
        )
    return None


# --- Safeguarding Order sub-machine (DOMAIN §4.5, F-12) -----------------------------------------

#: Allowed transitions. "Court response" is not a resting state: recording the court's response to
#: a breach moves the order back to active, or to varied when the court varied it.
ORDER_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    # "withdrawn" (not in DOMAIN §4.5, whose machine has no way out of a draft): a draft the panel
    # will not apply for, or an application it withdraws before the hearing. Without it an abandoned
    # draft kept the panel case open for good (rules/closure.py).
    "draft": frozenset({"applied", "withdrawn"}),
    "applied": frozenset({"granted", "refused", "withdrawn"}),
    "granted": frozenset({"active"}),
    "refused": frozenset(),
    "active": frozenset({"breach_reported", "varied", "discharged", "expired"}),
    "breach_reported": frozenset({"active", "varied"}),
    "varied": frozenset({"active", "breach_reported", "discharged", "expired"}),
    "discharged": frozenset(),
    "expired": frozenset(),
    "withdrawn": frozenset(),
}

#: States in which the order binds the child (monitoring, breaches).
ORDER_IN_FORCE: Final[frozenset[str]] = frozenset({"active", "breach_reported", "varied"})


def order_transition_allowed(from_status: str, to_status: str) -> bool:
    return to_status in ORDER_TRANSITIONS.get(from_status, frozenset())


def status_after_court_response(response: str) -> str:
    """Where a breach's court response leaves the order (§4.5: → ACTIVE | VARIED)."""
    return "varied" if response == "variation" else "active"
