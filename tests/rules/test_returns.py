"""F-23 / R-57: the statutory and inspection return (pure rules)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccehub.rules.disclosure import SUPPRESSED, WITHHELD, hidden
from ccehub.rules.returns import (
    NONE,
    NOT_SHOWN,
    AgeBand,
    ChildFacts,
    Dated,
    Decision,
    Period,
    Referral,
    Response,
    ResponseKind,
    Status,
    age_band,
    financial_year,
    financial_year_of,
    returns,
    status_at_end,
)

YEAR = financial_year(2025)  # 1 April 2025 to 31 March 2026
IN = date(2025, 6, 1)
BEFORE = date(2024, 6, 1)
AFTER = date(2026, 6, 1)


def d(day: date, basis: str = "recorded") -> Dated:
    return Dated(day, basis)


def referral(
    on: date = IN,
    *,
    flag: bool | None = True,
    criminal: bool = True,
    age: int | None = 16,
    route: str = "local_panel",
    rg: tuple[str, date] | None = None,
    cg: tuple[str, date] | None = None,
    basis: str = "recorded",
) -> Referral:
    return Referral(
        referred=d(on, basis),
        county_lines=flag,
        criminal=criminal,
        age=age,
        route=route,
        rg=Decision(rg[0], d(rg[1])) if rg else None,
        cg=Decision(cg[0], d(cg[1])) if cg else None,
    )


# --- The period -------------------------------------------------------------------------------------


def test_financial_year_runs_april_to_march() -> None:
    assert (YEAR.start, YEAR.end, YEAR.label) == (date(2025, 4, 1), date(2026, 3, 31), "2025-26")
    assert financial_year(1999).label == "1999-00"


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 3, 31), 2025),
        (date(2026, 4, 1), 2026),
        (date(2026, 1, 1), 2025),
        (date(2026, 12, 31), 2026),
    ],
)
def test_financial_year_of(day: date, year: int) -> None:
    assert financial_year_of(day) == year
    assert financial_year(year).start <= day <= financial_year(year).end


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="cannot end before"):
        Period(date(2026, 2, 1), date(2026, 1, 1), "x")


# --- Section 1: who is counted, and as what ------------------------------------------------------------


def test_nothing_in_the_period_is_not_counted() -> None:
    assert status_at_end(ChildFacts(), YEAR) is None
    assert status_at_end(ChildFacts(presumed=(d(BEFORE),)), YEAR) is None
    assert status_at_end(ChildFacts(referrals=(referral(BEFORE),)), YEAR) is None
    assert status_at_end(ChildFacts(referrals=(referral(AFTER),)), YEAR) is None


def test_the_presumption_alone_counts_as_presumed() -> None:
    assert status_at_end(ChildFacts(presumed=(d(IN),)), YEAR) is Status.PRESUMED


@pytest.mark.parametrize(
    ("rg", "cg", "status"),
    [
        (None, None, Status.REFERRED),
        (("positive", IN + timedelta(days=2)), None, Status.REASONABLE),
        (("positive", IN + timedelta(days=2)), ("positive", IN + timedelta(days=60)), Status.CONCLUSIVE),
        (("negative", IN + timedelta(days=2)), None, Status.NEGATIVE),
        (("positive", IN + timedelta(days=2)), ("negative", IN + timedelta(days=90)), Status.NEGATIVE),
        # a decision after the period has not been made at its end
        (("positive", IN + timedelta(days=2)), ("positive", AFTER), Status.REASONABLE),
        (("negative", AFTER), None, Status.REFERRED),
    ],
)
def test_a_referral_counts_by_where_it_stands_at_the_end(
    rg: tuple[str, date] | None, cg: tuple[str, date] | None, status: Status
) -> None:
    assert status_at_end(ChildFacts(referrals=(referral(rg=rg, cg=cg),)), YEAR) is status


def test_the_strongest_status_wins() -> None:
    child = ChildFacts(
        presumed=(d(IN),),
        referrals=(
            referral(rg=("negative", IN)),
            referral(IN + timedelta(days=30), rg=("positive", IN + timedelta(days=31))),
            referral(BEFORE, rg=("positive", BEFORE), cg=("positive", BEFORE + timedelta(days=100))),
        ),
    )
    # the concluded referral of an earlier year still stands at the end of this one
    assert status_at_end(child, YEAR) is Status.CONCLUSIVE


def test_a_decision_in_the_period_identifies_a_child_referred_before_it() -> None:
    child = ChildFacts(referrals=(referral(BEFORE, rg=("positive", BEFORE), cg=("positive", IN)),))
    assert status_at_end(child, YEAR) is Status.CONCLUSIVE


def test_a_later_presumption_outweighs_an_earlier_negative_decision() -> None:
    negative_then_presumed = ChildFacts(
        presumed=(d(IN + timedelta(days=10)),), referrals=(referral(rg=("negative", IN + timedelta(days=2))),)
    )
    presumed_then_negative = ChildFacts(
        presumed=(d(IN),), referrals=(referral(rg=("negative", IN + timedelta(days=2))),)
    )
    assert status_at_end(negative_then_presumed, YEAR) is Status.PRESUMED
    assert status_at_end(presumed_then_negative, YEAR) is Status.NEGATIVE


@pytest.mark.parametrize(
    "other",
    [
        referral(flag=False),  # no county-lines flag
        referral(flag=None),  # flag not recorded
        referral(criminal=False),  # sexual or labour exploitation
        referral(age=18),  # referred as an adult
        referral(basis="synthetic"),  # a date made up for the demonstration
        referral(basis="approximate"),
    ],
)
def test_referrals_that_do_not_identify_a_child_exploited_in_county_lines(other: Referral) -> None:
    assert status_at_end(ChildFacts(referrals=(other,)), YEAR) is None


def test_all_dates_counts_synthetic_and_approximate_dates() -> None:
    child = ChildFacts(presumed=(d(IN, "synthetic"),), referrals=(referral(basis="approximate"),))
    assert status_at_end(child, YEAR) is None
    assert status_at_end(child, YEAR, all_dates=True) is Status.REFERRED


def test_a_decision_in_the_period_on_a_referral_of_unknown_date_stands() -> None:
    """A referral with no usable date was made before its decision: a positive RG in the period
    makes the child a potential victim, never "every decision negative"."""
    unknown = Referral(
        referred=Dated(None),
        county_lines=True,
        criminal=True,
        age=15,
        route="national",
        rg=Decision("positive", d(IN)),
        cg=None,
    )
    synthetic = Referral(
        referred=d(BEFORE, "synthetic"),
        county_lines=True,
        criminal=True,
        age=15,
        route="national",
        rg=Decision("positive", d(BEFORE, "synthetic")),
        cg=Decision("positive", d(IN)),
    )
    assert status_at_end(ChildFacts(referrals=(unknown,)), YEAR) is Status.REASONABLE
    assert status_at_end(ChildFacts(referrals=(synthetic,)), YEAR) is Status.CONCLUSIVE


def test_a_child_referred_with_the_flag_not_recorded_is_counted_apart() -> None:
    children = [ChildFacts(referrals=(referral(flag=None),)) for _ in range(6)]
    children += [ChildFacts(referrals=(referral(flag=None, criminal=False),))]  # sexual exploitation
    children += [ChildFacts(referrals=(referral(flag=None, age=19),))]  # an adult
    result = returns(children, YEAR)
    assert result.identified.n == 0 and result.unflagged.shown == "6"


def test_an_unknown_age_is_a_child() -> None:
    assert status_at_end(ChildFacts(referrals=(referral(age=None),)), YEAR) is Status.REFERRED


# --- Sections 2 to 4 ----------------------------------------------------------------------------------


def children_with(status_counts: dict[str, int]) -> list[ChildFacts]:
    out: list[ChildFacts] = []
    for kind, n in status_counts.items():
        for _ in range(n):
            if kind == "presumed":
                out.append(ChildFacts(presumed=(d(IN),)))
            elif kind == "referred":
                out.append(ChildFacts(referrals=(referral(),)))
            elif kind == "negative":
                out.append(ChildFacts(referrals=(referral(rg=("negative", IN)),)))
            else:
                out.append(ChildFacts(referrals=(referral(rg=("positive", IN)),)))
    return out


def test_counts_are_published_with_small_numbers_protected() -> None:
    result = returns(children_with({"presumed": 7, "referred": 3, "negative": 2, "reasonable": 0}), YEAR)
    shown = {status: count.shown for status, count in result.statuses}
    assert result.identified.shown == "10"
    assert shown[Status.REFERRED] == SUPPRESSED
    assert shown[Status.PRESUMED] == WITHHELD  # else 10 - 7 gives the 3 back
    assert shown[Status.CONCLUSIVE] == shown[Status.REASONABLE] == "0"
    assert result.negative.shown == SUPPRESSED
    assert result.as_dict()["children_exploited_in_county_lines"] == {
        "total": "10",
        "by_status": {
            "conclusive_grounds_positive": "0",
            "reasonable_grounds_positive": "0",
            "referred_awaiting_decision": SUPPRESSED,
            "presumed_not_referred": WITHHELD,
        },
        "negative_decision_not_counted": SUPPRESSED,
        "referred_flag_not_recorded_not_counted": "0",
    }


def test_responses_are_counted_with_and_without_over_the_children_counted() -> None:
    meeting = Response(ResponseKind.STRATEGY_MEETING, d(IN))
    old_meeting = Response(ResponseKind.STRATEGY_MEETING, d(BEFORE))
    plan_in_force = Response(ResponseKind.CHILD_PROTECTION_PLAN, d(BEFORE), until=None, lasting=True)
    plan_ended = Response(ResponseKind.CHILD_PROTECTION_PLAN, d(BEFORE), until=BEFORE, lasting=True)
    children = [ChildFacts(presumed=(d(IN),), responses=(meeting, plan_in_force)) for _ in range(6)]
    children += [ChildFacts(presumed=(d(IN),), responses=(old_meeting, plan_ended)) for _ in range(6)]
    # a child with a negative decision is not counted, nor are their responses
    children += [ChildFacts(referrals=(referral(rg=("negative", IN)),), responses=(meeting,))]
    result = returns(children, YEAR)
    by_kind = {row.kind: (row.with_.shown, row.without.shown) for row in result.responses}
    assert by_kind[ResponseKind.STRATEGY_MEETING] == ("6", "6")
    assert by_kind[ResponseKind.CHILD_PROTECTION_PLAN] == ("6", "6")
    assert by_kind[ResponseKind.JOINT_PLAN] == ("0", "12")


def test_a_response_with_a_synthetic_date_is_left_out_by_default() -> None:
    children = [
        ChildFacts(presumed=(d(IN),), responses=(Response(ResponseKind.PANEL_CASE, d(IN, "synthetic")),))
        for _ in range(5)
    ]
    default = {row.kind: row.with_.n for row in returns(children, YEAR).responses}
    everything = {row.kind: row.with_.n for row in returns(children, YEAR, all_dates=True).responses}
    assert default[ResponseKind.PANEL_CASE] == 0
    assert everything[ResponseKind.PANEL_CASE] == 5


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, AgeBand.NOT_KNOWN),
        (0, AgeBand.UNDER_18),
        (17, AgeBand.UNDER_18),
        (18, AgeBand.YOUNG_ADULT),
        (25, AgeBand.YOUNG_ADULT),
        (26, AgeBand.OVER_25),
    ],
)
def test_age_bands(age: int | None, band: AgeBand) -> None:
    assert age_band(age) is band


def test_flagged_referrals_by_age_band_and_those_with_no_flag_recorded() -> None:
    referrals = [referral(age=16)] * 6 + [referral(age=19)] * 5 + [referral(age=None)] * 2
    referrals += [referral(flag=None)] * 7 + [referral(flag=False)] * 3 + [referral(BEFORE)] * 4
    result = returns([ChildFacts(referrals=(r,)) for r in referrals], YEAR)
    bands = {band: count.shown for band, count in result.age_bands}
    assert result.flagged_referrals.shown == "13"
    assert bands[AgeBand.UNDER_18] == "6"
    assert bands[AgeBand.NOT_KNOWN] == SUPPRESSED
    # the two "not known" alone would be 13 - 6 - 5: the smaller of the others goes too
    assert bands[AgeBand.YOUNG_ADULT] == WITHHELD
    assert bands[AgeBand.OVER_25] == "0"
    assert result.flag_not_recorded.shown == "7"


def concluded(days: int, route: str, rg_on: date = date(2025, 5, 1)) -> ChildFacts:
    cg = ("positive", rg_on + timedelta(days=days))
    return ChildFacts(referrals=(referral(rg_on, route=route, rg=("positive", rg_on), cg=cg),))


def test_rg_to_cg_median_by_route() -> None:
    panel = [concluded(n, "local_panel") for n in (40, 45, 50, 61, 62, 70)]
    # referred and RG before the period, CG in it: measured in the year of the CG
    national = [concluded(n, "national", date(2025, 1, 1)) for n in (300, 310, 320, 330, 340)]
    later = [concluded(1000, "national")]  # its CG falls after the period
    result = returns(panel + national + later, YEAR)
    rows = {row.route: (row.decisions.shown, row.median_days) for row in result.rg_to_cg}
    assert rows["local_panel"] == ("6", "56")  # (50 + 61) / 2 = 55.5, rounded up
    assert rows["national"] == ("5", "320")
    assert rows["all"] == ("11", "70")
    assert rows["unknown"] == ("0", NONE)


def test_a_median_is_not_shown_beside_a_hidden_number_of_decisions() -> None:
    panel = [concluded(n, "local_panel") for n in (40, 45, 50, 61, 62, 70)]
    national = [concluded(n, "national") for n in (300, 320)]
    rows = {
        row.route: (row.decisions.shown, row.median_days) for row in returns(panel + national, YEAR).rg_to_cg
    }
    assert rows["national"] == (SUPPRESSED, NOT_SHOWN)
    assert rows["local_panel"] == (WITHHELD, NOT_SHOWN)  # else 8 - 6 gives the 2 back
    assert rows["all"] == ("8", "62")  # (61 + 62) / 2, rounded up


def test_a_cg_dated_before_its_rg_is_not_measured() -> None:
    child = ChildFacts(referrals=(referral(rg=("positive", IN), cg=("positive", IN - timedelta(days=1))),))
    assert returns([child] * 5, YEAR).rg_to_cg[0].decisions.n == 0


# --- Properties ----------------------------------------------------------------------------------------

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 6, 30))
bases = st.sampled_from(["recorded", "recorded", "synthetic", "approximate"])
dated = st.builds(Dated, days, bases)
decisions = st.none() | st.builds(Decision, st.sampled_from(["positive", "negative"]), dated)
referrals = st.builds(
    Referral,
    referred=dated,
    county_lines=st.sampled_from([True, True, False, None]),
    criminal=st.booleans(),
    age=st.none() | st.integers(10, 30),
    route=st.sampled_from(["local_panel", "national", "unknown"]),
    rg=decisions,
    cg=decisions,
)
responses = st.builds(Response, st.sampled_from(list(ResponseKind)), dated, st.none() | days, st.booleans())
children = st.lists(
    st.builds(
        ChildFacts,
        presumed=st.lists(dated, max_size=2).map(tuple),
        referrals=st.lists(referrals, max_size=3).map(tuple),
        responses=st.lists(responses, max_size=4).map(tuple),
    ),
    max_size=40,
)


def _no_small_number_given_back(counts: list[int], shown: list[str], total: int) -> None:
    for n, text in zip(counts, shown, strict=True):
        assert text == str(n) or hidden(text)
        assert not (0 < n < 5) or hidden(text)
    hidden_sum = total - sum(n for n, text in zip(counts, shown, strict=True) if not hidden(text))
    assert hidden_sum == 0 or hidden_sum >= 5


@settings(max_examples=200, deadline=None)
@given(children, st.booleans())
def test_every_group_adds_up_and_gives_no_small_number_back(kids: list[ChildFacts], all_dates: bool) -> None:
    result = returns(kids, YEAR, all_dates=all_dates)
    total = result.identified.n
    assert total == sum(count.n for _, count in result.statuses)
    counted = [status_at_end(child, YEAR, all_dates=all_dates) for child in kids]
    assert total == sum(1 for s in counted if s is not None and s is not Status.NEGATIVE)
    assert result.negative.n == counted.count(Status.NEGATIVE)
    if not hidden(result.identified.shown):
        _no_small_number_given_back(
            [c.n for _, c in result.statuses], [c.shown for _, c in result.statuses], total
        )
        for row in result.responses:
            assert row.with_.n + row.without.n == total
            _no_small_number_given_back(
                [row.with_.n, row.without.n], [row.with_.shown, row.without.shown], total
            )
    if not hidden(result.flagged_referrals.shown):
        _no_small_number_given_back(
            [c.n for _, c in result.age_bands],
            [c.shown for _, c in result.age_bands],
            result.flagged_referrals.n,
        )
    every, *routes = result.rg_to_cg
    assert every.decisions.n == sum(row.decisions.n for row in routes)
    for row in result.rg_to_cg:
        assert row.median_days in (NONE, NOT_SHOWN) or row.decisions.n >= 5


@settings(max_examples=100, deadline=None)
@given(children)
def test_all_dates_only_adds(kids: list[ChildFacts]) -> None:
    """Counting synthetic and approximate dates too never drops a child from the period."""
    recorded = [status_at_end(child, YEAR) is not None for child in kids]
    everything = [status_at_end(child, YEAR, all_dates=True) is not None for child in kids]
    assert all(b for a, b in zip(recorded, everything, strict=True) if a)
