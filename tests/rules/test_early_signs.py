"""R-34: the gap from the first missing episode to the first arrest (pure rules)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccehub.rules.disclosure import SUPPRESSED, WITHHELD
from ccehub.rules.early_signs import BANDS, FirstEvents, Order, band_of, early_signs, gap_days, order_of

DAY = date(2021, 3, 1)


def child(name, missing=None, arrest=None, missing_basis="recorded", arrest_basis="recorded"):
    return FirstEvents(
        child=name,
        first_missing=None if missing is None else DAY + timedelta(days=missing),
        missing_basis=missing_basis,
        first_arrest=None if arrest is None else DAY + timedelta(days=arrest),
        arrest_basis=arrest_basis,
    )


def test_johns_six_days():
    john = child("John", missing=0, arrest=6)
    assert gap_days(john) == 6 and order_of(john) is Order.MISSING_FIRST
    assert band_of(6) == "Within a week (0 to 7 days)"


@pytest.mark.parametrize(
    ("first", "order"),
    [
        (child("a", missing=0, arrest=0), Order.MISSING_FIRST),  # the same day counts as missing first
        (child("b", missing=5, arrest=1), Order.ARRESTED_FIRST),
        (child("c", missing=0), Order.MISSING_ONLY),
        (child("d", arrest=0), Order.ARREST_ONLY),
        (child("e"), Order.NEITHER),
        (child("f", missing=0, arrest=6, arrest_basis="synthetic"), Order.DATES_NOT_RECORDED),
        (child("g", missing=0, arrest=6, missing_basis="approximate"), Order.DATES_NOT_RECORDED),
    ],
)
def test_which_came_first(first, order):
    assert order_of(first) is order


def test_all_dates_measures_synthetic_and_approximate_ones():
    first = child("John", missing=0, arrest=6, missing_basis="synthetic", arrest_basis="synthetic")
    assert order_of(first, all_dates=True) is Order.MISSING_FIRST
    result = early_signs([first], all_dates=True)
    (row,) = result.per_child
    assert row.days == 6 and row.dates == "synthetic" and result.all_dates


def test_bands_are_contiguous_from_zero():
    assert BANDS[0][1] == 0 and BANDS[-1][2] is None
    for (_, _, high), (_, low, _) in itertools.pairwise(BANDS):
        assert low == high + 1
    with pytest.raises(ValueError):
        band_of(-1)


@given(st.integers(min_value=0, max_value=10_000))
def test_every_gap_has_exactly_one_band(days):
    matches = [label for label, low, high in BANDS if days >= low and (high is None or days <= high)]
    assert matches == [band_of(days)]


def test_counts_median_and_suppression():
    rows = [child(f"m{i}", missing=0, arrest=gap) for i, gap in enumerate([1, 2, 3, 4, 6, 40])]
    rows += [child(f"o{i}", missing=0) for i in range(5)]
    result = early_signs(rows)
    orders = dict(result.orders)
    assert orders[Order.MISSING_ONLY].shown == "5" and orders[Order.MISSING_FIRST].shown == "6"
    assert result.children.shown == "11"
    # six went missing first: 5 within a week, 1 in 31 to 90 days. The six is shown, so the five is
    # withheld too (or 6 - 5 gives the one back); but "fewer than 5" beside a withheld count (5 or
    # more) of a known 6 still pins them to 1 and 5, so both say only "not shown"
    bands = dict(result.bands)
    assert bands["31 to 90 days"].shown == WITHHELD and bands["8 to 30 days"].shown == "0"
    assert bands["Within a week (0 to 7 days)"].shown == WITHHELD
    assert result.median_days == 3.5 and result.median_shown == "4"  # whole days
    dumped = result.as_dict()
    assert "per_child" not in dumped and dumped["orders"]["missing_first"] == "6"
    assert dumped["missing_first_gap_bands"][2] == {"band": "31 to 90 days", "children": WITHHELD}


def test_one_small_order_takes_another_count_with_it_but_not_missing_first_if_it_can():
    rows = [child(f"m{i}", missing=0, arrest=1) for i in range(9)]  # missing first: 9, all in one band
    rows += [child(f"o{i}", missing=0) for i in range(6)]  # missing only: 6
    rows += [child("x", arrest=0)]  # arrested only: 1
    orders = dict(early_signs(rows).orders)
    assert orders[Order.ARREST_ONLY].shown == SUPPRESSED
    assert orders[Order.MISSING_ONLY].shown == WITHHELD and orders[Order.MISSING_FIRST].shown == "9"


def test_when_missing_first_must_go_a_band_goes_with_it():
    rows = [child(f"m{i}", missing=0, arrest=1) for i in range(9)]
    rows += [child("x", arrest=0)]
    result = early_signs(rows)
    orders = dict(result.orders)
    assert orders[Order.ARREST_ONLY].shown == SUPPRESSED and orders[Order.MISSING_FIRST].shown == WITHHELD
    assert dict(result.bands)["Within a week (0 to 7 days)"].shown == WITHHELD  # else it gives the 9


def test_an_arrest_earlier_the_same_day_came_first():
    same = FirstEvents(child="a", first_missing=DAY, first_arrest=DAY, arrested_earlier_that_day=True)
    assert order_of(same) is Order.ARRESTED_FIRST and gap_days(same) == 0


@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=40))
def test_no_hidden_count_can_be_had_by_subtraction(gaps_and_orders):
    rows = [
        child(f"c{i}", missing=0, arrest=value * 13) if value % 3 else child(f"c{i}", missing=0)
        for i, value in enumerate(gaps_and_orders)
    ]
    result = early_signs(rows)
    missing_first_total = dict(result.orders)[Order.MISSING_FIRST]
    for group, total in ((result.orders, result.children), (result.bands, missing_first_total)):
        if total.shown in (SUPPRESSED, WITHHELD):
            continue  # a hidden total: one hidden count beside it cannot be had by subtraction
        texts = [count.shown for _, count in group]
        nonzero = [count for _, count in group if count.n > 0]
        hidden_cells = [t for t in texts if t in (SUPPRESSED, WITHHELD)]
        assert len(hidden_cells) != 1 or len(nonzero) == 1  # never one alone beside others
        # nor a group of hidden counts whose sum (the total less the counts shown) is 1 to 4
        hidden_sum = sum(count.n for _, count in group if count.shown in (SUPPRESSED, WITHHELD))
        assert not 0 < hidden_sum < 5 or len(nonzero) == len(hidden_cells) == 1
    missing_first = dict(result.orders)[Order.MISSING_FIRST]
    if missing_first.shown in (SUPPRESSED, WITHHELD) and missing_first.n:
        assert any(count.shown in (SUPPRESSED, WITHHELD) for _, count in result.bands)


def test_a_median_of_fewer_than_five_gaps_is_suppressed():
    result = early_signs([child("John", missing=0, arrest=6)])
    assert result.median_days is None and result.median_shown == SUPPRESSED
    assert early_signs([]).median_shown == "none" and early_signs([]).children.shown == "0"


def test_no_suppressed_number_leaves_the_json():
    rows = [child(f"c{i}", missing=0, arrest=i) for i in range(3)]
    dumped = early_signs(rows).as_dict()
    assert dumped["children"] == SUPPRESSED
    assert all(value in ("0", SUPPRESSED, WITHHELD) for value in dumped["orders"].values())


def test_a_cohort_listed_child_by_child_shows_every_count():
    rows = [
        child("John", missing=0, arrest=6, missing_basis="synthetic", arrest_basis="synthetic"),
        child("Tom", missing=0, arrest=129, missing_basis="approximate", arrest_basis="synthetic"),
        child("Ben"),
    ]
    result = early_signs(rows, all_dates=True, suppress=False)
    assert result.children.shown == "3" and dict(result.orders)[Order.MISSING_FIRST].shown == "2"
    assert result.median_shown == "68"
    john, tom, ben = result.per_child
    assert (john.days, john.dates) == (6, "synthetic")
    assert tom.dates == "synthetic"  # the weaker of approximate and synthetic
    assert (ben.order, ben.days, ben.dates) == (Order.NEITHER, None, "")
