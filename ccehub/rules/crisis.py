"""The start of the crisis response (W-5, F-01, R-30, R-49): triggered, the child back in the home
area, the home local authority convenes, closed.

DOMAIN §4.5: a 100-day presumption arrest (F-01), a missing episode at the crisis threshold (R-30), a
panel's pre-arrest concern (R-22) or a placement in a new area triggers the crisis response; the
importing force's role narrows once the child is back in the home area; the home local authority
convenes the response (home police, children's social care, YOT, health, family, child), which is then
listed at the CCE panel, where the three phases run (``ccehub.rules.phases``).

A response is closed by its convenor before it is convened (the trigger was wrong, the child turned
18 or moved away); once convened and listed at a CCE panel it is the panel's, and closes with the
panel case. A response convened where no CCE panel covers the home authority is not listed anywhere,
so its convenor closes it.

Pure: dates are arguments.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Final


class Trigger(StrEnum):
    PRESUMPTION_ARREST = "presumption_arrest"
    MISSING_CRISIS = "missing_crisis"
    PRE_ARREST_CONCERN = "pre_arrest_concern"
    NEW_AREA_PLACEMENT = "new_area_placement"


TRIGGER_LABELS: Final[dict[Trigger, str]] = {
    Trigger.PRESUMPTION_ARREST: "Arrest within the 100-day presumption (F-01)",
    Trigger.MISSING_CRISIS: "Missing for weeks (R-30)",
    Trigger.PRE_ARREST_CONCERN: "Concern before any arrest (R-22)",
    Trigger.NEW_AREA_PLACEMENT: "Placed in a new area (R-44)",
}


class Stage(StrEnum):
    TRIGGERED = "triggered"
    RETURNED_HOME_AREA = "returned_home_area"
    CONVENED = "convened"
    CLOSED = "closed"


STAGE_LABELS: Final[dict[Stage, str]] = {
    Stage.TRIGGERED: "Triggered: return the child to the home area",
    Stage.RETURNED_HOME_AREA: "Back in the home area: the home local authority convenes",
    Stage.CONVENED: "Convened by the home local authority",
    Stage.CLOSED: "Closed",
}

MSG_FUTURE: Final = "The date cannot be in the future"
MSG_BEFORE_TRIGGER: Final = "The date cannot be before the crisis response was triggered on {day}"
MSG_BEFORE_RETURN: Final = (
    "The response cannot be convened before the child was back in the home area on {day}"
)
MSG_RETURN_FIRST: Final = "Record that the child is back in the home area before convening the response"
MSG_ALREADY: Final = "This is already recorded on {day}"
MSG_CONVENED_CLOSES_AT_PANEL: Final = (
    "Once convened, the response closes with the panel case (W-5: after phase 3, with the panel's approval)"
)
MSG_CLOSE_BEFORE_RETURN: Final = (
    "The response cannot close before the child was back in the home area on {day}"
)
MSG_CLOSE_BEFORE_CONVENED: Final = "The response cannot close before it was convened on {day}"
MSG_CLOSED: Final = "The crisis response is closed"
MSG_CLOSE_NOTE: Final = "Say why the crisis response is closing"


def stage_of(*, returned_on: date | None, convened_on: date | None, closed_on: date | None) -> Stage:
    if closed_on is not None:
        return Stage.CLOSED
    if convened_on is not None:
        return Stage.CONVENED
    if returned_on is not None:
        return Stage.RETURNED_HOME_AREA
    return Stage.TRIGGERED


def step_problems(
    *,
    step: str,
    on: date,
    today: date,
    triggered_on: date,
    returned_on: date | None,
    convened_on: date | None,
    closed_on: date | None,
    note: str = "",
    listed: bool = False,
) -> dict[str, str]:
    """Whether ``step`` (``returned``, ``convened`` or ``closed``) may be recorded on ``on``.

    ``listed``: the response is listed at a CCE panel (a panel case), which then closes it."""
    day = f"{triggered_on:%-d %B %Y}"
    if closed_on is not None:
        return {"__all__": MSG_CLOSED}
    if on > today:
        return {"on": MSG_FUTURE}
    if on < triggered_on:
        return {"on": MSG_BEFORE_TRIGGER.format(day=day)}
    if step == "returned" and returned_on is not None:
        return {"on": MSG_ALREADY.format(day=f"{returned_on:%-d %B %Y}")}
    if step == "convened":
        if convened_on is not None:
            return {"on": MSG_ALREADY.format(day=f"{convened_on:%-d %B %Y}")}
        if returned_on is None:
            return {"on": MSG_RETURN_FIRST}
        if on < returned_on:
            return {"on": MSG_BEFORE_RETURN.format(day=f"{returned_on:%-d %B %Y}")}
    if step == "closed":
        # before convening (the trigger was wrong, the child turned 18 or moved away): a convened
        # response listed at a panel is the panel's, and closes with the panel case
        if convened_on is not None and listed:
            return {"__all__": MSG_CONVENED_CLOSES_AT_PANEL}
        if convened_on is not None and on < convened_on:
            return {"on": MSG_CLOSE_BEFORE_CONVENED.format(day=f"{convened_on:%-d %B %Y}")}
        if returned_on is not None and on < returned_on:
            return {"on": MSG_CLOSE_BEFORE_RETURN.format(day=f"{returned_on:%-d %B %Y}")}
        if not note.strip():
            return {"note": MSG_CLOSE_NOTE}
    return {}
