"""Versioned policy profiles: every threshold a rule uses, with the date it took effect.

Thresholds change. The NRM recovery period was "at least 45 days" when the report was written and is
30 calendar days in current guidance; local panels could once make only positive conclusive-grounds
decisions and may now make negative ones. Rules never hard-code such figures: they take a
:class:`PolicyProfile` and every decision records ``profile.code`` and ``profile.rule_version``.

Sources (see ``docs/rules.md``):

* ``report-2022`` -- Crest Advisory, *County Lines: Breaking the Cycle* (September 2022), restated in
  DOMAIN.md §2 (R-xx and N-xx references below).
* ``current`` -- Home Office NRM statutory guidance and the devolved child decision-making pilot
  guidance as summarised in DOMAIN.md "Since the report". The 30-day recovery period is in the
  Nationality and Borders Act 2022; its commencement is taken as 30 January 2023 and must be checked
  against the published commencement regulations before production use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

ProfileCode = Literal["report-2022", "current"]

DEFAULT_PROFILE: Final[ProfileCode] = "current"


@dataclass(frozen=True, slots=True)
class PolicyProfile:
    """One dated set of thresholds. Immutable: a change of policy is a new profile or rule version."""

    code: ProfileCode
    title: str
    effective_from: date
    effective_to: date | None
    rule_version: str
    source: str

    # --- First-responder triage -------------------------------------------------------------
    #: R-24: presumed a potential CCE victim when the incident falls on or before the day this many
    #: days before the 18th birthday ("100 days shy ... or younger": exactly 100 days counts).
    presumption_days_before_18: int
    #: Local-panel eligibility (devolved pilot): *more than* this many days before the 18th birthday.
    panel_eligibility_days_before_18: int
    #: R-30 "weeks rather than days": a missing episode this long triggers crisis intervention
    #: (no figure in the report; Q-06 suggests 14 days, configurable).
    missing_crisis_threshold_days: int
    #: R-31 "often and for long periods" (no figures in the report, [D]): at least this many episodes
    #: begun within ``missing_frequent_window_days``, at least one of them lasting
    #: ``missing_long_hours`` or more, flag a heightened risk of CCE.
    missing_frequent_episodes: int
    missing_frequent_window_days: int
    missing_long_hours: int
    #: Serious Violence Strategy 2018 (N-12): young adults to 25; 18-24 get transitional safeguarding.
    young_adult_upper_age_exclusive: int
    #: R-35: police protection lasts at most 72 hours.
    police_protection_max_hours: int
    #: Drift between the processes (rules/drift.py): a step owed by one process and not recorded
    #: this many days on is drift. No figure in the report [D]: one monthly panel cycle (R-16).
    drift_days: int

    # --- NRM clocks (national Single Competent Authority route) -----------------------------
    #: N-01 (report): RG "should" come within 48 hours of referral. ``None`` under ``current``.
    national_rg_target_hours: int | None
    #: Current guidance: RG within 5 working days where possible. ``None`` under ``report-2022``.
    national_rg_target_working_days: int | None
    #: N-02 / current: recovery (reflection) period after a positive RG before a CG may be made.
    recovery_period_days: int

    # --- Local panel route (devolved decision-making pilot / CCE panel) ---------------------
    #: Local panel: RG no later than this many calendar days from referral (``rg_due`` on that
    #: route). Current pilot guidance: 45. The report gives panels no RG target of its own; its only
    #: cap on panel delay is "delays never extend beyond a 45-day maximum" (R-19), which for a
    #: deferral *before* any RG can only run from referral [I] (docs/rules-clocks.md).
    panel_rg_limit_days_from_referral: int
    #: R-19: a deferral never runs past this many days (report: 45-day maximum reflection period,
    #: clock from the RG date, Q-07).
    panel_deferral_limit_days: int
    #: R-18 (report) forbids a negative CG by a local panel; current guidance allows it.
    panel_may_decide_negative_cg: bool
    #: Q-08: the report is silent on negative RG by a panel; current guidance allows it.
    panel_may_decide_negative_rg: bool
    #: R-16: panels meet monthly and hear about five cases.
    panel_cases_per_meeting: int


REPORT_2022: Final = PolicyProfile(
    code="report-2022",
    title="County Lines: Breaking the Cycle (Crest Advisory, 2022)",
    effective_from=date(2021, 6, 1),
    effective_to=date(2023, 1, 29),
    rule_version="2022.1",
    source="Crest Advisory (2022), DOMAIN.md R-16..R-24, R-30, R-35, N-01, N-02",
    presumption_days_before_18=100,
    panel_eligibility_days_before_18=100,
    missing_crisis_threshold_days=14,
    missing_frequent_episodes=3,
    missing_frequent_window_days=90,
    missing_long_hours=24,
    young_adult_upper_age_exclusive=25,
    police_protection_max_hours=72,
    drift_days=28,
    national_rg_target_hours=48,
    national_rg_target_working_days=None,
    recovery_period_days=45,
    panel_rg_limit_days_from_referral=45,
    panel_deferral_limit_days=45,
    panel_may_decide_negative_cg=False,
    panel_may_decide_negative_rg=True,
    panel_cases_per_meeting=5,
)

CURRENT: Final = PolicyProfile(
    code="current",
    title="Current Home Office NRM guidance and devolved decision-making pilot",
    effective_from=date(2023, 1, 30),
    effective_to=None,
    rule_version="2026.1",
    source="NRM statutory guidance; Nationality and Borders Act 2022; devolved pilot guidance "
    "(DOMAIN.md 'Since the report')",
    presumption_days_before_18=100,
    panel_eligibility_days_before_18=100,
    missing_crisis_threshold_days=14,
    missing_frequent_episodes=3,
    missing_frequent_window_days=90,
    missing_long_hours=24,
    young_adult_upper_age_exclusive=25,
    police_protection_max_hours=72,
    drift_days=28,
    national_rg_target_hours=None,
    national_rg_target_working_days=5,
    recovery_period_days=30,
    panel_rg_limit_days_from_referral=45,
    panel_deferral_limit_days=45,
    panel_may_decide_negative_cg=True,
    panel_may_decide_negative_rg=True,
    panel_cases_per_meeting=5,
)

PROFILES: Final[dict[str, PolicyProfile]] = {p.code: p for p in (REPORT_2022, CURRENT)}


class UnknownPolicyError(ValueError):
    """Raised for a policy code that is not one of :data:`PROFILES`."""


def get_profile(code: str | None = None) -> PolicyProfile:
    """The profile named ``code`` (``current`` when ``None``)."""
    key = code or DEFAULT_PROFILE
    try:
        return PROFILES[key]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise UnknownPolicyError(f"unknown policy {key!r} (expected one of: {known})") from None


def profile_in_force(on: date) -> PolicyProfile:
    """The profile in force on ``on``; dates before the earliest profile get the earliest."""
    ordered = sorted(PROFILES.values(), key=lambda p: p.effective_from)
    chosen = ordered[0]
    for profile in ordered:
        if profile.effective_from <= on:
            chosen = profile
    return chosen
