"""The three phases of the crisis response (W-5, R-49, R-50): where a child's joint plan stands.

DOMAIN §4.5: the home local authority convenes the crisis response, which runs in three phases:
(1) a window to exit gang life, (2) medium-term intensive support built on shared intelligence and a
joint plan, (3) longer-term support resting on stronger relationships (R-49, R-51). Closure follows
phase 3, with the risk reassessed.

Read here as the panel's joint plan (the crisis case's record):

* **Phase 1, exit window**: the child is under the panel's oversight (an open panel case) and no
  joint plan is agreed yet: immediate safety, debt threat, placement checks.
* **Phase 2, intensive support**: from the day a joint plan is agreed ("joint plan agreed at panel").
* **Phase 3, longer-term support**: when a review of the plan finds the risk reduced ("risk reduced
  (panel review)"). The review must say so and must not reassess the risk as high [D]: a child still
  at high risk has not stepped down.
* **Escalation (R-50)**: a re-exploitation indicator (a missing episode, a new incident such as an
  arrest, a Safeguarding Order breach) moves a plan in phase 3 back to phase 2, from the day of the
  event; in phase 2 it brings the review forward (``ccehub.rules.escalation``), as before.
* **Closure** from phase 2 because the risk reduced or the direct work is finished is a warning to
  confirm (``ccehub.rules.closure``): W-5 closes after phase 3. Closing for other reasons (turned 18,
  moved area, custody, disengaged) ends the plan whatever its phase.

Pure: no Django, no clock.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final

from ccehub.rules.escalation import TRIGGER_LABELS, TriggerEvent


class Phase(StrEnum):
    EXIT_WINDOW = "exit_window"
    INTENSIVE = "intensive"
    LONGER_TERM = "longer_term"


PHASE_LABELS: Final[dict[Phase, str]] = {
    Phase.EXIT_WINDOW: "Phase 1: exit window",
    Phase.INTENSIVE: "Phase 2: intensive support",
    Phase.LONGER_TERM: "Phase 3: longer-term support",
}

#: W-5: "re-exploitation indicator (missing, arrest, breach) → PHASE_2_INTENSIVE (escalate)".
RE_EXPLOITATION: Final = frozenset(
    {TriggerEvent.MISSING_EPISODE, TriggerEvent.INCIDENT, TriggerEvent.ORDER_BREACH}
)

MSG_STEP_DOWN_NOT_INTENSIVE: Final = (
    "The plan is not in phase 2 (intensive support), so it cannot step down to phase 3"
)
MSG_STEP_DOWN_BEFORE_PHASE: Final = (
    "The review is dated before the plan went back to intensive support on {day}: it cannot step the "
    "plan down"
)
MSG_STEP_DOWN_TRIGGER_OWED: Final = (
    "The review is dated before the event that brought it forward: it cannot step the plan down"
)
MSG_STEP_DOWN_HIGH_RISK: Final = (
    "The risk is reassessed as high: a child still at high risk stays in phase 2 (intensive support)"
)


def phase_of(*, case_open: bool, plan_phase: str | None) -> Phase | None:
    """The phase of a child's crisis response: the open plan's, phase 1 while the case is open with
    no plan, ``None`` when the panel no longer oversees the child."""
    if plan_phase:
        return Phase(plan_phase)
    return Phase.EXIT_WINDOW if case_open else None


def step_down_problems(
    *,
    phase: str,
    risk_level: str,
    reviewed_on: date | None = None,
    phase_since: date | None = None,
    trigger_answered: bool = True,
) -> dict[str, str]:
    """Whether a review may move the plan to phase 3 (field → message; empty when it may).

    A review dated before the plan entered phase 2 (recorded late, before the missing episode or
    arrest that took the plan back to intensive support) did not know of that event, so it cannot
    step the plan down; nor can one dated before the trigger event its review is still owed for."""
    if phase != Phase.INTENSIVE:
        return {"step_down": MSG_STEP_DOWN_NOT_INTENSIVE}
    if risk_level == "high":
        return {"step_down": MSG_STEP_DOWN_HIGH_RISK}
    if reviewed_on is not None and phase_since is not None and reviewed_on < phase_since:
        return {"step_down": MSG_STEP_DOWN_BEFORE_PHASE.format(day=f"{phase_since:%-d %B %Y}")}
    if not trigger_answered:
        return {"step_down": MSG_STEP_DOWN_TRIGGER_OWED}
    return {}


def escalates(*, phase: str, event: TriggerEvent) -> bool:
    """A re-exploitation indicator moves a plan in phase 3 back to phase 2 (R-50, W-5)."""
    return phase == Phase.LONGER_TERM and event in RE_EXPLOITATION


def escalation_reason(event: TriggerEvent, on: date) -> str:
    return f"{TRIGGER_LABELS[event]} on {on:%-d %B %Y}: back to intensive support (W-5, R-50)"


def step_down_reason(reviewed_on: date, risk_level: str) -> str:
    return (
        f"Review on {reviewed_on:%-d %B %Y} found the risk reduced ({risk_level}): longer-term support (W-5)"
    )
