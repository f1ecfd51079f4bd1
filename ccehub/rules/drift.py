"""Drift between the three processes (criminal, NRM, child protection): where one has stopped, or
runs on as if the others were not there.

Pure: no Django, no clock. The caller reads the facts from the record and passes ``today`` and the
profile's ``drift_days``; this module says which alerts stand and why. The report's central finding
is that the three processes "are normally handled in isolation" (DOMAIN §1.5) and that barriers
between agencies "lead to drift, delay, and agencies not taking responsibility"; the join points
(§4.6) say what each process owes the others. These alerts are the join points that have not
happened.

* **No child-protection response after an arrest** (W-1 "every exit of IN_CUSTODY → ... a CSC
  strategy-meeting request", J-01 "open or attach the W-3 case"): a dated arrest more than
  ``drift_days`` ago with no child-protection step dated on or after its day (a strategy meeting
  held; a child-in-need, child-protection, care or CCE joint plan started; a care or secure
  accommodation order; police protection) and no such plan or care order in place on its day (the
  W-3 case was open to attach it to). Early help, safety plans and youth justice plans are not
  child protection (Michael's early-help routing delayed it). A step with no date answers any
  arrest here; the reader places an undated row on the day it was recorded [D].
* **Criminal process ahead of the NRM** (J-04): an NRM referral awaits its decision while a charge
  goes ahead (charged or in court, not stayed, and no prosecution decision recorded with the NRM
  in view) or a court has convicted or sentenced the child on or after the referral's day. Tom was
  charged and sentenced while a referral awaited its conclusive grounds decision, which came back
  positive after sentence. Charges stayed under J-02 are the system working, not drift.
* **Conclusive grounds long awaited** (national route, N-02; the Q1 2022 median from referral to CG
  was 448 days): a positive RG, no CG, and more than ``drift_days`` since a CG could first be made
  (the day after the recovery period; for a panel referral escalated to the SCA, not before the
  escalation). The local-panel route has its own limit, enforced by the clocks (R-19), so it is
  not drift.
* **No decision after release** (R-36, J-08): an arrest whose recorded outcome is still release
  under investigation or bail, with no charge from it (from the arrest or its incident, or dated on
  or after it), more than ``drift_days`` after the arrest.

``drift_days`` is a policy-profile figure (28 by default), a design choice [D]: the report gives no
number; panels meet monthly (R-16), so a process with nothing recorded for longer than one panel
cycle is drifting. Alerts apply while the person is a child (an unknown date of birth counts as a
child, as in :mod:`ccehub.rules.triggers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final, Literal


class DriftAlert(StrEnum):
    NO_SAFEGUARDING_AFTER_ARREST = "no_safeguarding_after_arrest"
    CRIMINAL_AHEAD_OF_NRM = "criminal_ahead_of_nrm"
    CG_LONG_AWAITED = "cg_long_awaited"
    NO_DECISION_AFTER_RELEASE = "no_decision_after_release"


RULES: Final[dict[DriftAlert, str]] = {
    DriftAlert.NO_SAFEGUARDING_AFTER_ARREST: "J-01",
    DriftAlert.CRIMINAL_AHEAD_OF_NRM: "J-04",
    DriftAlert.CG_LONG_AWAITED: "N-02",
    DriftAlert.NO_DECISION_AFTER_RELEASE: "R-36",
}

#: The process each alert is about (the chronology's process codes).
PROCESS: Final[dict[DriftAlert, str]] = {
    DriftAlert.NO_SAFEGUARDING_AFTER_ARREST: "safeguarding",
    DriftAlert.CRIMINAL_AHEAD_OF_NRM: "criminal",
    DriftAlert.CG_LONG_AWAITED: "nrm",
    DriftAlert.NO_DECISION_AFTER_RELEASE: "criminal",
}

TEXT_NO_SAFEGUARDING: Final = (
    "Arrested on {day}, {days} days ago, with no child-protection plan or order in place then and no "
    "strategy meeting, plan, order or police protection recorded since: every arrest of a child "
    "calls for a strategy meeting with children's social care (J-01)"
)
TEXT_CRIMINAL_AHEAD: Final = (
    "The criminal process is going ahead ({what}) while an NRM referral of {referred} awaits its "
    "{decision} decision: the charging decision and the court should take the referral into account "
    "(J-04; Tom was charged and sentenced while a referral awaited its conclusive-grounds decision, "
    "which came back positive after sentence)"
)
TEXT_CG_LONG: Final = (
    "The conclusive-grounds decision has been awaited {days} days since it could first be made, on "
    "{day}: chase the Single Competent Authority (the national route sets no target; the median from "
    "referral to decision was 448 days in early 2022)"
)
TEXT_NO_DECISION: Final = (
    "{outcome} on {day}, {days} days ago, and no charge or other decision recorded since: a child "
    "left waiting stays exposed to those exploiting them; record the decision (R-36)"
)
#: Plan types that are the child-protection process (W-3); early help, safety plans and youth justice
#: interventions are not.
CHILD_PROTECTION_PLANS: Final = ("child_in_need", "child_protection", "care_plan", "cce_joint_plan")
DECISION_WORDS: Final = {"rg": "reasonable-grounds", "cg": "conclusive-grounds"}
OUTCOME_WORDS: Final = {"rui": "Released under investigation", "bailed": "Bailed"}


def _day(on: date | None) -> str:
    return f"{on:%-d %B %Y}" if on is not None else "a date not recorded"


@dataclass(frozen=True)
class ArrestFact:
    on: date | None
    #: The arrest's recorded outcome code (``rui``, ``bailed``, ``charged``, ``nfa``, ...).
    outcome: str
    #: A charge was recorded from this arrest.
    charged: bool = False


@dataclass(frozen=True)
class OpenReferral:
    """An NRM referral with no conclusive answer yet (no CG, and not a negative RG)."""

    referred_on: date | None
    awaiting: Literal["rg", "cg"]
    #: National route after a positive RG: the first day a CG could be made (the recovery period's
    #: end). None on the local-panel route and while the RG is awaited.
    cg_possible_from: date | None = None


@dataclass(frozen=True)
class DriftFacts:
    #: Under 18 today; None when the date of birth is not known (treated as a child).
    child: bool | None
    arrests: tuple[ArrestFact, ...] = ()
    #: Days of child-protection steps: strategy meetings held, plans started, care and secure
    #: orders, police protection (None: not dated).
    safeguarding_on: tuple[date | None, ...] = ()
    #: Child-protection plans and care orders as (start, end): one in place on an arrest's day
    #: answers it (end None: still in place).
    safeguarding_running: tuple[tuple[date | None, date | None], ...] = ()
    open_referrals: tuple[OpenReferral, ...] = ()
    #: Charges going ahead (charged or in court, not stayed): their days.
    live_charges_on: tuple[date | None, ...] = ()
    #: Court outcomes (conviction, sentence, remand): their days.
    court_outcomes_on: tuple[date | None, ...] = ()


@dataclass(frozen=True)
class Drift:
    code: DriftAlert
    rule: str
    process: str
    text: str
    #: The day the drift is counted from (the arrest, the end of the recovery period, ...).
    since: date | None = None


def _no_safeguarding(facts: DriftFacts, today: date, drift_days: int) -> list[Drift]:
    out = []
    for arrest in sorted({a.on for a in facts.arrests if a.on is not None}):
        days = (today - arrest).days
        if days <= drift_days:
            continue
        if any(step is None or step >= arrest for step in facts.safeguarding_on):
            continue
        if any(
            start is not None and start <= arrest and (end is None or end >= arrest)
            for start, end in facts.safeguarding_running
        ):
            continue
        out.append((arrest, days))
    if not out:
        return []
    # one alert for the latest unanswered arrest: the earlier ones are in the chronology
    arrest, days = out[-1]
    code = DriftAlert.NO_SAFEGUARDING_AFTER_ARREST
    return [
        Drift(
            code, RULES[code], PROCESS[code], TEXT_NO_SAFEGUARDING.format(day=_day(arrest), days=days), arrest
        )
    ]


def _criminal_ahead(facts: DriftFacts) -> list[Drift]:
    if not facts.open_referrals:
        return []
    # the oldest open referral: a court outcome on or after it was decided while it was open
    dated = [r.referred_on for r in facts.open_referrals if r.referred_on is not None]
    first = min(dated) if len(dated) == len(facts.open_referrals) else None
    courts = [on for on in facts.court_outcomes_on if on is None or first is None or on >= first]
    what = []
    if facts.live_charges_on:
        n = len(facts.live_charges_on)
        what.append(f"{n} charge{'s' if n != 1 else ''} going ahead")
    if courts:
        what.append("a court outcome" + (f" on {_day(max(c for c in courts if c))}" if any(courts) else ""))
    if not what:
        return []
    referral = min(facts.open_referrals, key=lambda r: (r.referred_on is not None, r.referred_on or date.min))
    code = DriftAlert.CRIMINAL_AHEAD_OF_NRM
    text = TEXT_CRIMINAL_AHEAD.format(
        what=" and ".join(what),
        referred=_day(referral.referred_on),
        decision=DECISION_WORDS[referral.awaiting],
    )
    since = [on for on in (*facts.live_charges_on, *courts) if on is not None]
    return [Drift(code, RULES[code], PROCESS[code], text, max(since) if since else None)]


def _cg_long(facts: DriftFacts, today: date, drift_days: int) -> list[Drift]:
    waiting = [
        r.cg_possible_from
        for r in facts.open_referrals
        if r.awaiting == "cg"
        and r.cg_possible_from is not None
        and (today - r.cg_possible_from).days > drift_days
    ]
    if not waiting:
        return []
    since = min(waiting)
    code = DriftAlert.CG_LONG_AWAITED
    text = TEXT_CG_LONG.format(days=(today - since).days, day=_day(since))
    return [Drift(code, RULES[code], PROCESS[code], text, since)]


def _no_decision(facts: DriftFacts, today: date, drift_days: int) -> list[Drift]:
    waiting = [
        a
        for a in facts.arrests
        if a.outcome in OUTCOME_WORDS
        and not a.charged
        and a.on is not None
        and (today - a.on).days > drift_days
    ]
    if not waiting:
        return []
    arrest = max(waiting, key=lambda a: a.on or date.min)
    assert arrest.on is not None
    code = DriftAlert.NO_DECISION_AFTER_RELEASE
    text = TEXT_NO_DECISION.format(
        outcome=OUTCOME_WORDS[arrest.outcome], day=_day(arrest.on), days=(today - arrest.on).days
    )
    return [Drift(code, RULES[code], PROCESS[code], text, arrest.on)]


def drift_alerts(facts: DriftFacts, *, today: date, drift_days: int) -> list[Drift]:
    """The drift alerts that stand on the record as of ``today``, one per kind at most."""
    if drift_days < 0:
        raise ValueError("drift_days cannot be negative")
    if facts.child is False:
        return []
    return [
        *_criminal_ahead(facts),
        *_no_safeguarding(facts, today, drift_days),
        *_no_decision(facts, today, drift_days),
        *_cg_long(facts, today, drift_days),
    ]
