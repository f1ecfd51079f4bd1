"""Reads about NRM referrals: their decisions and clocks.

The clock of a referral comes from the pure rules (:func:`ccehub.rules.clocks.nrm_clock`); these
functions only gather the facts from the rows. Functions that return referrals to a person are scoped
(``referrals_for_child`` goes through the child's access basis); the clock helpers take a referral the
caller has already been allowed to see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ccehub.nrm.models import DecisionStage, NRMDecision, NRMReferral, Route
from ccehub.rules.clocks import ClockInputError, ClockState, Decision, nrm_clock
from ccehub.rules.policy import PolicyProfile, get_profile, profile_in_force


def referral_profile(referral: NRMReferral) -> PolicyProfile:
    """The profile fixed for this referral at intake; for rows loaded without one, the one in force then."""
    if referral.policy_profile:
        return get_profile(referral.policy_profile)
    return profile_in_force(referral.referred_on or date.today())  # pragma: no cover - legacy rows only


def clock_route(referral: NRMReferral) -> str | None:
    """The route whose clocks apply: a referral escalated to the SCA follows the national clocks."""
    if referral.route == Route.LOCAL_PANEL and referral.escalated_on is None:
        return "local_panel"
    if referral.route in (Route.NATIONAL, Route.LOCAL_PANEL):
        return "national"
    return None


@dataclass(frozen=True)
class ReferralDecisions:
    rg: NRMDecision | None
    cg: NRMDecision | None

    def as_rules(self, *, as_of: date | None = None) -> tuple[Decision | None, Decision | None]:
        """The decisions as the rules take them, leaving out any made after ``as_of``."""

        def convert(row: NRMDecision | None) -> Decision | None:
            if row is None or row.decided_on is None:
                return None
            if as_of is not None and row.decided_on > as_of:
                return None
            return Decision(row.decided_on, row.outcome, row.recovery_override_reason)  # type: ignore[arg-type]

        return convert(self.rg), convert(self.cg)


def referral_decisions(referral: NRMReferral) -> ReferralDecisions:
    """The referral's RG and CG decisions (the first of each stage; a stage is decided once)."""
    rg = cg = None
    for row in sorted(referral.decisions.all(), key=lambda d: (d.decided_on or date.min, d.created_at)):
        if row.stage == DecisionStage.REASONABLE_GROUNDS and rg is None:
            rg = row
        elif row.stage == DecisionStage.CONCLUSIVE_GROUNDS and cg is None:
            cg = row
    return ReferralDecisions(rg=rg, cg=cg)


def referral_concluded(referral: NRMReferral) -> bool:
    """A negative RG, any CG, or (rows from the report) a decision whose stage was not stated."""
    for row in referral.decisions.all():
        if row.stage == DecisionStage.CONCLUSIVE_GROUNDS or row.stage == DecisionStage.UNSTATED:
            return True
        if row.stage == DecisionStage.REASONABLE_GROUNDS and row.outcome == "negative":
            return True
    return False


def referral_clock(referral: NRMReferral, *, as_of: date) -> ClockState | None:
    """Every clock of the referral as of ``as_of``, or ``None`` when the rules cannot say.

    ``None`` for an unknown route or referral date, ``as_of`` before the referral, or facts the rules
    refuse (e.g. a report row with a negative panel CG under ``report-2022``).
    """
    route = clock_route(referral)
    if route is None or referral.referred_on is None or as_of < referral.referred_on:
        return None
    rg, cg = referral_decisions(referral).as_rules(as_of=as_of)
    try:
        return nrm_clock(route, referral_profile(referral), referral.referred_on, rg, cg, as_of)
    except ClockInputError:
        return None
