"""F-20: the placement suitability checker, R-41 to R-45, and the W-5 new-area trigger (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.placement import (
    ASSUMED_HIGH,
    END_REASONS,
    MSG_ALREADY_ENDED,
    MSG_AT_DISTANCE,
    MSG_DISTANCE_NEEDED,
    MSG_END_FUTURE,
    MSG_END_NOTE,
    MSG_END_REASON,
    MSG_INTEL_NEEDED,
    MSG_INTEL_UNSUITABLE_HIGH,
    MSG_NOTE_FOR_UNSUITABLE,
    MSG_WISH_UNTICKED,
    MSG_WISH_WORDS,
    WARN_INTEL_UNSUITABLE,
    WARN_NEW_AREA,
    WARN_WISH,
    PlacementFacts,
    at_distance,
    check_placement,
    custody_check_due,
    end_problems,
    miles_text,
)

START = date(2026, 11, 27)


def facts(**kw):
    values = {
        "setting_type": "foster",
        "setting_label": "Foster care",
        "risk_level": "high",
        "starts_on": START,
        "distance_miles": Decimal("3"),
        "in_home_area": True,
        "intel_outcome": "suitable",
    } | kw
    return PlacementFacts(**values)


def test_a_local_foster_placement_with_intelligence_is_fine():
    check = check_placement(facts())
    assert check.allowed and check.warnings == () and not check.new_area
    assert check.health_support_due_on is None and not check.triggers_crisis


@pytest.mark.parametrize(
    ("setting", "label"),
    [
        ("unregistered", "Unregistered setting"),
        ("semi_independent", "Semi-independent"),
        ("holiday_let", "Short-term holiday let"),  # an unregistered setting (John's holiday lets)
    ],
)
def test_banned_settings_at_high_risk_with_no_override(setting, label):
    check = check_placement(
        facts(setting_type=setting, setting_label=label, express_wish=True, express_wish_words="I want to")
    )
    assert "setting_type" in check.problems and "R-43" in check.problems["setting_type"]
    assert check_placement(facts(setting_type=setting, setting_label=label, risk_level="medium")).allowed


@pytest.mark.parametrize(("miles", "far"), [("19.9", False), ("20", True), ("20.0", True), ("120", True)])
def test_twenty_miles_or_more_is_at_distance(miles, far):
    assert at_distance(Decimal(miles)) is far
    check = check_placement(facts(distance_miles=Decimal(miles), in_home_area=False))
    if far:
        assert check.problems["distance_miles"] == MSG_AT_DISTANCE.format(
            miles=miles_text(Decimal(miles)), assumed=""
        )
    else:
        assert "distance_miles" not in check.problems


def test_the_express_wish_allows_distance_only_with_the_young_persons_words():
    no_words = check_placement(facts(distance_miles=Decimal("45"), in_home_area=False, express_wish=True))
    assert no_words.problems == {"express_wish_words": MSG_WISH_WORDS}
    wished = check_placement(
        facts(
            distance_miles=Decimal("45"),
            in_home_area=False,
            express_wish=True,
            express_wish_words="I want to live near my nan in Margate",
        )
    )
    assert wished.allowed and WARN_WISH in wished.warnings and WARN_NEW_AREA in wished.warnings
    assert wished.health_support_due_on == START and wished.triggers_crisis


def test_at_medium_risk_distance_is_allowed_but_the_new_area_still_counts():
    check = check_placement(facts(risk_level="medium", distance_miles=Decimal("60"), in_home_area=False))
    assert check.allowed and check.new_area and not check.triggers_crisis
    assert check.health_support_due_on == START


def test_at_high_risk_the_distance_is_always_needed():
    needed = {"distance_miles": MSG_DISTANCE_NEEDED.format(assumed="")}
    assert check_placement(facts(distance_miles=None, in_home_area=False)).problems == needed
    assert check_placement(facts(distance_miles=None, in_home_area=None)).problems == needed
    # a county's own area can be more than 20 miles across: "in the home area" does not settle R-41
    assert check_placement(facts(distance_miles=None, in_home_area=True)).problems == needed
    assert check_placement(facts(distance_miles=None, in_home_area=True, risk_level="low")).allowed


def test_an_area_not_known_counts_as_new_for_health_support():
    check = check_placement(facts(in_home_area=None, risk_level="medium"))
    assert check.new_area and check.health_support_due_on == START and not check.triggers_crisis


def test_a_risk_not_assessed_is_checked_as_high_but_opens_no_crisis():
    banned = check_placement(
        facts(risk_level="not_assessed", setting_type="unregistered", setting_label="Unregistered setting")
    )
    assert banned.problems["setting_type"].endswith(ASSUMED_HIGH)
    far = check_placement(
        facts(
            risk_level="not_assessed",
            distance_miles=Decimal("30"),
            in_home_area=False,
            express_wish=True,
            express_wish_words="Near my mum",
        )
    )
    assert far.allowed and far.new_area and not far.triggers_crisis


def test_a_court_decides_secure_accommodation_and_custody():
    for setting in ("secure", "custody"):
        check = check_placement(
            facts(
                setting_type=setting,
                setting_label=setting,
                intel_outcome="not_checked",
                distance_miles=Decimal("140"),
                in_home_area=False,
            )
        )
        assert check.allowed and check.new_area and check.health_support_due_on == START


def test_the_wish_in_words_needs_the_box_ticked():
    check = check_placement(facts(express_wish_words="Near my nan"))
    assert check.problems == {"express_wish": MSG_WISH_UNTICKED}


def test_police_intelligence_is_needed_and_unsuitable_refuses_at_high_risk():
    assert check_placement(facts(intel_outcome="not_checked")).problems == {"intel_outcome": MSG_INTEL_NEEDED}
    assert check_placement(facts(intel_outcome="unsuitable")).problems == {
        "intel_outcome": MSG_INTEL_UNSUITABLE_HIGH
    }
    medium = check_placement(facts(intel_outcome="unsuitable", risk_level="medium"))
    assert medium.problems == {"notes": MSG_NOTE_FOR_UNSUITABLE}  # the disagreement, in the notes (F-32)
    medium = check_placement(
        facts(
            intel_outcome="unsuitable",
            risk_level="medium",
            notes="Police view noted; the panel agreed the carers are the safest option",
        )
    )
    assert medium.allowed and medium.warnings == (WARN_INTEL_UNSUITABLE,)
    # a court decides secure accommodation and custody: no placement choice to inform
    assert check_placement(
        facts(setting_type="secure", setting_label="Secure accommodation", intel_outcome="not_checked")
    ).allowed


@given(
    setting=st.sampled_from(
        ["family", "foster", "unregistered", "semi_independent", "holiday_let", "secure"]
    ),
    risk=st.sampled_from(["not_assessed", "low", "medium", "high"]),
    miles=st.one_of(st.none(), st.decimals(min_value=0, max_value=500, places=1)),
    home=st.sampled_from([True, False, None]),
    wish=st.booleans(),
    intel=st.sampled_from(["not_checked", "suitable", "unsuitable"]),
)
def test_a_high_risk_child_is_never_placed_banned_or_far_without_a_wish(
    setting, risk, miles, home, wish, intel
):
    check = check_placement(
        facts(
            setting_type=setting,
            setting_label=setting,
            risk_level=risk,
            distance_miles=miles,
            in_home_area=home,
            express_wish=wish,
            express_wish_words="words" if wish else "",
            intel_outcome=intel,
            notes="why it goes ahead",
        )
    )
    if check.allowed and risk in ("high", "not_assessed"):  # not assessed is checked as high
        assert setting not in {"unregistered", "semi_independent", "holiday_let"}
        assert not at_distance(miles) or wish or setting == "secure"  # a court decides secure
        assert miles is not None or setting == "secure"
    if check.allowed and setting != "secure":
        assert intel != "not_checked"
    assert check.triggers_crisis == (check.new_area and risk == "high")
    assert check.new_area == (home is not True or at_distance(miles))


@pytest.mark.parametrize(
    ("miles", "text"), [("85.0", "85"), ("12.5", "12.5"), ("20", "20"), ("100.0", "100")]
)
def test_miles_as_people_write_them(miles, text):
    assert miles_text(Decimal(miles)) == text


# --- J-11: the placement breakdown check after custody; ending a placement (E-21) ---------------


_START = date(2026, 3, 1)


def _at(day, hour=12):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _due(**kw):
    values = {
        "setting_type": "foster",
        "started_on": _START,
        "ended": False,
        "kept_at": None,
        "custody": ((date(2026, 4, 1), _at(date(2026, 4, 1))),),
        "today": date(2026, 12, 1),
    } | kw
    return custody_check_due(**values)


def _on(*days):
    return tuple((day, _at(day)) for day in days)


def test_a_remand_or_custodial_sentence_during_a_placement_calls_for_the_check():
    assert _due() == date(2026, 4, 1)
    assert _due(custody=_on(date(2026, 2, 1))) is None  # before the placement
    assert _due(custody=_on(_START)) == _START  # the day it started
    assert _due(custody=()) is None
    assert _due(ended=True) is None
    assert _due(started_on=None) is None
    assert _due(custody=_on(date(2026, 12, 2))) is None  # not yet (an import's future date)
    for court in ("secure", "custody"):
        assert _due(setting_type=court) is None  # already where the court put them


def test_keeping_the_placement_answers_what_was_recorded_before_and_a_later_record_asks_again():
    days = _on(date(2026, 4, 1), date(2026, 6, 1))
    assert _due(custody=days) == date(2026, 4, 1)
    assert _due(custody=days, kept_at=_at(date(2026, 4, 2))) == date(2026, 6, 1)
    assert _due(custody=days, kept_at=_at(date(2026, 6, 2))) is None
    # a sentence given on 8 April but recorded on 12 April, after a keep on 10 April: asked again
    late = ((date(2026, 4, 8), _at(date(2026, 4, 12))),)
    assert _due(custody=_on(date(2026, 4, 1)) + late, kept_at=_at(date(2026, 4, 10))) == date(2026, 4, 8)


@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 300)), max_size=5),
    st.one_of(st.none(), st.integers(0, 300)),
)
def test_a_due_day_is_never_before_the_start_nor_recorded_before_the_keep(outcomes, kept):
    base = date(2026, 1, 1)
    custody = tuple(
        (base + timedelta(days=day), _at(base + timedelta(days=day + lag))) for day, lag in outcomes
    )
    kept_at = _at(base + timedelta(days=kept), 13) if kept is not None else None
    due = _due(custody=custody, kept_at=kept_at, started_on=_START, today=date(2027, 12, 31))
    if due is not None:
        assert due >= _START
        assert any(day == due and (kept_at is None or at > kept_at) for day, at in custody)
    else:
        assert all(day < _START or (kept_at is not None and at <= kept_at) for day, at in custody)


@pytest.mark.parametrize(
    ("kw", "field", "message"),
    [
        ({"ended_on": date(2026, 5, 2)}, "ended_on", MSG_END_FUTURE),
        (
            {"ended_on": date(2026, 2, 1)},
            "ended_on",
            "A placement cannot end before it started, on 1 March 2026",
        ),
        ({"reason": "fled"}, "end_kind", MSG_END_REASON),
        ({"reason": "other"}, "end_note", MSG_END_NOTE),
        ({"already_ended": True}, "ended_on", MSG_ALREADY_ENDED),
    ],
)
def test_ending_a_placement_is_refused_when(kw, field, message):
    values = {
        "started_on": _START,
        "ended_on": date(2026, 4, 1),
        "already_ended": False,
        "reason": "breakdown",
        "note": "",
        "today": date(2026, 5, 1),
    } | kw
    assert end_problems(**values)[field] == message


def test_every_e21_reason_ends_a_placement():
    for reason in END_REASONS:
        note = "Moved to his aunt's" if reason == "other" else ""
        assert (
            end_problems(
                started_on=_START,
                ended_on=_START,
                already_ended=False,
                reason=reason,
                note=note,
                today=date(2026, 5, 1),
            )
            == {}
        )
