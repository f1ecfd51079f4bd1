"""Referrals to services (E-17): what became of them, whether the child can be compelled to engage
(R-54), and how many services are working with the child at once (R-51).

The report: a child who has not been charged cannot be compelled to engage with youth offending or
young people's services (R-54, Sam); a referral he declines is *voluntary, declined*, not a failure
to comply. Support should come through the young person's strongest relationship, avoiding
intervention overload (R-51), so the number of services working with the child now is shown. The
Home Office-funded demand-reduction service (F-19) takes referrals for cannabis and synthetic
cannabinoids, controlling intake and minor drug debts.

* **Compellable**: only youth offending and young people's services can require engagement, and only
  while the child faces a live charge: charged on or before the day, and not discontinued or
  acquitted (a stayed charge is still live). Every other referral is voluntary.
* **Outcome**: awaiting, then once: accepted, below threshold (to early help), declined by the
  service, declined by the young person, not engaged. A declined voluntary referral is "voluntary,
  declined" (R-54). The outcome's day is on or after the referral's and not in the future.
* **Working with the child now**: the services with a referral accepted and not ended (an end day
  on or after the outcome's), each counted once.

Pure: no Django, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

__all__ = [
    "COMPULSION_SERVICES",
    "LIVE_CHARGE_STATUSES",
    "MSG_END_BEFORE",
    "MSG_END_NOT_ACCEPTED",
    "MSG_FUTURE",
    "MSG_OUTCOME_BEFORE",
    "MSG_OUTCOME_SET",
    "ChargeFact",
    "Outcome",
    "ReferralFact",
    "check_end",
    "check_outcome",
    "compellable",
    "declined_label",
    "live_charge",
    "working_now",
]


class Outcome(StrEnum):
    AWAITING = "awaiting"
    ACCEPTED = "accepted"
    BELOW_THRESHOLD = "below_threshold_to_early_help"
    DECLINED_BY_SERVICE = "declined_by_service"
    DECLINED_BY_YOUNG_PERSON = "declined_by_young_person"
    NOT_ENGAGED = "not_engaged"


#: The services that can require a child to engage, and then only under a live charge (R-54).
COMPULSION_SERVICES: Final = frozenset({"yot", "young_peoples_services"})
#: A charge is live in these states; discontinued and acquitted charges compel nothing.
LIVE_CHARGE_STATUSES: Final = frozenset(
    {"charged", "stayed_pending_cg", "court_proceedings", "convicted", "unknown"}
)

MSG_FUTURE: Final = "The date cannot be in the future"
MSG_OUTCOME_SET: Final = "What became of this referral is already recorded"
MSG_OUTCOME_BEFORE: Final = "The outcome cannot come before the referral was made"
MSG_END_NOT_ACCEPTED: Final = "Only a referral the service accepted can end"
MSG_END_BEFORE: Final = "The service cannot have ended before it accepted the referral"


@dataclass(frozen=True)
class ChargeFact:
    status: str
    charged_on: date | None


def live_charge(charges: Iterable[ChargeFact], on: date) -> bool:
    """Whether the child faces a live charge on ``on`` (an undated charge counts: it exists)."""
    return any(
        c.status in LIVE_CHARGE_STATUSES and (c.charged_on is None or c.charged_on <= on) for c in charges
    )


def compellable(service: str, *, charged: bool) -> bool:
    """R-54: engagement can be required only by youth offending or young people's services, and only
    of a child who is charged."""
    return service in COMPULSION_SERVICES and charged


def declined_label(service: str, *, charged: bool) -> str:
    """How a referral the young person declined is described (R-54: "voluntary, declined")."""
    if compellable(service, charged=charged):
        return "Declined by the young person, who is charged: engagement can be required"
    if service in COMPULSION_SERVICES:
        return "Voluntary, declined by the young person: not charged, so not compellable (R-54)"
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


def working_now(referrals: Iterable[ReferralFact], today: date) -> frozenset[str]:
    """R-51: the services working with the child on ``today`` (each once, however many referrals)."""
    return frozenset(
        r.service
        for r in referrals
        if r.outcome == Outcome.ACCEPTED
        and r.outcome_on is not None
        and r.outcome_on <= today
        and (r.ended_on is None or r.ended_on > today)
    )
