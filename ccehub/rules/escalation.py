"""The support-escalation guard (F-22, R-50, J-11): a trigger event brings a joint plan's review forward.

R-50: "Support must escalate after an arrest, an NRM referral or another 'teachable' moment ... After a
trigger event the active plan must be reviewed within N days [D]." J-11: a conviction or sentence
means a plan review. W-5: a re-exploitation indicator (missing, arrest, breach) escalates.

* :func:`review_after_trigger` - the plan's new review date after an event, or ``None`` when the
  review already falls soon enough (a trigger never pushes a review back) or the event came before
  the plan was agreed (the plan was made knowing it).
* :func:`review_problems` - whether a review of the plan may be recorded as given.
* :func:`trigger_cleared` - whether a review answers the trigger that brought it forward (a review
  dated before the event did not).

N is :data:`TRIGGER_REVIEW_DAYS` (a design decision, DOMAIN.md R-50 "[D]"): seven calendar days, so
that a fortnightly panel can still review in time and a weekly one at its next sitting.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from ccehub.rules.closure import REASSESSED_LEVELS

#: R-50's N: a trigger event brings the review to at most this many calendar days after the event.
TRIGGER_REVIEW_DAYS: Final = 7


class TriggerEvent(StrEnum):
    """Events that make a joint plan's review due (R-50, J-11, W-5 re-exploitation indicators)."""

    INCIDENT = "incident"  # an identifying incident: an arrest, a stop and search, found in a line
    CHARGE = "charge"
    CONVICTION = "conviction"
    REMAND = "remand"
    SENTENCE = "sentence"
    NRM_REFERRAL = "nrm_referral"
    ORDER_BREACH = "order_breach"
    MISSING_EPISODE = "missing_episode"  # going missing is a sign of (re-)exploitation
    #: R-35 [D]: the police judged an immediate risk of significant harm; the plan is reviewed.
    POLICE_PROTECTION = "police_protection"


TRIGGER_LABELS: Final[dict[TriggerEvent, str]] = {
    TriggerEvent.INCIDENT: "A new incident",
    TriggerEvent.CHARGE: "A charge",
    TriggerEvent.CONVICTION: "A conviction",
    TriggerEvent.REMAND: "A remand in custody",
    TriggerEvent.SENTENCE: "A sentence",
    TriggerEvent.NRM_REFERRAL: "A new NRM referral",
    TriggerEvent.ORDER_BREACH: "A Safeguarding Order breach",
    TriggerEvent.MISSING_EPISODE: "A missing episode",
    TriggerEvent.POLICE_PROTECTION: "Police protection",
}

MSG_REVIEW_FUTURE: Final = "The review date must be today or in the past"
MSG_REVIEW_BEFORE_AGREED: Final = "The review cannot be before the plan was agreed ({agreed_on})"
MSG_REVIEW_BEFORE_LAST: Final = "The review cannot be dated before the plan's last review ({last})"
MSG_NEXT_REVIEW_NOT_AFTER: Final = "The next review must be after this review"
MSG_RISK_NOT_GIVEN: Final = "Give the exploitation risk as reassessed at this review: low, medium or high"
MSG_REVIEW_NOTE: Final = "Enter what the review found and what changes"


def trigger_text(event: TriggerEvent, on: date) -> str:
    """How the plan states why its review was brought forward."""
    return f"{TRIGGER_LABELS[event]} on {on:%-d %B %Y} (R-50)"


def review_after_trigger(
    *,
    review_on: date,
    agreed_on: date,
    event_on: date,
    last_reviewed_on: date | None = None,
    days: int = TRIGGER_REVIEW_DAYS,
) -> date | None:
    """The review date after a trigger event on ``event_on``, or ``None`` when it stays as it is.

    The review is due ``days`` after the event, unless it is already due by then. An event before
    the plan was agreed does not trigger: the plan was agreed knowing it; nor does one on or before
    the plan's last review (recorded late, but the review already knew of it). An event recorded late
    may otherwise give a date already past: the review is then overdue, which is the truth.
    """
    if event_on < agreed_on or (last_reviewed_on is not None and event_on <= last_reviewed_on):
        return None
    due = event_on + timedelta(days=days)
    return due if due < review_on else None


def review_problems(
    *,
    reviewed_on: date,
    agreed_on: date,
    next_review_on: date,
    risk: str,
    note: str,
    today: date,
    last_reviewed_on: date | None = None,
) -> dict[str, str]:
    """Why a review of a joint plan may not be recorded as given: ``{field: message}``.

    A review reassesses the exploitation risk (R-50: escalation and closure turn on it), says what it
    found, and sets the next review date.
    """
    problems: dict[str, str] = {}
    if reviewed_on > today:
        problems["reviewed_on"] = MSG_REVIEW_FUTURE
    elif reviewed_on < agreed_on:
        problems["reviewed_on"] = MSG_REVIEW_BEFORE_AGREED.format(agreed_on=f"{agreed_on:%-d %B %Y}")
    elif last_reviewed_on is not None and reviewed_on < last_reviewed_on:
        problems["reviewed_on"] = MSG_REVIEW_BEFORE_LAST.format(last=f"{last_reviewed_on:%-d %B %Y}")
    if next_review_on <= reviewed_on:
        problems["next_review_on"] = MSG_NEXT_REVIEW_NOT_AFTER
    if risk not in {level.value for level in REASSESSED_LEVELS}:
        problems["risk_level"] = MSG_RISK_NOT_GIVEN
    if not note.strip():
        problems["note"] = MSG_REVIEW_NOTE
    return problems


def trigger_cleared(*, reviewed_on: date, trigger_on: date | None) -> bool:
    """Whether a review on ``reviewed_on`` answers the trigger event of ``trigger_on`` (none: yes).
    A review dated before the event (recorded late) did not consider it, so the trigger stands."""
    return trigger_on is None or reviewed_on >= trigger_on
