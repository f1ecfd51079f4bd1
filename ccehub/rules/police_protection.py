"""Police protection (E-22, R-35) and the police-local authority placement dispute (F-32).

Pure: no Django, no clock (``now`` is always passed in).

* **R-35** Police protection lasts at most **72 hours** (the policy profile's
  ``police_protection_max_hours``) and needs officers to judge that the child faces a **risk of
  significant harm**: the grounds are required. The system warns from **12 hours** before the limit
  [D] and refuses an end time beyond it: by then the child has been released, or accommodated under
  another power, and the record says when protection ended.
* Police protection is a power over a **child**: someone known to be 18 or over when it began is
  refused; a child whose date of birth is not known is treated as a child (F-01's precaution).
* A child is in one episode at a time: a new one cannot begin while another is open, nor before one
  recorded as ended (an open episode runs to now, so it would overlap it).
* **F-32** When the police use protection against the local authority's placement plan (Joshua's
  case: the plan was to place him with a father known for selling Class A drugs), the record holds
  the plan they disagreed with and why, and the local authority must **reassess** the plan. The
  reassessment is due by the protection's 72-hour limit [D]: the power
  exists to hold the child while the plan is reassessed (an early release does not bring it
  forward). The reassessment records when, what
  changed (a different placement, the plan confirmed, or another outcome) and why.
* Times run forward: protection cannot begin in the future or before the child was born, nor end
  before it began or in the future; a reassessment cannot come before the protection began nor be
  in the future.
* Hours are real hours: the limit and the time left are measured on UTC, so the week the clocks
  change does not give 71 or 73 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Final

from ccehub.rules.age import eighteenth_birthday

#: [D] The warning window before the limit (R-35: "warns at T-12h").
WARN_BEFORE_HOURS: Final = 12
#: The police must judge a risk of significant harm (R-35).
SIGNIFICANT_HARM: Final = "risk of significant harm"

#: F-32: what the local authority's reassessment decided.
OUTCOME_PLAN_CHANGED: Final = "plan_changed"
OUTCOME_PLAN_CONFIRMED: Final = "plan_confirmed"
OUTCOME_OTHER: Final = "other"
REASSESSMENT_OUTCOMES: Final = frozenset({OUTCOME_PLAN_CHANGED, OUTCOME_PLAN_CONFIRMED, OUTCOME_OTHER})

MSG_GROUNDS: Final = (
    "Say why the officers judged that the child faces a risk of significant harm: police protection "
    "needs it (R-35)"
)
MSG_START_FUTURE: Final = "The time police protection began cannot be in the future"
MSG_ADULT: Final = "Police protection is for children: this person was 18 or over when it began"
#: Without the date: the message reaches users who may not see the child's identity.
MSG_BEFORE_BIRTH: Final = "The time police protection began is before the child's date of birth"
MSG_OPEN_EPISODE: Final = (
    "The child is already in police protection, since {since}: record when that ended first"
)
MSG_OVERLAP: Final = "This overlaps an earlier police protection of the child, from {start} to {end}"
MSG_DISPUTE_PLAN: Final = "Describe the local authority's placement plan the police disagree with (F-32)"
MSG_DISPUTE_REASON: Final = "Say why the police think the placement plan is unsuitable (F-32, R-45)"
MSG_END_BEFORE_START: Final = "Police protection cannot end before it began, at {start}"
MSG_END_FUTURE: Final = "The time police protection ended cannot be in the future"
MSG_END_PAST_LIMIT: Final = (
    "Police protection lasts at most {hours} hours (R-35): this one could not go beyond {limit}. "
    "Enter the time the child left police protection"
)
MSG_ALREADY_ENDED: Final = "This police protection has already ended"
MSG_RELEASED_TO: Final = "Say where the child went when police protection ended"
MSG_NOT_DISPUTED: Final = (
    "The police did not use this protection against a placement plan: there is nothing to reassess"
)
MSG_ALREADY_REASSESSED: Final = "The placement plan has already been reassessed"
MSG_OUTCOME: Final = "Say what the reassessment decided"
MSG_REASSESSMENT_NOTES: Final = "Say what the reassessment found and why (F-32)"
MSG_REASSESSED_FUTURE: Final = "The date of the reassessment cannot be in the future"
MSG_REASSESSED_BEFORE: Final = "The reassessment cannot come before police protection began, on {day}"


class ProtectionState(StrEnum):
    """Where an episode stands at ``now``."""

    IN_PROTECTION = "in_protection"
    #: Inside the warning window: the limit is at most ``WARN_BEFORE_HOURS`` away.
    ENDING_SOON = "ending_soon"
    #: The limit has passed and no end is recorded: the record is wrong or the child is held unlawfully.
    PAST_LIMIT = "past_limit"
    ENDED = "ended"


def _utc(moment: datetime) -> datetime:
    """Elapsed time is measured on UTC: Python adds and compares two times in the same zone by the
    clock face, so 72 hours from noon on the Friday before the clocks go back would be 71 or 73."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


def limit_at(started_at: datetime, max_hours: int) -> datetime:
    """R-35: the latest time this protection can last to: ``max_hours`` real hours after it began,
    in ``started_at``'s own zone."""
    limit = _utc(started_at) + timedelta(hours=max_hours)
    return limit.astimezone(started_at.tzinfo) if started_at.tzinfo is not None else limit


def protection_state(
    started_at: datetime, ended_at: datetime | None, *, now: datetime, max_hours: int
) -> ProtectionState:
    if ended_at is not None:
        return ProtectionState.ENDED
    left = _utc(limit_at(started_at, max_hours)) - _utc(now)
    if left <= timedelta(0):
        return ProtectionState.PAST_LIMIT
    if left <= timedelta(hours=WARN_BEFORE_HOURS):
        return ProtectionState.ENDING_SOON
    return ProtectionState.IN_PROTECTION


def hours_left(started_at: datetime, *, now: datetime, max_hours: int) -> int:
    """Whole hours to the limit (0 once it has passed); a part-hour counts as none, so the figure
    never promises more time than there is."""
    seconds = (_utc(limit_at(started_at, max_hours)) - _utc(now)).total_seconds()
    return max(0, int(seconds // 3600))


@dataclass(frozen=True)
class Episode:
    """An earlier or open episode of the same child, for the overlap checks."""

    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class StartFacts:
    started_at: datetime
    grounds: str
    #: The child's date of birth, when known.
    date_of_birth: date | None = None
    disputes_plan: bool = False
    disputed_plan: str = ""
    dispute_reason: str = ""
    others: tuple[Episode, ...] = ()


def _when(moment: datetime) -> str:
    return f"{moment:%-d %B %Y at %H:%M}"


def check_start(facts: StartFacts, *, now: datetime, local_day: date | None = None) -> dict[str, str]:
    """Refusals for recording the start of police protection (field → message); empty when allowed.
    ``local_day`` is the local calendar day the protection began (for the age check; defaults to
    ``started_at``'s own date)."""
    problems: dict[str, str] = {}
    if not facts.grounds.strip():
        problems["grounds"] = MSG_GROUNDS
    if _utc(facts.started_at) > _utc(now):
        problems["started_at"] = MSG_START_FUTURE
    day = local_day if local_day is not None else facts.started_at.date()
    if facts.date_of_birth is not None and day < facts.date_of_birth:
        problems.setdefault("started_at", MSG_BEFORE_BIRTH)
    if facts.date_of_birth is not None and day >= eighteenth_birthday(facts.date_of_birth):
        problems.setdefault("started_at", MSG_ADULT)
    for other in facts.others:
        if other.ended_at is None:
            problems.setdefault("started_at", MSG_OPEN_EPISODE.format(since=_when(other.started_at)))
        elif _utc(facts.started_at) < _utc(other.ended_at):
            # an open episode from ``started_at`` runs to now, so it overlaps any that ended after it began
            problems.setdefault(
                "started_at", MSG_OVERLAP.format(start=_when(other.started_at), end=_when(other.ended_at))
            )
    if facts.disputes_plan:
        if not facts.disputed_plan.strip():
            problems["disputed_plan"] = MSG_DISPUTE_PLAN
        if not facts.dispute_reason.strip():
            problems["dispute_reason"] = MSG_DISPUTE_REASON
    return problems


def check_end(
    started_at: datetime,
    ended_at: datetime,
    *,
    already_ended: bool,
    released_to: str,
    now: datetime,
    max_hours: int,
) -> dict[str, str]:
    """Refusals for recording when police protection ended (field → message)."""
    if already_ended:
        return {"ended_at": MSG_ALREADY_ENDED}
    problems: dict[str, str] = {}
    limit = limit_at(started_at, max_hours)
    if _utc(ended_at) < _utc(started_at):
        problems["ended_at"] = MSG_END_BEFORE_START.format(start=_when(started_at))
    elif _utc(ended_at) > _utc(limit):
        problems["ended_at"] = MSG_END_PAST_LIMIT.format(hours=max_hours, limit=_when(limit))
    elif _utc(ended_at) > _utc(now):
        problems["ended_at"] = MSG_END_FUTURE
    if not released_to.strip():
        problems["released_to"] = MSG_RELEASED_TO
    return problems


def reassessment_due_at(started_at: datetime, max_hours: int) -> datetime:
    """F-32 [D]: by the protection's limit, however early it ended: the power holds the child while
    the plan is reassessed, and an early release (or an end recorded afterwards) must not make the
    reassessment overdue the moment it is asked for."""
    return limit_at(started_at, max_hours)


def check_reassessment(
    *,
    disputed: bool,
    already_reassessed: bool,
    outcome: str,
    notes: str,
    on: date,
    protection_began_on: date,
    today: date,
) -> dict[str, str]:
    """Refusals for recording the local authority's reassessment of the disputed plan (F-32)."""
    if not disputed:
        return {"outcome": MSG_NOT_DISPUTED}
    if already_reassessed:
        return {"outcome": MSG_ALREADY_REASSESSED}
    problems: dict[str, str] = {}
    if outcome not in REASSESSMENT_OUTCOMES:
        problems["outcome"] = MSG_OUTCOME
    if not notes.strip():
        problems["notes"] = MSG_REASSESSMENT_NOTES
    if on > today:
        problems["on"] = MSG_REASSESSED_FUTURE
    elif on < protection_began_on:
        problems["on"] = MSG_REASSESSED_BEFORE.format(day=f"{protection_began_on:%-d %B %Y}")
    return problems
