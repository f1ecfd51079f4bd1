"""W-5's start: the crisis response's stages and the order of its steps (pure rules)."""

from __future__ import annotations

from datetime import date, timedelta

from ccehub.rules.crisis import (
    MSG_BEFORE_RETURN,
    MSG_BEFORE_TRIGGER,
    MSG_CLOSE_BEFORE_CONVENED,
    MSG_CLOSE_BEFORE_RETURN,
    MSG_CLOSE_NOTE,
    MSG_CLOSED,
    MSG_CONVENED_CLOSES_AT_PANEL,
    MSG_FUTURE,
    MSG_RETURN_FIRST,
    Stage,
    stage_of,
    step_problems,
)

TODAY = date(2026, 11, 27)
TRIGGERED = date(2026, 11, 20)


def problems(step, on, **kw):
    values = {"returned_on": None, "convened_on": None, "closed_on": None, "note": ""} | kw
    return step_problems(step=step, on=on, today=TODAY, triggered_on=TRIGGERED, **values)


def test_stages_follow_the_dates():
    assert stage_of(returned_on=None, convened_on=None, closed_on=None) is Stage.TRIGGERED
    assert stage_of(returned_on=TRIGGERED, convened_on=None, closed_on=None) is Stage.RETURNED_HOME_AREA
    assert stage_of(returned_on=TRIGGERED, convened_on=TODAY, closed_on=None) is Stage.CONVENED
    assert stage_of(returned_on=None, convened_on=None, closed_on=TODAY) is Stage.CLOSED


def test_the_return_comes_after_the_trigger_and_not_in_the_future():
    assert problems("returned", TRIGGERED) == {}
    assert problems("returned", TRIGGERED - timedelta(days=1)) == {
        "on": MSG_BEFORE_TRIGGER.format(day="20 November 2026")
    }
    assert problems("returned", TODAY + timedelta(days=1)) == {"on": MSG_FUTURE}
    assert "already" in problems("returned", TODAY, returned_on=TRIGGERED)["on"]


def test_convening_needs_the_child_back_first_and_not_before_the_return():
    assert problems("convened", TODAY) == {"on": MSG_RETURN_FIRST}
    back = date(2026, 11, 23)
    assert problems("convened", date(2026, 11, 22), returned_on=back) == {
        "on": MSG_BEFORE_RETURN.format(day="23 November 2026")
    }
    assert problems("convened", back, returned_on=back) == {}


def test_closing_needs_a_reason_only_before_convening_and_not_before_the_return():
    assert problems("closed", TODAY) == {"note": MSG_CLOSE_NOTE}
    assert problems("closed", TODAY, note="Turned 18") == {}  # the trigger was wrong, or he turned 18
    back = date(2026, 11, 23)
    assert problems("closed", date(2026, 11, 22), returned_on=back, note="x") == {
        "on": MSG_CLOSE_BEFORE_RETURN.format(day="23 November 2026")
    }
    # once convened and listed at a panel, the response is the panel's: it closes with the panel case
    assert problems("closed", TODAY, returned_on=back, convened_on=back, note="x", listed=True) == {
        "__all__": MSG_CONVENED_CLOSES_AT_PANEL
    }
    # convened where no panel covers the home authority: nobody else closes it, so the convenor does
    assert problems("closed", TODAY, returned_on=back, convened_on=back, note="Work done") == {}
    assert problems("closed", TODAY, returned_on=back, convened_on=back) == {"note": MSG_CLOSE_NOTE}
    assert problems("closed", back, returned_on=back, convened_on=date(2026, 11, 25), note="x") == {
        "on": MSG_CLOSE_BEFORE_CONVENED.format(day="25 November 2026")
    }
    assert problems("returned", TODAY, closed_on=TODAY) == {"__all__": MSG_CLOSED}
