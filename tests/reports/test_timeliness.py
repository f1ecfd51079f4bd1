"""The timeliness computation, pure: medians and percentiles, quarters, exclusions and suppression."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from ccehub.reports.timeliness import (
    CSV_COLUMNS,
    EXCLUDED_DECISION_DATE,
    EXCLUDED_ORDER,
    EXCLUDED_REFERRAL_DATE,
    EXCLUDED_ROUTE,
    LOCAL_PANEL,
    NATIONAL,
    NO_DECISIONS,
    SUPPRESSED,
    WITHHELD,
    Dated,
    Measure,
    TimelinessRow,
    chart_alt_text,
    median,
    p90,
    quarter_of,
    quarters_between,
    shown_count,
    timeliness_compute,
    timeliness_svg,
)

D = date


def row(route: str, referred: date, rg_days: int | None = None, cg_days: int | None = None, **extra):
    """A referral with recorded dates: RG ``rg_days`` after referral, CG ``cg_days`` after the RG."""
    from datetime import timedelta

    rg = Dated(referred + timedelta(days=rg_days)) if rg_days is not None else None
    cg = (
        Dated(referred + timedelta(days=rg_days + cg_days))
        if cg_days is not None and rg_days is not None
        else None
    )
    return TimelinessRow(route=route, referred=Dated(referred), rg=rg, cg=cg, **extra)


@pytest.mark.parametrize(
    ("values", "expected_median", "expected_p90"),
    [
        ([5], 5, 5),
        ([1, 2, 3, 4, 5], 3, 5),
        ([3, 1, 2, 10, 4], 3, 10),
        (list(range(1, 11)), 5.5, 9),
        ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110], 60, 100),
        ([0] * 9 + [100], 0, 0),
        ([0] * 8 + [100, 200], 0, 100),
        ([7, 7, 7, 7, 7, 7], 7, 7),
    ],
)
def test_median_and_nearest_rank_p90(values, expected_median, expected_p90):
    """Median is the middle value (mean of the two middle ones); p90 is the ⌈0.9·n⌉-th smallest."""
    assert median(values) == expected_median
    assert p90(values) == expected_p90


@pytest.mark.parametrize(
    ("day", "quarter"),
    [
        (D(2024, 1, 1), "2024 Q1"),
        (D(2024, 3, 31), "2024 Q1"),
        (D(2024, 4, 1), "2024 Q2"),
        (D(2024, 6, 30), "2024 Q2"),
        (D(2024, 9, 30), "2024 Q3"),
        (D(2024, 10, 1), "2024 Q4"),
        (D(2024, 12, 31), "2024 Q4"),
    ],
)
def test_calendar_quarters(day, quarter):
    """Quarters are calendar quarters, as the Home Office publishes NRM statistics."""
    assert quarter_of(day) == quarter


def test_quarters_between_fills_gaps_across_a_year_end():
    assert quarters_between("2024 Q3", "2025 Q2") == ["2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2"]
    assert quarters_between("2024 Q1", "2024 Q1") == ["2024 Q1"]


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, "0"), (1, SUPPRESSED), (4, SUPPRESSED), (5, "5"), (12, "12")],
)
def test_counts_from_one_to_four_are_suppressed(n, shown):
    assert shown_count(n) == shown


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        ((), ("0", NO_DECISIONS, NO_DECISIONS)),
        ((3,), (SUPPRESSED,) * 3),
        ((1, 2, 3, 4), (SUPPRESSED,) * 3),
        ((1, 2, 3, 4, 5), ("5", "3", "5")),
        ((1, 2, 3, 4, 5, 6), ("6", "3.5", "6")),
    ],
)
def test_measure_shown(days, shown):
    """A measure on fewer than 5 decisions shows 'fewer than 5' for its count, median and p90."""
    assert Measure(days).shown() == shown


def test_a_suppressed_statistic_never_leaves_the_measure():
    measure = Measure((1, 2, 3))
    assert measure.suppressed and measure.median is None and measure.p90 is None


def test_bucketed_by_referral_date_not_decision_date():
    """A referral in March decided in May counts in Q1."""
    rows = [row(LOCAL_PANEL, D(2024, 3, 20 - i), rg_days=40 + i, cg_days=0) for i in range(5)]
    report = timeliness_compute(rows)
    assert report.quarters == ("2024 Q1",)
    cell = report.cell("2024 Q1", LOCAL_PANEL)
    assert cell.referrals == 5 and cell.referral_to_rg.days == (40, 41, 42, 43, 44)
    assert cell.referral_to_rg.median == 42 and cell.referral_to_rg.p90 == 44
    assert cell.rg_to_cg.median == 0
    assert report.cell("2024 Q1", NATIONAL).referrals == 0


def test_panel_against_national_per_quarter_with_a_gap_quarter():
    rows = [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=30 + i, cg_days=i) for i in range(6)]
    rows += [row(NATIONAL, D(2024, 2, 1), rg_days=4 + i, cg_days=60 + 10 * i) for i in range(5)]
    rows += [row(NATIONAL, D(2024, 7, 1), rg_days=5)]
    report = timeliness_compute(rows)
    assert report.quarters == ("2024 Q1", "2024 Q2", "2024 Q3")
    panel = report.cell("2024 Q1", LOCAL_PANEL)
    national = report.cell("2024 Q1", NATIONAL)
    assert (panel.referral_to_rg.median, panel.referral_to_rg.p90) == (32.5, 35)
    assert (panel.rg_to_cg.median, panel.rg_to_cg.p90) == (2.5, 5)
    assert (national.referral_to_rg.median, national.referral_to_rg.p90) == (6, 8)
    assert (national.rg_to_cg.median, national.rg_to_cg.p90) == (80, 100)
    assert report.cell("2024 Q2", NATIONAL).referrals == 0  # the gap is shown, not skipped
    assert report.cell("2024 Q3", NATIONAL).as_row()["referrals"] == SUPPRESSED


def test_undecided_referrals_count_as_referrals_but_not_as_decisions():
    rows = [row(NATIONAL, D(2024, 5, 1), rg_days=10) for _ in range(5)]
    rows += [row(NATIONAL, D(2024, 5, 2)) for _ in range(3)]
    cell = timeliness_compute(rows).cell("2024 Q2", NATIONAL)
    assert cell.referrals == 8 and cell.referral_to_rg.n == 5 and cell.rg_to_cg.n == 0


@pytest.mark.parametrize(
    ("bad", "reason", "in_cell"),
    [
        (TimelinessRow("unknown", Dated(D(2024, 1, 5))), EXCLUDED_ROUTE, False),
        (TimelinessRow(NATIONAL, Dated(None)), EXCLUDED_REFERRAL_DATE, False),
        (TimelinessRow(NATIONAL, Dated(D(2024, 1, 5), "synthetic")), EXCLUDED_REFERRAL_DATE, False),
        (TimelinessRow(NATIONAL, Dated(D(2024, 1, 5), "approximate")), EXCLUDED_REFERRAL_DATE, False),
        (
            TimelinessRow(NATIONAL, Dated(D(2024, 1, 5)), rg=Dated(D(2024, 2, 1), "synthetic")),
            EXCLUDED_DECISION_DATE,
            True,
        ),
        (
            TimelinessRow(NATIONAL, Dated(D(2024, 1, 5)), rg=Dated(None)),
            EXCLUDED_DECISION_DATE,
            True,
        ),
        (
            TimelinessRow(
                NATIONAL,
                Dated(D(2024, 1, 5)),
                rg=Dated(D(2024, 1, 9)),
                cg=Dated(D(2024, 5, 1), "synthetic"),
            ),
            EXCLUDED_DECISION_DATE,
            True,
        ),
        (
            TimelinessRow(NATIONAL, Dated(D(2024, 1, 5)), rg=Dated(D(2024, 1, 1))),
            EXCLUDED_ORDER,
            True,
        ),
    ],
)
def test_unknown_and_synthetic_dates_are_left_out_and_counted(bad, reason, in_cell):
    """A record whose date is unknown or synthetic is left out of what needs that date, and counted."""
    good = [row(NATIONAL, D(2024, 1, 10), rg_days=5, cg_days=40) for _ in range(5)]
    report = timeliness_compute([*good, bad])
    assert report.excluded == ((reason, 1),)
    cell = report.cell("2024 Q1", NATIONAL)
    assert cell.referrals == (6 if in_cell else 5)
    assert cell.referral_to_rg.days.count(5) == 5
    assert cell.rg_to_cg.n == 5


def test_escalated_panel_referrals_stay_on_the_panel_route_and_are_counted():
    rows = [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=50, escalated=True)]
    rows += [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=30) for _ in range(4)]
    report = timeliness_compute(rows)
    cell = report.cell("2024 Q1", LOCAL_PANEL)
    assert cell.referral_to_rg.days.count(50) == 1 and cell.referrals == 5
    assert report.escalated == 1 and report.escalated_shown == SUPPRESSED


def test_conclusive_decisions_made_early_by_the_n02_override_are_counted():
    """A national CG dated inside the 45-day recovery period is recorded only with the N-02 override
    and a reason. Such a CG shortens the RG-to-CG median: the report says how many it measured, on the
    page, in the JSON and the CLI, suppressed like every count."""
    rows = [row(NATIONAL, D(2024, 1, 10), rg_days=5, cg_days=10, cg_overridden=True) for _ in range(5)]
    rows += [row(NATIONAL, D(2024, 1, 10), rg_days=5, cg_days=400) for _ in range(5)]
    # an override on a CG that is not measured (its RG date is not known) is not counted
    rows.append(
        TimelinessRow(
            route=NATIONAL,
            referred=Dated(D(2024, 1, 10)),
            rg=Dated(None),
            cg=Dated(D(2024, 2, 1)),
            cg_overridden=True,
        )
    )
    report = timeliness_compute(rows)
    assert report.cell("2024 Q1", NATIONAL).rg_to_cg.n == 10
    assert report.cg_overrides == 5 and report.cg_overrides_shown == "5"
    assert report.to_json()["conclusive_grounds_within_recovery_period_by_override"] == 5
    fewer = timeliness_compute(rows[:2] + rows[5:])
    assert fewer.cg_overrides == 2 and fewer.cg_overrides_shown == SUPPRESSED
    assert fewer.to_json()["conclusive_grounds_within_recovery_period_by_override"] == SUPPRESSED
    assert (
        timeliness_compute(rows[5:]).to_json()["conclusive_grounds_within_recovery_period_by_override"] == 0
    )


def test_csv_and_json_show_suppressed_cells_as_the_constant():
    rows = [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=30, cg_days=0) for _ in range(6)]
    rows += [row(NATIONAL, D(2024, 1, 10), rg_days=4) for _ in range(2)]
    report = timeliness_compute(rows, scope="test scope")
    parsed = list(csv.DictReader(io.StringIO(report.to_csv())))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert parsed[0] == {
        "quarter": "2024 Q1",
        "route": "local_panel",
        "referrals": "6",
        "referral_to_rg_decisions": "6",
        "referral_to_rg_median_days": "30",
        "referral_to_rg_p90_days": "30",
        "rg_to_cg_decisions": "6",
        "rg_to_cg_median_days": "0",
        "rg_to_cg_p90_days": "0",
    }
    assert {parsed[1][c] for c in CSV_COLUMNS[2:6]} == {SUPPRESSED}
    data = report.to_json()
    assert data["scope"] == "test scope" and data["suppression"] == {"threshold": 5, "shown_as": SUPPRESSED}
    national = data["rows"][1]
    assert national["referrals"] == SUPPRESSED
    assert national["referral_to_rg"] == {
        "decisions": SUPPRESSED,
        "median_days": SUPPRESSED,
        "p90_days": SUPPRESSED,
    }
    assert data["rows"][0]["referral_to_rg"] == {"decisions": 6, "median_days": 30.0, "p90_days": 30}


def test_empty_input_is_an_empty_report():
    report = timeliness_compute([])
    assert report.quarters == () and report.cells == () and report.to_csv().count("\n") == 1
    assert timeliness_svg(report).lstrip().startswith(b"<?xml")


def test_chart_and_its_text_alternative():
    """The SVG draws; the alt text states the latest quarter where both routes have a median."""
    rows = [row(LOCAL_PANEL, D(2024, 4, 10), rg_days=30, cg_days=0) for _ in range(5)]
    rows += [row(NATIONAL, D(2024, 4, 10), rg_days=12, cg_days=90) for _ in range(5)]
    rows += [row(NATIONAL, D(2024, 8, 10), rg_days=12) for _ in range(2)]
    report = timeliness_compute(rows)
    svg = timeliness_svg(report)
    assert b"<svg" in svg
    alt = chart_alt_text(report)
    assert "Referral to reasonable grounds, 2024 Q2: median 30 days on the local panel route, 12 on" in alt
    assert "Reasonable grounds to conclusive grounds, 2024 Q2: median 0 days" in alt


@pytest.mark.parametrize(
    "rows",
    [
        # One suppressed cell: total 13 minus the 10 shown would give the suppressed 3.
        [row(NATIONAL, D(2024, 1, 10), rg_days=4) for _ in range(10)]
        + [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=30) for _ in range(3)],
        # No suppressed cell, but a suppressed "left out" count: 12 - 10 would give it.
        [row(NATIONAL, D(2024, 1, 10), rg_days=4) for _ in range(5)]
        + [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=30) for _ in range(5)]
        + [row("unknown", D(2024, 1, 10)) for _ in range(2)],
    ],
)
def test_the_total_is_withheld_when_subtraction_would_reveal_a_suppressed_count(rows):
    report = timeliness_compute(rows)
    assert report.referrals_shown == WITHHELD
    assert report.to_json()["referrals_in_scope"] == WITHHELD


def test_the_total_is_shown_when_nothing_it_adds_up_is_suppressed():
    rows = [row(NATIONAL, D(2024, 1, 10), rg_days=4) for _ in range(6)]
    rows += [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=30) for _ in range(5)]
    rows += [row(LOCAL_PANEL, D(2024, 1, 10), rg_days=None) for _ in range(2)]
    report = timeliness_compute(rows)
    assert report.referrals_shown == "13"
    assert report.to_json()["referrals_in_scope"] == 13
