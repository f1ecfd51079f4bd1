"""Missing episodes (DOMAIN §2.5, §4.3.1, E-08, F-14): how long, and when it is a crisis.

Pure: no Django, no clock (``now`` is always passed in).

* **Days missing** are whole days from when the child went missing to when they were found, or to
  ``now`` while they are still missing (an open episode keeps counting). When only a duration is
  known (the study's "almost two months") that duration is the answer.
* **Crisis (R-30).** Long absences, "weeks rather than days", are a trigger for crisis intervention:
  an episode of at least the policy profile's ``missing_crisis_threshold_days`` (14 by default, a
  configurable reading of "weeks" [D]) is a crisis, while the child is still missing too.
* **Recording.** A child cannot go missing in the future, nor be found before they went missing or
  in the future, nor be found twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

MSG_START_FUTURE: Final = "The time the child went missing cannot be in the future"
MSG_FOUND_FUTURE: Final = "The time the child was found cannot be in the future"
MSG_FOUND_BEFORE_START: Final = "The child cannot be found before the time they went missing"
MSG_ALREADY_FOUND: Final = "This episode already has the time the child was found"
MSG_REPORTED_BEFORE_START: Final = "The child cannot be reported missing before the time they went missing"
MSG_REPORTED_FUTURE: Final = "The time the child was reported missing cannot be in the future"
#: Without the date: the message reaches users who may not see the child's identity.
MSG_START_BEFORE_BIRTH: Final = "The time the child went missing is before their date of birth"


def episode_days(
    started_at: datetime | None,
    ended_at: datetime | None,
    *,
    now: datetime,
    approximate_days: int | None = None,
) -> int | None:
    """Whole days missing: to ``ended_at``, or to ``now`` while still missing. ``None`` when not
    known (no start and no approximate duration)."""
    if started_at is None:
        return approximate_days
    end = ended_at if ended_at is not None else now
    return max(0, (end - started_at).days)


def is_crisis(days: int | None, *, threshold_days: int) -> bool:
    """R-30: missing for at least ``threshold_days`` ("weeks rather than days")."""
    return days is not None and days >= threshold_days


@dataclass(frozen=True)
class EpisodeFacts:
    """What a new episode, or the record that the child was found, says about times."""

    started_at: datetime | None
    ended_at: datetime | None = None
    reported_at: datetime | None = None
    already_found: bool = False
    #: The child's date of birth, when known: nobody goes missing before they are born.
    date_of_birth: date | None = None


def episode_problems(facts: EpisodeFacts, *, now: datetime) -> dict[str, str]:
    """Field name → what is wrong, for a missing episode as it would be stored (empty when fine)."""
    problems: dict[str, str] = {}
    start = facts.started_at
    if start is not None and start > now:
        problems["started_at"] = MSG_START_FUTURE
    elif start is not None and facts.date_of_birth is not None and start.date() < facts.date_of_birth:
        problems["started_at"] = MSG_START_BEFORE_BIRTH
    if facts.reported_at is not None:
        if facts.reported_at > now:
            problems["reported_to_police_at"] = MSG_REPORTED_FUTURE
        elif start is not None and facts.reported_at < start:
            problems["reported_to_police_at"] = MSG_REPORTED_BEFORE_START
    if facts.ended_at is not None:
        if facts.already_found:
            problems["ended_at"] = MSG_ALREADY_FOUND
        elif facts.ended_at > now:
            problems["ended_at"] = MSG_FOUND_FUTURE
        elif start is not None and facts.ended_at < start:
            problems["ended_at"] = MSG_FOUND_BEFORE_START
    return problems
