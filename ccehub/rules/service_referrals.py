"""Referrals to services (E-17): what became of them, whether the child can be compelled to engage
(R-54), and how many services are working with the child at once (R-51).

The report: a child who has not been charged cannot be compelled to engage with youth offending or
young people's services (R-54, Sam); a referral he declines is *voluntary, declined*, not a failure
to comply. Support should come through the young person's strongest relationship, avoiding
intervention overload (R-51), so the number of services working with the child now is shown. The
Home Office-funded demand-reduction service (F-19) takes referrals for cannabis and synthetic
cannabinoids, controlling intake and minor drug debts.

* **Can engagement be required?** (three answers; R-54, J-08) Only youth offending and young
  people's services can require it, and only of a child who faces a live charge (charged on or before
  the day, not discontinued or acquitted: a stayed charge is still live) or a court order in force
  (a youth rehabilitation order or a detention and training order, from its day for its length, or
  until it ended early). A charge or order whose state is not recorded (status not known, a
  conviction with no sentence recorded, an order with no date or length) makes the answer *not
  known*: not recorded is not absent. Otherwise the referral is voluntary. Being charged makes
  engagement *possible* to require (through bail conditions or an order), not certain. Each
  referral is read on its own day: the day of its answer, or today while it awaits one.
* **Outcome**: awaiting, then once: accepted, below threshold (to early help), declined by the
  service, declined by the young person, not engaged. A declined voluntary referral is "voluntary,
  declined" (R-54). The outcome's day is on or after the referral's and not in the future.
* **Working with the child now** (through the referrals recorded here; plans and orders are elsewhere):
  the services with a referral accepted and not ended (an end day on or after the outcome's), each
  counted once; the MASH and the early help hub are front doors, not services working with the child.

Pure: no Django, no clock.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

__all__ = [
    "COMPULSION_LABELS",
    "COMPULSION_SERVICES",
    "FRONT_DOORS",
    "LIVE_CHARGE_STATUSES",
    "MSG_END_BEFORE",
    "MSG_END_NOT_ACCEPTED",
    "MSG_FUTURE",
    "MSG_OUTCOME_BEFORE",
    "MSG_OUTCOME_SET",
    "UNKNOWN_CHARGE_STATUSES",
    "ChargeFact",
    "Compulsion",
    "OrderFact",
    "Outcome",
    "ReferralFact",
    "add_months",
    "check_end",
    "check_outcome",
    "compulsion",
    "declined_label",
    "working_now",
]


class Outcome(StrEnum):
    AWAITING = "awaiting"
    ACCEPTED = "accepted"
    BELOW_THRESHOLD = "below_threshold_to_early_help"
    DECLINED_BY_SERVICE = "declined_by_service"
    DECLINED_BY_YOUNG_PERSON = "declined_by_young_person"
    NOT_ENGAGED = "not_engaged"


#: The services that can require a child to engage (R-54).
COMPULSION_SERVICES: Final = frozenset({"yot", "young_peoples_services"})
#: A charge is live in these states; discontinued and acquitted charges compel nothing, and after a
#: conviction any requirement comes from the sentence.
LIVE_CHARGE_STATUSES: Final = frozenset({"charged", "stayed_pending_cg", "court_proceedings"})
#: A charge in this state may or may not be live.
UNKNOWN_CHARGE_STATUSES: Final = frozenset({"unknown", "convicted"})
#: Sentences under which the youth offending team supervises the child.
SUPERVISED_SENTENCES: Final = frozenset({"yro", "dto"})


class Compulsion(StrEnum):
    MAY_BE_REQUIRED = "may_be_required"
    VOLUNTARY = "voluntary"
    NOT_KNOWN = "not_known"


MSG_FUTURE: Final = "The date cannot be in the future"
MSG_OUTCOME_SET: Final = "What became of this referral is already recorded"
MSG_OUTCOME_BEFORE: Final = "The outcome cannot come before the referral was made"
MSG_END_NOT_ACCEPTED: Final = "Only a referral the service accepted can end"
MSG_END_BEFORE: Final = "The service cannot have ended before it accepted the referral"


@dataclass(frozen=True)
class ChargeFact:
    status: str
    charged_on: date | None


@dataclass(frozen=True)
class OrderFact:
    """A court outcome: the sentence, its day, its length and, if it ended early, after how long."""

    sentence_type: str
    decided_on: date | None
    length_months: int | None
    ended_early_after_months: int | None = None


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months (the last day of a shorter month when the day does not exist)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _order_in_force(order: OrderFact, on: date) -> bool | None:
    """Whether a supervised sentence is in force on ``on``; ``None`` when its dates are not known."""
    if order.decided_on is None:
        return None
    if order.decided_on > on:
        return False
    months = order.ended_early_after_months or order.length_months
    if months is None:
        return None
    return on < add_months(order.decided_on, months)


def compulsion(
    service: str, charges: Iterable[ChargeFact], orders: Iterable[OrderFact], on: date
) -> Compulsion:
    """R-54: whether the child could be required to engage with ``service`` on ``on``."""
    if service not in COMPULSION_SERVICES:
        return Compulsion.VOLUNTARY
    charges = [c for c in charges if c.charged_on is None or c.charged_on <= on]
    supervised = [o for o in orders if o.sentence_type in SUPERVISED_SENTENCES]
    in_force = [_order_in_force(o, on) for o in supervised]
    if any(c.status in LIVE_CHARGE_STATUSES for c in charges) or any(f is True for f in in_force):
        return Compulsion.MAY_BE_REQUIRED
    unknown_charge = any(c.status == "unknown" for c in charges)
    # a conviction is followed by a sentence: with none recorded, what it requires is not known
    convicted_unsentenced = any(c.status == "convicted" for c in charges) and not list(orders)
    if unknown_charge or convicted_unsentenced or any(f is None for f in in_force):
        return Compulsion.NOT_KNOWN
    return Compulsion.VOLUNTARY


COMPULSION_LABELS: Final[dict[Compulsion, str]] = {
    Compulsion.MAY_BE_REQUIRED: "Charged or under a court order: engagement may be required (check the bail "
    "conditions or the order)",
    Compulsion.VOLUNTARY: "Voluntary",
    Compulsion.NOT_KNOWN: "Whether engagement can be required is not known: a charge or order whose state "
    "is not recorded",
}


def declined_label(service: str, answer: Compulsion) -> str:
    """How a referral the young person declined is described (R-54: "voluntary, declined")."""
    if answer is Compulsion.MAY_BE_REQUIRED:
        return (
            "Declined by the young person, who was charged or under a court order: engagement may be required"
        )
    if answer is Compulsion.NOT_KNOWN:
        return "Declined by the young person: whether engagement could be required is not known"
    if service in COMPULSION_SERVICES:
        return "Voluntary, declined by the young person: no live charge or court order recorded, so not compellable (R-54)"
    return "Voluntary, declined by the young person"


@dataclass(frozen=True)
class ReferralFact:
    made_on: date
    service: str = ""
    outcome: str = Outcome.AWAITING
    outcome_on: date | None = None
    ended_on: date | None = None


def check_outcome(referral: ReferralFact, outcome: str, on: date, *, today: date) -> dict[str, str]:
    """Problems with recording ``outcome`` on ``on`` (field → message); empty when it may be."""
    problems: dict[str, str] = {}
    if referral.outcome != Outcome.AWAITING:
        problems["outcome"] = MSG_OUTCOME_SET
    elif outcome not in set(Outcome) - {Outcome.AWAITING}:
        problems["outcome"] = "Choose what became of the referral"
    if on > today:
        problems["outcome_on"] = MSG_FUTURE
    elif on < referral.made_on:
        problems["outcome_on"] = MSG_OUTCOME_BEFORE
    return problems


def check_end(referral: ReferralFact, ended_on: date, *, today: date) -> dict[str, str]:
    """Problems with recording that the service stopped working with the child on ``ended_on``."""
    if referral.outcome != Outcome.ACCEPTED or referral.outcome_on is None:
        return {"ended_on": MSG_END_NOT_ACCEPTED}
    if referral.ended_on is not None:
        return {"ended_on": f"The service already stopped on {referral.ended_on:%-d %B %Y}"}
    if ended_on > today:
        return {"ended_on": MSG_FUTURE}
    if ended_on < referral.outcome_on:
        return {"ended_on": MSG_END_BEFORE}
    return {}


#: Front doors, not services that work with the child: an accepted referral there passes the child on.
FRONT_DOORS: Final = frozenset({"mash", "early_help_hub"})


def working_now(referrals: Iterable[ReferralFact], today: date) -> frozenset[str]:
    """R-51: the services working with the child on ``today`` through the referrals recorded (each
    once, however many referrals; front doors left out)."""
    return frozenset(
        r.service
        for r in referrals
        if r.service not in FRONT_DOORS
        and r.outcome == Outcome.ACCEPTED
        and r.outcome_on is not None
        and r.outcome_on <= today
        and (r.ended_on is None or r.ended_on > today)
    )
