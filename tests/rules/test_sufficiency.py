"""R-46: placement sufficiency, counted from current placements (pure rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ccehub.rules import placement
from ccehub.rules.disclosure import SUPPRESSED, WITHHELD, hidden
from ccehub.rules.sufficiency import (
    Area,
    Breach,
    Coverage,
    CurrentPlacement,
    Distance,
    Risk,
    SettingGroup,
    area_of,
    at_distance_without_wish,
    distance_band,
    in_banned_setting,
    risk_group,
    sufficiency,
)

SETTINGS = [
    ("family", "Family home"),
    ("relative", "Relative or extended family"),
    ("foster", "Foster care"),
    ("remand_foster_local", "Local remand fostering"),
    ("registered_residential", "Registered residential (children's home)"),
    ("supported", "Supported accommodation"),
    ("semi_independent", "Semi-independent"),
    ("unregistered", "Unregistered setting"),
    ("holiday_let", "Short-term holiday let"),
    ("secure", "Secure accommodation"),
    ("custody", "Custody"),
]
CODES = [code for code, _ in SETTINGS]


def row(setting="foster", miles=None, home=None, risk="low", wish=False):
    return CurrentPlacement(
        setting_type=setting,
        distance_miles=None if miles is None else Decimal(str(miles)),
        in_home_area=home,
        risk_level=risk,
        express_wish=wish,
    )


def report(rows, **extra):
    return sufficiency(rows, settings=SETTINGS, **extra)


CORNER_CASE = (
    [row("unregistered", risk="high")] * 5
    + [row("unregistered", risk="low")] * 5
    + [row("foster", risk="high")] * 5
    + [row("foster", risk="low")] * 2
)


@pytest.mark.parametrize(
    ("miles", "band"),
    [
        (None, Distance.NOT_RECORDED),
        (Decimal("0"), Distance.UNDER),
        (Decimal("19.9"), Distance.UNDER),
        (Decimal("20"), Distance.AT_DISTANCE),  # exactly 20.0 is at distance (R-41, Ch 4)
        (Decimal("20.0"), Distance.AT_DISTANCE),
        (Decimal("250"), Distance.AT_DISTANCE),
    ],
)
def test_distance_bands_follow_the_checker(miles, band):
    assert distance_band(miles) is band
    assert (band is Distance.AT_DISTANCE) == placement.at_distance(miles)


@pytest.mark.parametrize(("home", "area"), [(True, Area.HOME), (False, Area.NEW), (None, Area.NOT_RECORDED)])
def test_area_as_recorded(home, area):
    assert area_of(home) is area


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("high", Risk.HIGH),
        ("not_assessed", Risk.NOT_ASSESSED),
        ("", Risk.NOT_ASSESSED),  # blank is not assessed, as the checker reads it
        ("medium", Risk.LOW_OR_MEDIUM),
        ("low", Risk.LOW_OR_MEDIUM),
    ],
)
def test_risk_groups(code, group):
    assert risk_group(code) is group


@pytest.mark.parametrize(
    ("placed", "banned", "far_no_wish"),
    [
        (row("unregistered", risk="high"), True, False),
        (row("semi_independent", risk="high"), True, False),
        (row("holiday_let", risk="not_assessed"), True, False),  # a holiday let is unregistered [I]
        (row("holiday_let", risk=""), True, False),
        (row("unregistered", risk="medium"), False, False),  # the ban is for high risk
        (row("foster", miles=20, risk="high"), False, True),
        (row("foster", miles="19.9", risk="high"), False, False),
        (row("foster", miles=85, risk="high", wish=True), False, False),  # their express wish
        (row("foster", miles=85, risk="low"), False, False),
        (row("secure", miles=85, risk="high"), False, False),  # a court decides
        (row("custody", miles=120, risk="not_assessed"), False, False),
        (row("foster", risk="high"), False, False),  # no distance recorded: not counted as at distance
        (row("holiday_let", miles=40, risk="high"), True, True),  # both rules broken
    ],
)
def test_which_placements_break_the_rules(placed, banned, far_no_wish):
    assert in_banned_setting(placed) is banned
    assert at_distance_without_wish(placed) is far_no_wish
    # the same verdicts as the checker, on the same facts
    check = placement.check_placement(
        placement.PlacementFacts(
            setting_type=placed.setting_type,
            setting_label=placed.setting_type,
            risk_level=placed.risk_level,
            starts_on=date(2024, 1, 1),
            distance_miles=placed.distance_miles,
            express_wish=placed.express_wish,
            express_wish_words="I want to live there" if placed.express_wish else "",
            intel_outcome=placement.INTEL_SUITABLE,
        )
    )
    assert ("setting_type" in check.problems) is banned
    if far_no_wish:
        assert check.problems["distance_miles"].startswith(f"This placement is {placed.distance_miles}")


def test_counts_by_setting_distance_area_and_risk():
    rows = (
        [row("foster", miles=3, home=True, risk="low")] * 6
        + [row("registered_residential", miles=8, home=True, risk="medium")] * 5
        + [row("unregistered", miles=45, home=False, risk="high")] * 5
        + [row("holiday_let", miles=60, home=False, risk="not_assessed")] * 5
        + [row("secure", miles=90, home=False, risk="high")] * 5
    )
    result = report(rows, start_not_recorded=5, no_open_placement=9)
    assert result.children.shown == "40" and result.placed.shown == "26"
    coverage = dict(result.coverage)
    assert coverage[Coverage.START_NOT_RECORDED].shown == "5"
    assert coverage[Coverage.NO_OPEN_PLACEMENT].shown == "9"
    assert {k: c.shown for k, c in result.setting_groups} == {
        SettingGroup.BANNED: "10",
        SettingGroup.COURT: "5",
        SettingGroup.OTHER: "11",
    }
    assert [s.code for s in result.settings] == CODES  # every kind, in order, zeros included
    assert {s.code: s.count.shown for s in result.settings} == {
        **dict.fromkeys(CODES, "0"),
        "foster": "6",
        "registered_residential": "5",
        "unregistered": "5",
        "holiday_let": "5",
        "secure": "5",
    }
    assert {s.code for s in result.settings if s.banned} == set(placement.BANNED_AT_HIGH_RISK)
    assert {s.code for s in result.settings if s.group is SettingGroup.COURT} == set(placement.COURT_DECIDES)
    assert {k: c.shown for k, c in result.distances} == {
        Distance.UNDER: "11",
        Distance.AT_DISTANCE: "15",
        Distance.NOT_RECORDED: "0",
    }
    assert {k: c.shown for k, c in result.areas} == {Area.HOME: "11", Area.NEW: "15", Area.NOT_RECORDED: "0"}
    assert [(k, c.shown) for k, c in result.risks] == [
        (Risk.HIGH_OR_NOT_ASSESSED, "15"),
        (Risk.HIGH, "10"),
        (Risk.NOT_ASSESSED, "5"),
        (Risk.LOW_OR_MEDIUM, "11"),
    ]
    assert result.high_or_not_assessed.shown == "15"
    against = dict(result.against_rules)
    assert against[Breach.BANNED_SETTING].shown == "10"
    # the secure placements are at distance but a court decided them
    assert against[Breach.AT_DISTANCE_WITHOUT_WISH].shown == "10"


def test_a_small_count_takes_another_with_it():
    rows = [row("foster", miles=3, home=True)] * 9 + [row("holiday_let", miles=3, home=True, risk="high")] * 2
    result = report(rows)
    groups = {k: c.shown for k, c in result.setting_groups}
    assert groups[SettingGroup.BANNED] == SUPPRESSED
    assert groups[SettingGroup.OTHER] == WITHHELD  # else 11 - 9 gives the two back
    settings_shown = {s.code: s.count.shown for s in result.settings}
    assert settings_shown["holiday_let"] == SUPPRESSED
    assert settings_shown["foster"] == WITHHELD  # else it gives the other settings' 9
    risks = {k: c.shown for k, c in result.risks}
    assert risks[Risk.HIGH_OR_NOT_ASSESSED] == SUPPRESSED and risks[Risk.LOW_OR_MEDIUM] == WITHHELD
    assert risks[Risk.HIGH] == SUPPRESSED and risks[Risk.NOT_ASSESSED] == "0"
    assert dict(result.against_rules)[Breach.BANNED_SETTING].shown == SUPPRESSED


def test_hidden_counts_adding_up_to_fewer_than_five_take_a_third():
    """Counts of 1 and 2 are each "fewer than 5", but the total less the rest gives their sum, 3:
    one more count goes (a step beyond ``protect``)."""
    rows = [row("foster")] * 7 + [row("supported")] * 6 + [row("family")] + [row("relative")] * 2
    shown = {s.code: s.count.shown for s in report(rows).settings}
    assert shown["family"] == SUPPRESSED and shown["relative"] == SUPPRESSED
    assert shown["supported"] == WITHHELD and shown["foster"] == "7"


def test_when_the_children_placed_are_hidden_every_group_hides_a_count():
    rows = [row("foster", miles=3, home=True)] * 8
    result = report(rows, start_not_recorded=2)
    assert result.children.shown == "10"
    assert result.placed.shown == WITHHELD  # else 10 - 8 gives the two back
    for group in (result.setting_groups, result.distances, result.areas, result.risks[::3]):
        assert WITHHELD in [c.shown for _, c in group]  # else its sum gives the 8, and 10 - 8 the two
    assert {s.code: s.count.shown for s in result.settings}["foster"] == WITHHELD


def test_a_count_against_the_rules_that_leaves_a_small_remainder_is_withheld():
    """Seven children at high risk, six in a holiday let: 7 - 6 would give the one who is not."""
    rows = [row("holiday_let", miles=5, home=True, risk="high")] * 6 + [row("foster", miles=5, risk="high")]
    rows += [row("foster", miles=5, risk="low")] * 10
    result = report(rows)
    assert result.high_or_not_assessed.shown == "7"
    assert dict(result.against_rules)[Breach.BANNED_SETTING].shown == WITHHELD


def test_the_rest_of_the_two_by_two_table_is_protected_too():
    """Five at high risk and five at low risk in unregistered settings, five at high risk and two at
    low risk in foster care: every total is 5 or more, but 17 - 10 - 10 + 5 gives the two."""
    result = report(CORNER_CASE)
    assert {s.code: s.count.shown for s in result.settings}["foster"] == "7"
    assert dict(result.against_rules)[Breach.BANNED_SETTING].shown == WITHHELD


def test_a_count_against_the_rules_cannot_give_back_a_hidden_total():
    """Everyone placed is at high risk, so the children in banned settings are exactly those placed
    against R-43: with the banned settings' total hidden, showing the count would give it back (and,
    with it, the 2 in other settings)."""
    rows = [row("holiday_let", risk="high")] * 5 + [row("unregistered", risk="high")] * 2
    rows += [row("foster", risk="high")] * 2
    result = report(rows)
    groups = {k: c.shown for k, c in result.setting_groups}
    assert groups[SettingGroup.OTHER] == SUPPRESSED and groups[SettingGroup.BANNED] == WITHHELD
    assert dict(result.against_rules)[Breach.BANNED_SETTING].shown == WITHHELD


def test_a_count_against_the_rules_is_not_shown_when_a_total_it_is_part_of_is_hidden():
    rows = [row("holiday_let", miles=30, risk="high")] * 10 + [row("foster", miles=3)] * 10
    assert dict(report(rows).against_rules)[Breach.BANNED_SETTING].shown == "10"
    hidden_total = report(rows, start_not_recorded=2)  # the children placed now are withheld
    assert hidden_total.placed.shown == WITHHELD
    assert {c.shown for _, c in hidden_total.against_rules} == {WITHHELD}


def test_nobody_placed():
    result = report([], no_open_placement=12)
    assert result.children.shown == "12" and result.placed.shown == "0"
    assert all(s.count.shown == "0" for s in result.settings)
    assert all(c.shown == "0" for _, c in result.against_rules)
    assert result.high_or_not_assessed.shown == "0"


def test_a_setting_not_listed_is_counted_under_its_code():
    result = report([row("boarding_school")] * 5)
    last = result.settings[-1]
    assert (last.code, last.label, last.group, last.count.shown) == (
        "boarding_school",
        "boarding_school",
        SettingGroup.OTHER,
        "5",
    )


def test_negative_numbers_of_children_are_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        report([], no_open_placement=-1)


def test_no_suppressed_number_leaves_the_json():
    rows = [row("unregistered", miles=30, home=False, risk="high")] * 3
    dumped = report(rows).as_dict()
    values = [
        dumped["children"],
        *dumped["coverage"].values(),
        *dumped["setting_groups"].values(),
        *(s["children"] for s in dumped["setting_types"]),
        *dumped["distance_from_home"].values(),
        *dumped["area"].values(),
        *dumped["risk"].values(),
        *dumped["high_risk_or_not_assessed_against_the_rules"].values(),
    ]
    assert all(value in ("0", SUPPRESSED, WITHHELD) for value in values)
    assert dumped["setting_types"][7] == {
        "setting_type": "unregistered",
        "label": "Unregistered setting",
        "group": "banned_at_high_risk",
        "children": SUPPRESSED,
    }


# --- What a reader can work out from the shown counts alone -----------------------------------------

placements = st.builds(
    row,
    setting=st.sampled_from(CODES),
    miles=st.sampled_from([None, 0, "19.9", 20, 35, 150]),
    home=st.sampled_from([True, False, None]),
    risk=st.sampled_from(["high", "not_assessed", "", "medium", "low"]),
    wish=st.booleans(),
)
#: Blocks of alike children, so that counts of 5 or more (and remainders of 1 to 4) are common.
cohorts = st.lists(st.tuples(placements, st.integers(min_value=1, max_value=9)), max_size=7)


def _small(n):
    return 0 < n < 5


def _reader(result):
    """What a reader knows: each count shown as a number, and what adding and subtracting gives,
    repeated until nothing more comes. Returns (known values, the totals each group adds up to, the
    true values)."""
    true, shown = {}, {}

    def put(name, count):
        true[name], shown[name] = count.n, count.shown

    put("children", result.children)
    for key, count in result.coverage:
        put(f"coverage:{key}", count)
    for key, count in result.setting_groups:
        put(f"group:{key}", count)
    for setting in result.settings:
        put(f"setting:{setting.code}", setting.count)
    for prefix, group in (("distance", result.distances), ("area", result.areas), ("risk", result.risks)):
        for key, count in group:
            put(f"{prefix}:{key}", count)
    for key, count in result.against_rules:
        put(f"against:{key}", count)
    placed = f"coverage:{Coverage.PLACED_NOW}"
    sums = [
        ("children", [f"coverage:{key}" for key in Coverage]),
        (placed, [f"group:{key}" for key in SettingGroup]),
        (placed, [f"distance:{key}" for key in Distance]),
        (placed, [f"area:{key}" for key in Area]),
        (placed, [f"risk:{Risk.HIGH_OR_NOT_ASSESSED}", f"risk:{Risk.LOW_OR_MEDIUM}"]),
        (f"risk:{Risk.HIGH_OR_NOT_ASSESSED}", [f"risk:{Risk.HIGH}", f"risk:{Risk.NOT_ASSESSED}"]),
    ]
    sums += [
        (f"group:{group}", [f"setting:{s.code}" for s in result.settings if s.group is group])
        for group in SettingGroup
    ]
    known = {name: int(text) for name, text in shown.items() if not hidden(text)}
    banned, high = f"group:{SettingGroup.BANNED}", f"risk:{Risk.HIGH_OR_NOT_ASSESSED}"
    x43 = f"against:{Breach.BANNED_SETTING}"
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            missing = [p for p in parts if p not in known]
            if total in known and len(missing) == 1:
                known[missing[0]] = known[total] - sum(known[p] for p in parts if p in known)
                changed = True
            elif total not in known and not missing:
                known[total] = sum(known[p] for p in parts)
                changed = True
        # R-43's part of the children in banned settings is all of them when none is at low or
        # medium risk; and all of those at high risk when every child placed is in a banned setting
        if x43 in known:
            if known.get(f"risk:{Risk.LOW_OR_MEDIUM}") == 0 and banned not in known:
                known[banned] = known[x43]
                changed = True
            if placed in known and known.get(banned) == known[placed] and high not in known:
                known[high] = known[x43]
                changed = True
    return known, sums, true


@settings(max_examples=300)
@example(
    [(row("unregistered", risk="high"), 5), (row("unregistered"), 5), (row(risk="high"), 5), (row(), 2)], 0, 0
)
@example(
    [(row("foster", miles=30, risk="high"), 5), (row("foster", miles=30), 2), (row(risk="high"), 5)], 0, 0
)
@example(
    [(row("holiday_let", risk="high"), 5), (row("unregistered", risk="high"), 2), (row(risk="high"), 2)], 0, 0
)
@example(
    [(row("foster", miles=30, risk="high"), 10), (row("foster", miles=30), 2), (row("custody", miles=30), 5)],
    0,
    0,
)
@given(cohorts, st.integers(min_value=0, max_value=9), st.integers(min_value=0, max_value=12))
def test_no_count_from_1_to_4_can_be_worked_out_from_the_shown_counts(blocks, undated, unplaced):
    """A reader with only the shown counts adds and subtracts what they can (each group adds up to
    its total; the counts against the rules are parts of published totals) until nothing more comes:
    none of it gives a count from 1 to 4, nor a sum of hidden counts from 1 to 4."""
    rows = [placed for placed, times in blocks for _ in range(times)]
    result = report(rows, start_not_recorded=undated, no_open_placement=unplaced)
    known, sums, true = _reader(result)
    for name, value in known.items():
        assert value == true[name], name  # the reader's sums are right
        assert not _small(value), name
    for total, parts in sums:
        if total in known:
            assert not _small(sum(true[p] for p in parts if p not in known)), (total, parts)
    placed = known.get(f"coverage:{Coverage.PLACED_NOW}")
    high = known.get(f"risk:{Risk.HIGH_OR_NOT_ASSESSED}")
    court = known.get(f"group:{SettingGroup.COURT}")
    not_by_court = None if placed is None or court is None else placed - court
    for key, whole in (
        (Breach.BANNED_SETTING, known.get(f"group:{SettingGroup.BANNED}")),
        (Breach.AT_DISTANCE_WITHOUT_WISH, known.get(f"distance:{Distance.AT_DISTANCE}")),
    ):
        part = known.get(f"against:{key}")
        if not part:
            continue
        for total in (high, placed, not_by_court, whole):
            if total is not None:
                assert not _small(total - part), key
        if key is Breach.BANNED_SETTING and None not in (placed, high, whole):
            assert not _small(placed - high - whole + part)  # neither at high risk nor banned
