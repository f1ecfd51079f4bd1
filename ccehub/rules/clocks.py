"""NRM clocks: when a reasonable-grounds (RG) and a conclusive-grounds (CG) decision are due.

Pure rules: every function takes its dates as arguments (never ``today()``) and a
:class:`~ccehub.rules.policy.PolicyProfile` holding the figures; nothing here is hard-coded.
Full write-up, sources and worked examples: ``docs/rules-clocks.md``.

Two routes, two profiles:

========================  ===========================================  ==================================
clock                     ``current``                                  ``report-2022``
========================  ===========================================  ==================================
``rg_due`` national       5 working days after referral, counting      referral date + 2 days ("48 hours",
                          from the next working day (E&W holidays)     N-01; dates only)
``rg_due`` local panel    referral + 45 calendar days (pilot guidance) referral + 45 days [I] (R-19)
``earliest_cg`` national  positive RG + 30 days (recovery period)      positive RG + 45 days (N-02)
``earliest_cg`` panel     positive RG date (CG at the same meeting)    positive RG date (R-17)
deferral limit (panel)    positive RG + 45 days (R-19, Q-07)           positive RG + 45 days
========================  ===========================================  ==================================

Interpretations (the ambiguous points):

* **earliest_cg** is the first day a CG may be made: the positive RG date plus the recovery period
  on the national route; the RG date itself on the local-panel route, where the pilot lets the CG be
  made at the same meeting. It is ``None`` while no RG has been made and after a negative RG (there
  is no CG to make).
* **decision_deadline** is the date by which the *next outstanding* decision is due, or ``None``
  when nothing is due by a date: ``rg_due`` while awaiting the RG; on the local-panel route after a
  positive RG, the deferral limit (positive RG + 45 days: a CG not made at the RG meeting is in
  effect deferred, and R-19 says deferral never runs past 45 days, clock from the RG date per Q-07);
  on the national route after a positive RG, ``None`` -- the recovery period is a minimum, not a
  deadline, and neither profile sets a CG target ("no target for the CG decision"); ``None`` once
  concluded.
* **overdue** lists the deadlines that have passed (``as_of`` strictly after them) with the decision
  still missing: ``rg`` when ``rg_due`` has passed with no RG; ``cg`` when the CG's deadline has
  passed with no CG and ``deferral`` when that deadline is a deferral limit that must be escalated.
  On the local-panel route the CG deadline *is* the deferral limit, so ``cg`` and ``deferral``
  appear together; the national route never has a CG deadline. A decision made late is not
  overdue (it is a timeliness statistic, not an open action).
* **escalation_due** (API only, not in the command's output) is true on the local-panel route from
  the ``decision_deadline`` day itself while the decision is outstanding: R-19 "escalates on day 45"
  (DOMAIN §4.2.2 "[today = deadline ...] -> ESCALATED_TO_SCA"). ``overdue`` follows a day later,
  because a decision made on the deadline is on time.
* **stage** ``recovery_period`` means a positive RG and ``as_of`` before ``earliest_cg``; it can
  happen only on the national route. A negative RG concludes the referral negative.
* A decision dated after ``as_of`` is refused rather than ignored: a clock "as of" a date must not
  know the future, and a future-dated decision is far more often a typing error.
* A national CG dated before ``earliest_cg`` is refused (N-02: no CG within the recovery period)
  unless it carries an override reason (:attr:`Decision.recovery_override_reason`, not blank): the
  Home Office sometimes does decide early, and ccehub records what happened. The clock then says so
  (:attr:`ClockState.cg_recovery_override`). A reason on any other decision is refused, so that it
  always means "made inside the recovery period". Under ``report-2022`` a negative CG by a local
  panel is refused (R-18: it goes to the SCA).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, get_args

from ccehub.rules.calendar import MSG_OUTSIDE_HOLIDAY_RANGE, OutsideHolidayRangeError, add_working_days
from ccehub.rules.policy import PROFILES, PolicyProfile, ProfileCode, get_profile

Route = Literal["national", "local_panel"]
Outcome = Literal["positive", "negative"]
Stage = Literal["awaiting_rg", "recovery_period", "awaiting_cg", "concluded_positive", "concluded_negative"]
OverdueCode = Literal["rg", "cg", "deferral"]

ROUTES: Final[tuple[Route, ...]] = get_args(Route)
OUTCOMES: Final[tuple[Outcome, ...]] = get_args(Outcome)
STAGES: Final[tuple[Stage, ...]] = get_args(Stage)
OVERDUE_CODES: Final[tuple[OverdueCode, ...]] = get_args(OverdueCode)

# --- Messages a user can see (tests assert on them) ---------------------------------------------
MSG_UNKNOWN_ROUTE: Final = "unknown route (expected national or local_panel)"
MSG_UNKNOWN_POLICY: Final = "unknown policy (expected " + " or ".join(sorted(PROFILES)) + ")"
MSG_AS_OF_BEFORE_REFERRAL: Final = "as_of is before referral_date"
MSG_CG_WITHOUT_RG: Final = "a conclusive-grounds decision needs a reasonable-grounds decision first"
MSG_CG_AFTER_NEGATIVE_RG: Final = (
    "a conclusive-grounds decision needs a positive reasonable-grounds decision"
    " (a negative reasonable-grounds decision concludes the referral)"
)
MSG_DECISION_BEFORE_REFERRAL: Final = "decision is dated before referral_date"
MSG_DECISION_AFTER_AS_OF: Final = "decision is dated after as_of"
MSG_CG_BEFORE_RG: Final = "conclusive-grounds decision is dated before the reasonable-grounds decision"
MSG_CG_IN_RECOVERY_PERIOD: Final = (
    "a national conclusive-grounds decision cannot be made before the recovery period ends"
)
MSG_OVERRIDE_NOT_NEEDED: Final = (
    "a recovery-period override reason is only for a national conclusive-grounds decision dated"
    " before earliest_cg"
)
MSG_PANEL_NEGATIVE_CG: Final = (
    "under this policy a local panel cannot make a negative conclusive-grounds decision"
    " (R-18: it goes to the Single Competent Authority)"
)
MSG_PANEL_NEGATIVE_RG: Final = (
    "under this policy a local panel cannot make a negative reasonable-grounds decision"
)
MSG_CLOCK_PAST_LAST_DATE: Final = (
    f"the clocks from this date would run past {date.max.isoformat()}, the last date that can be held"
)


class ClockInputError(ValueError):
    """Facts that cannot describe a real referral, naming the offending input field.

    Attributes:
        field: dotted input name, e.g. ``"cg_decision.date"`` (the CLI's field names).
        message: one of this module's ``MSG_*`` constants (or the calendar's).
        detail: optional specifics (dates) appended for the reader.
    """

    def __init__(self, field: str, message: str, detail: str = "") -> None:
        self.field = field
        self.message = message
        self.detail = detail
        super().__init__(f"{field}: {message}" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True, slots=True)
class Decision:
    """An RG or CG decision: the day it was made, its outcome and, for a national CG made inside the
    recovery period (N-02 override), why. Only whether the reason is blank matters to the rules."""

    decided_on: date
    outcome: Outcome
    recovery_override_reason: str = ""

    @property
    def positive(self) -> bool:
        return self.outcome == "positive"

    @property
    def overridden(self) -> bool:
        """An override reason was given (whitespace alone is no reason)."""
        return bool(self.recovery_override_reason.strip())


@dataclass(frozen=True, slots=True)
class ClockState:
    """Every NRM clock of one referral as of one date, and the profile that produced it."""

    route: Route
    policy: ProfileCode
    rule_version: str
    referral_date: date
    as_of: date
    rg_due: date
    earliest_cg: date | None
    decision_deadline: date | None
    deferral_deadline: date | None
    stage: Stage
    overdue: tuple[OverdueCode, ...]
    #: Local-panel route only: the panel's limit (``decision_deadline``) has been reached with the
    #: decision still outstanding, so the case goes to the SCA today (R-19 "escalates on day 45";
    #: DOMAIN §4.2.2 "[today = deadline AND no positive-CG consensus] -> ESCALATED_TO_SCA"). True from
    #: the deadline day itself, one day before ``overdue`` (a decision *on* the deadline is on time).
    escalation_due: bool = False
    #: National route only: the CG was made inside the recovery period (before ``earliest_cg``) and
    #: let through by the N-02 override, with a reason. Reports and timeliness can tell these apart.
    cg_recovery_override: bool = False


def _profile(profile: PolicyProfile | str) -> PolicyProfile:
    if isinstance(profile, PolicyProfile):
        return profile
    if profile not in PROFILES:
        raise ClockInputError("policy", MSG_UNKNOWN_POLICY, repr(profile))
    return get_profile(profile)


def _check_route(route: str) -> Route:
    for known in ROUTES:
        if route == known:
            return known
    raise ClockInputError("route", MSG_UNKNOWN_ROUTE, repr(route))


def rg_due_date(route: Route, profile: PolicyProfile, referral_date: date) -> date:
    """Date by which the RG decision is due.

    National route: ``current`` counts ``national_rg_target_working_days`` England and Wales working
    days from the next working day after referral (current NRM guidance, "within 5 working days");
    ``report-2022`` adds ``national_rg_target_hours`` (48 h, N-01) rounded up to whole days, since
    only dates are known. Local panel: referral + ``panel_rg_limit_days_from_referral`` calendar
    days (current pilot guidance: "no later than 45 days from referral"; report-2022: R-19 [I]).

    Raises:
        OutsideHolidayRangeError: working days are needed beyond the offline holiday list.
    """
    if route == "local_panel":
        return referral_date + timedelta(days=profile.panel_rg_limit_days_from_referral)
    if profile.national_rg_target_working_days is not None:
        return add_working_days(referral_date, profile.national_rg_target_working_days)
    if profile.national_rg_target_hours is not None:
        return referral_date + timedelta(days=math.ceil(profile.national_rg_target_hours / 24))
    raise ValueError(f"profile {profile.code!r} sets no national RG target")  # pragma: no cover


def earliest_cg_date(route: Route, profile: PolicyProfile, rg: Decision | None) -> date | None:
    """First day a CG decision may be made; ``None`` without a positive RG.

    National: positive RG + ``recovery_period_days`` (current 30, report-2022 45; N-02). Local panel:
    the positive RG date, because the CG may be made at the same meeting (R-17, pilot guidance).
    """
    if rg is None or not rg.positive:
        return None
    if route == "local_panel":
        return rg.decided_on
    return rg.decided_on + timedelta(days=profile.recovery_period_days)


def cg_inside_recovery_period(
    route: Route, profile: PolicyProfile, rg: Decision | None, cg: Decision | None
) -> bool:
    """Whether a national CG is dated before ``earliest_cg``, i.e. inside the recovery period (N-02).

    Always false on the local-panel route (its ``earliest_cg`` is the RG date, and a CG before the
    RG is refused for that reason), without a CG, and without a positive RG.
    """
    if route != "national" or cg is None:
        return False
    earliest = earliest_cg_date(route, profile, rg)
    return earliest is not None and cg.decided_on < earliest


def deferral_deadline_date(route: Route, profile: PolicyProfile, rg: Decision | None) -> date | None:
    """Last day a local panel may defer its CG decision: positive RG + ``panel_deferral_limit_days``.

    R-19: "delays never extend beyond a 45-day maximum reflection period"; the clock starts at the
    RG date (Q-07, recommended handling). ``None`` on the national route or without a positive RG.
    """
    if route != "local_panel" or rg is None or not rg.positive:
        return None
    return rg.decided_on + timedelta(days=profile.panel_deferral_limit_days)


def check_decisions(
    route: Route,
    profile: PolicyProfile,
    referral_date: date,
    rg: Decision | None,
    cg: Decision | None,
    as_of: date,
) -> None:
    """Refuse facts that cannot describe a real referral under ``profile``.

    Raises:
        ClockInputError: naming the first offending field.
    """
    if as_of < referral_date:
        raise ClockInputError("as_of", MSG_AS_OF_BEFORE_REFERRAL, f"{as_of} < {referral_date}")
    _check_in_range("referral_date", referral_date, _rg_calendar_days(route, profile))
    if rg is not None:
        _check_dated("rg_decision", rg, referral_date, as_of)
        if rg.positive:
            days = (
                profile.panel_deferral_limit_days if route == "local_panel" else profile.recovery_period_days
            )
            _check_in_range("rg_decision.date", rg.decided_on, days)
        if rg.overridden:
            raise ClockInputError("rg_decision.recovery_override_reason", MSG_OVERRIDE_NOT_NEEDED)
        if route == "local_panel" and not rg.positive and not profile.panel_may_decide_negative_rg:
            raise ClockInputError("rg_decision.outcome", MSG_PANEL_NEGATIVE_RG, f"policy {profile.code}")
    if cg is None:
        return
    if rg is None:
        raise ClockInputError("cg_decision", MSG_CG_WITHOUT_RG)
    if not rg.positive:
        raise ClockInputError("cg_decision", MSG_CG_AFTER_NEGATIVE_RG)
    _check_dated("cg_decision", cg, referral_date, as_of)
    if cg.decided_on < rg.decided_on:
        raise ClockInputError("cg_decision.date", MSG_CG_BEFORE_RG, f"{cg.decided_on} < {rg.decided_on}")
    inside = cg_inside_recovery_period(route, profile, rg, cg)
    if inside and not cg.overridden:
        raise ClockInputError(
            "cg_decision.date",
            MSG_CG_IN_RECOVERY_PERIOD,
            f"earliest_cg is {earliest_cg_date(route, profile, rg)}, policy {profile.code}",
        )
    if cg.overridden and not inside:
        raise ClockInputError(
            "cg_decision.recovery_override_reason",
            MSG_OVERRIDE_NOT_NEEDED,
            f"earliest_cg is {earliest_cg_date(route, profile, rg)}, route {route}",
        )
    if route == "local_panel" and not cg.positive and not profile.panel_may_decide_negative_cg:
        raise ClockInputError("cg_decision.outcome", MSG_PANEL_NEGATIVE_CG, f"policy {profile.code}")


def _rg_calendar_days(route: Route, profile: PolicyProfile) -> int:
    """Calendar days from referral to ``rg_due`` (0 when the RG clock counts working days, which the
    holiday range bounds long before the last date)."""
    if route == "local_panel":
        return profile.panel_rg_limit_days_from_referral
    if profile.national_rg_target_working_days is None and profile.national_rg_target_hours is not None:
        return math.ceil(profile.national_rg_target_hours / 24)
    return 0


def _check_in_range(field: str, start: date, days: int) -> None:
    """Refuse a date whose clock would end after ``date.max`` (9999-12-31): invalid input, not a crash."""
    if (date.max - start).days < days:
        raise ClockInputError(field, MSG_CLOCK_PAST_LAST_DATE, f"{start} + {days} days")


def _check_dated(name: str, decision: Decision, referral_date: date, as_of: date) -> None:
    if decision.decided_on < referral_date:
        raise ClockInputError(
            f"{name}.date", MSG_DECISION_BEFORE_REFERRAL, f"{decision.decided_on} < {referral_date}"
        )
    if decision.decided_on > as_of:
        raise ClockInputError(f"{name}.date", MSG_DECISION_AFTER_AS_OF, f"{decision.decided_on} > {as_of}")


def stage_of(rg: Decision | None, cg: Decision | None, earliest_cg: date | None, as_of: date) -> Stage:
    """Where the referral stands on ``as_of`` (inputs already checked)."""
    if rg is None:
        return "awaiting_rg"
    if not rg.positive:
        return "concluded_negative"
    if cg is not None:
        return "concluded_positive" if cg.positive else "concluded_negative"
    if earliest_cg is not None and as_of < earliest_cg:
        return "recovery_period"
    return "awaiting_cg"


def nrm_clock(
    route: Route | str,
    profile: PolicyProfile | str,
    referral_date: date,
    rg: Decision | None,
    cg: Decision | None,
    as_of: date,
) -> ClockState:
    """All NRM clocks for one referral as of ``as_of``.

    Args:
        route: ``"national"`` (Single Competent Authority) or ``"local_panel"`` (devolved pilot).
        profile: a policy profile or its code (``"current"``, ``"report-2022"``).
        referral_date: the day the referral was made.
        rg: the reasonable-grounds decision, if made.
        cg: the conclusive-grounds decision, if made; a national one dated inside the recovery
            period needs a ``recovery_override_reason`` (N-02 override).
        as_of: the day the clocks are read (never defaulted to today: rules are pure).

    Raises:
        ClockInputError: inconsistent facts, an unknown route, or dates outside the offline
            bank-holiday range (field ``referral_date``).
    """
    checked_route = _check_route(route)
    policy = _profile(profile)
    check_decisions(checked_route, policy, referral_date, rg, cg, as_of)
    try:
        rg_due = rg_due_date(checked_route, policy, referral_date)
    except OutsideHolidayRangeError as exc:
        raise ClockInputError(
            "referral_date",
            MSG_OUTSIDE_HOLIDAY_RANGE,
            f"the {policy.code} RG clock needs working days up to {exc.day};"
            f" the holiday list covers {exc.first} to {exc.last}",
        ) from None
    earliest_cg = earliest_cg_date(checked_route, policy, rg)
    deferral_deadline = deferral_deadline_date(checked_route, policy, rg)
    stage = stage_of(rg, cg, earliest_cg, as_of)

    decision_deadline: date | None
    overdue: list[OverdueCode] = []
    if stage == "awaiting_rg":
        decision_deadline = rg_due
        if as_of > rg_due:
            overdue.append("rg")
    elif stage in ("recovery_period", "awaiting_cg"):
        # Only a deferral limit puts a date on the CG; the national route has no CG target.
        decision_deadline = deferral_deadline
        if deferral_deadline is not None and as_of > deferral_deadline:
            overdue.extend(("cg", "deferral"))
    else:
        decision_deadline = None
    escalation_due = (
        checked_route == "local_panel" and decision_deadline is not None and as_of >= decision_deadline
    )

    return ClockState(
        route=checked_route,
        policy=policy.code,
        rule_version=policy.rule_version,
        referral_date=referral_date,
        as_of=as_of,
        rg_due=rg_due,
        earliest_cg=earliest_cg,
        decision_deadline=decision_deadline,
        deferral_deadline=deferral_deadline,
        stage=stage,
        overdue=tuple(overdue),
        escalation_due=escalation_due,
        cg_recovery_override=cg is not None and cg.overridden,
    )
