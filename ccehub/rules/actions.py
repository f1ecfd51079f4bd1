"""The actions an identifying incident triggers, with due times only where a source gives one.

Sources: R-24 and F-01 (the presumption's consequences), R-30 (missing "weeks rather than days"),
R-32, R-35 to R-40, F-02, F-09, F-10, F-24, F-26, F-31, J-01, J-06 and W-1. Each action carries the
reason it was triggered; ``docs/rules-triage.md`` has the full table and why each due time is what it
is. Actions are ordered by urgency: timed actions first (soonest first), then untimed ones in the
fixed order of :data:`URGENCY_ORDER`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ccehub.rules.age import AgeBand
from ccehub.rules.indicators import (
    DEALING_BASE_INDICATORS,
    DEBT_RISK_INDICATORS,
    INDICATOR_LABELS,
    MEDICAL_INDICATORS,
    Indicator,
)
from ccehub.rules.policy import PolicyProfile


class ActionCode(StrEnum):
    """Action codes (issue #3 contract)."""

    SAFEGUARD_IMMEDIATELY = "safeguard_immediately"
    URGENT_MEDICAL_ASSESSMENT = "urgent_medical_assessment"
    NOTIFY_HOME_LOCAL_AUTHORITY = "notify_home_local_authority"
    NOTIFY_HOME_POLICE_FORCE = "notify_home_police_force"
    ESTABLISH_HOME_STATUS = "establish_home_status"
    REFER_TO_NRM = "refer_to_nrm"
    STRATEGY_MEETING = "strategy_meeting"
    RETURN_HOME_CRISIS_INTERVENTION = "return_home_crisis_intervention"
    BAIL_NOT_RUI = "bail_not_rui"
    REQUEST_CPS_EARLY_ADVICE = "request_cps_early_advice"
    DEBT_SAFETY_PLAN = "debt_safety_plan"
    MISSING_CRISIS_INTERVENTION = "missing_crisis_intervention"
    TRANSITIONAL_SAFEGUARDING = "transitional_safeguarding"


ACTION_LABELS: Final[dict[ActionCode, str]] = {
    ActionCode.SAFEGUARD_IMMEDIATELY: "Safeguard the child immediately",
    ActionCode.URGENT_MEDICAL_ASSESSMENT: "Urgent medical assessment at hospital",
    ActionCode.NOTIFY_HOME_LOCAL_AUTHORITY: "Notify the home local authority (children's social care)",
    ActionCode.NOTIFY_HOME_POLICE_FORCE: "Notify the home police force",
    ActionCode.ESTABLISH_HOME_STATUS: "Establish identity, home area and NRM status",
    ActionCode.REFER_TO_NRM: "Refer to the National Referral Mechanism (or local panel)",
    ActionCode.STRATEGY_MEETING: "Request a strategy meeting with children's social care",
    ActionCode.RETURN_HOME_CRISIS_INTERVENTION: "Return to the home area for crisis intervention",
    ActionCode.BAIL_NOT_RUI: "Use bail, not release under investigation; consult youth justice on conditions",
    ActionCode.REQUEST_CPS_EARLY_ADVICE: "Request early advice from the CPS",
    ActionCode.DEBT_SAFETY_PLAN: "Make a safety plan for the drug-debt risk",
    ActionCode.MISSING_CRISIS_INTERVENTION: "Crisis intervention for a long missing episode",
    ActionCode.TRANSITIONAL_SAFEGUARDING: "Consider exploitation and transitional safeguarding (18 to 24)",
}

#: Tie-break order among actions with the same due time (and among untimed actions): life first,
#: then immediate protection and notification, then what must happen before release, then referrals.
URGENCY_ORDER: Final[tuple[ActionCode, ...]] = (
    ActionCode.URGENT_MEDICAL_ASSESSMENT,
    ActionCode.SAFEGUARD_IMMEDIATELY,
    ActionCode.NOTIFY_HOME_LOCAL_AUTHORITY,
    ActionCode.NOTIFY_HOME_POLICE_FORCE,
    ActionCode.RETURN_HOME_CRISIS_INTERVENTION,
    ActionCode.ESTABLISH_HOME_STATUS,
    ActionCode.MISSING_CRISIS_INTERVENTION,
    ActionCode.DEBT_SAFETY_PLAN,
    ActionCode.BAIL_NOT_RUI,
    ActionCode.REFER_TO_NRM,
    ActionCode.STRATEGY_MEETING,
    ActionCode.REQUEST_CPS_EARLY_ADVICE,
    ActionCode.TRANSITIONAL_SAFEGUARDING,
)

#: "Immediately" / "at once" in a source is a due time of zero hours.
IMMEDIATELY: Final = 0


@dataclass(frozen=True, slots=True)
class Action:
    """One triggered action: ``due_within_hours`` is ``None`` where no source gives a time."""

    code: ActionCode
    due_within_hours: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class ActionFacts:
    """The facts the action table reads (already validated and derived by :mod:`ccehub.rules.triage`)."""

    band: AgeBand
    presumed: bool
    county_lines_linked: bool
    arrested: bool
    out_of_area: bool
    has_offences: bool
    indicators: frozenset[Indicator]
    missing_days: int | None
    profile: PolicyProfile
    #: Under 10 by date of birth (CYPA 1933 s50): no criminal process can follow, so the
    #: criminal-process actions (bail rather than RUI, CPS advice) are not proposed.
    below_criminal_responsibility: bool = False

    @property
    def treat_as_child(self) -> bool:
        """Child rules apply (under 18, or age not established)."""
        return self.band in (AgeBand.CHILD, AgeBand.UNKNOWN_TREAT_AS_CHILD)

    @property
    def missing(self) -> bool:
        """A missing episode is recorded (days > 0, or the ``reported_missing`` indicator)."""
        return bool(self.missing_days) or Indicator.REPORTED_MISSING in self.indicators

    @property
    def exploitation_concern(self) -> bool:
        """Suspicion of exploitation (R-10): county-lines link, any indicator, or a missing episode."""
        return self.county_lines_linked or bool(self.indicators) or self.missing

    @property
    def missing_crisis(self) -> bool:
        """R-30: missing for at least ``profile.missing_crisis_threshold_days``."""
        return (
            self.missing_days is not None and self.missing_days >= self.profile.missing_crisis_threshold_days
        )


def _labels(indicators: frozenset[Indicator]) -> str:
    return "; ".join(INDICATOR_LABELS[i].lower() for i in Indicator if i in indicators)


def _safeguard(f: ActionFacts) -> Action | None:
    if not f.treat_as_child or not (f.presumed or f.exploitation_concern):
        return None
    if f.presumed:
        why = (
            "R-24(1)-(2), F-01: presumed victim, a high-risk safeguarding priority needing an urgent "
            "crisis response"
        )
    elif f.missing:
        why = (
            "R-37: a missing child is found, safeguarded and returned home first; criminal matters "
            "come second"
        )
    else:
        why = (
            "R-10, R-24: a child with signs of county-lines exploitation is safeguarded before anything else"
        )
    return Action(ActionCode.SAFEGUARD_IMMEDIATELY, IMMEDIATELY, why + ".")


def _medical(f: ActionFacts) -> Action | None:
    found = f.indicators & MEDICAL_INDICATORS
    if not found:
        return None
    return Action(
        ActionCode.URGENT_MEDICAL_ASSESSMENT,
        IMMEDIATELY,
        f"R-40, F-26: {_labels(found)}: hospital now (a split plug can kill); record any restraint with "
        "its justification and preserve evidence against the exploiters.",
    )


def _notify_la(f: ActionFacts) -> Action | None:
    if f.treat_as_child and (f.presumed or f.arrested or f.out_of_area or f.exploitation_concern):
        why = (
            "F-01: notify home children's social care (and YOT) at once"
            if f.presumed
            else (
                "J-01, R-32: an arrest, missing episode or exploitation concern about a child is notified to "
                "home children's social care"
            )
        )
        return Action(ActionCode.NOTIFY_HOME_LOCAL_AUTHORITY, IMMEDIATELY, why + ".")
    if f.band is AgeBand.YOUNG_ADULT and f.out_of_area:
        return Action(
            ActionCode.NOTIFY_HOME_LOCAL_AUTHORITY,
            None,
            "F-24: a young adult out of area: tell the home local authority (leaving-care or adult "
            "safeguarding) so transitional support can follow.",
        )
    return None


def _notify_force(f: ActionFacts) -> Action | None:
    if not f.out_of_area:
        return None
    if f.treat_as_child:
        return Action(
            ActionCode.NOTIFY_HOME_POLICE_FORCE,
            IMMEDIATELY,
            "F-01, J-01: out of area: notify the home police force at once; its senior specialists lead the "
            "crisis response and it may already know the child.",
        )
    return Action(
        ActionCode.NOTIFY_HOME_POLICE_FORCE,
        None,
        "F-28: out of area: share the incident with the home police force (exploiters and lines).",
    )


def _establish_home_status(f: ActionFacts) -> Action | None:
    if not f.treat_as_child:
        return None
    if not (f.band is AgeBand.UNKNOWN_TREAT_AS_CHILD or f.out_of_area or f.arrested or f.county_lines_linked):
        return None
    unknown = (
        " and the date of birth (age not established)" if f.band is AgeBand.UNKNOWN_TREAT_AS_CHILD else ""
    )
    return Action(
        ActionCode.ESTABLISH_HOME_STATUS,
        None,
        f"J-01, F-03, N-04: establish identity, home local authority and force, and any NRM referral or "
        f"decision{unknown} within this custody period; no source sets an hour figure (today it can take "
        "up to 72 hours, which the report counts as a failure).",
    )


def _refer_to_nrm(f: ActionFacts) -> Action | None:
    if not f.treat_as_child or not (f.presumed or f.county_lines_linked or f.indicators):
        return None
    p = f.profile
    if p.national_rg_target_hours is not None:
        rg = f"the reasonable-grounds decision should follow within {p.national_rg_target_hours} hours"
    elif p.national_rg_target_working_days is not None:
        rg = f"the reasonable-grounds decision aims for {p.national_rg_target_working_days} working days"
    else:
        rg = "no reasonable-grounds target is set"
    return Action(
        ActionCode.REFER_TO_NRM,
        None,
        "R-10, F-01: a suspected child victim must be referred (the threshold is suspicion, not clear "
        f"evidence; not referring needs a recorded reason, R-08); use the local panel where eligible. "
        f"Under the {p.code} profile {rg}.",
    )


def _strategy_meeting(f: ActionFacts) -> Action | None:
    if not f.treat_as_child or not (f.presumed or f.arrested or f.exploitation_concern):
        return None
    return Action(
        ActionCode.STRATEGY_MEETING,
        None,
        "W-1, W-3, R-32: every custody exit for a child, and every missing episode or exploitation "
        "concern, leads to a strategy-meeting request to children's social care.",
    )


def _return_home(f: ActionFacts) -> Action | None:
    if not f.presumed:
        return None
    return Action(
        ActionCode.RETURN_HOME_CRISIS_INTERVENTION,
        f.profile.police_protection_max_hours,
        "R-24(3),(5), F-02, W-5: return to the home area for intensive crisis intervention convened by the "
        "home local authority with senior specialists from the home police force; arrange it within the "
        f"{f.profile.police_protection_max_hours}-hour police-protection maximum (R-35).",
    )


def _bail_not_rui(f: ActionFacts) -> Action | None:
    if not (f.treat_as_child and f.arrested) or f.below_criminal_responsibility:
        return None
    if not (f.county_lines_linked or f.indicators & DEALING_BASE_INDICATORS):
        return None
    return Action(
        ActionCode.BAIL_NOT_RUI,
        None,
        "R-36, F-10: a child arrested in county lines or at a dealing base should not be released under "
        "investigation; bail with conditions set with youth justice (RUI needs an override reason).",
    )


def _cps(f: ActionFacts) -> Action | None:
    # An arrest is for a suspected offence even before one is coded (W-1: presumption -> CPS early
    # advice, F-09), so an arrest counts as much as a recorded offence.
    if not (f.treat_as_child and (f.has_offences or f.arrested)) or f.below_criminal_responsibility:
        return None
    if not (f.presumed or f.county_lines_linked or f.indicators):
        return None
    return Action(
        ActionCode.REQUEST_CPS_EARLY_ADVICE,
        None,
        "F-09: suspected exploitation with an offence or an arrest: ask the CPS for early advice and a joint case "
        "strategy including youth justice (R-06, R-09).",
    )


def _debt(f: ActionFacts) -> Action | None:
    found = f.indicators & DEBT_RISK_INDICATORS
    if not found or f.band is AgeBand.ADULT:
        return None
    return Action(
        ActionCode.DEBT_SAFETY_PLAN,
        None,
        f"R-39, F-31, J-06: {_labels(found)}: the loss becomes a debt to the line that puts the person at "
        "risk of violence and re-exploitation; make a safety plan before release.",
    )


def _missing_crisis(f: ActionFacts) -> Action | None:
    if not (f.treat_as_child and f.missing_crisis):
        return None
    threshold = f.profile.missing_crisis_threshold_days
    return Action(
        ActionCode.MISSING_CRISIS_INTERVENTION,
        None,
        f"R-30, F-14: missing for {f.missing_days} days, at or over the {threshold}-day threshold "
        "('weeks rather than days'): a trigger for crisis intervention.",
    )


def _transitional(f: ActionFacts) -> Action | None:
    if f.band is not AgeBand.YOUNG_ADULT:
        return None
    return Action(
        ActionCode.TRANSITIONAL_SAFEGUARDING,
        None,
        f"F-24, R-28, N-12: aged 18 to {f.profile.young_adult_upper_age_exclusive - 1}: consider "
        "exploitation (a 'no comment' interview does not rule it out), leaving-care support and an "
        "adult NRM referral with consent.",
    )


_RULES: Final[tuple[Callable[[ActionFacts], Action | None], ...]] = (
    _medical,
    _safeguard,
    _notify_la,
    _notify_force,
    _return_home,
    _establish_home_status,
    _missing_crisis,
    _debt,
    _bail_not_rui,
    _refer_to_nrm,
    _strategy_meeting,
    _cps,
    _transitional,
)

_RANK: Final[dict[ActionCode, int]] = {code: rank for rank, code in enumerate(URGENCY_ORDER)}


def urgency_key(action: Action) -> tuple[int, int, int]:
    """Sort key: timed before untimed, soonest first, then :data:`URGENCY_ORDER`."""
    due = action.due_within_hours
    return (due is None, due if due is not None else 0, _RANK[action.code])


def actions_for(facts: ActionFacts) -> tuple[Action, ...]:
    """Every action the facts trigger, ordered by urgency.

    Sources and triggers are listed on each rule and in ``docs/rules-triage.md``. Policy fields:
    ``police_protection_max_hours`` (R-35), ``missing_crisis_threshold_days`` (R-30),
    ``young_adult_upper_age_exclusive`` (F-24), ``national_rg_target_hours`` /
    ``national_rg_target_working_days`` (named in the NRM reason only).
    """
    found = [action for rule in _RULES if (action := rule(facts)) is not None]
    return tuple(sorted(found, key=urgency_key))
