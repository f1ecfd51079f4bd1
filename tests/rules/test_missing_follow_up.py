"""R-32 and §4.3.1: what must follow a missing episode, and the stage it is at; R-31: going missing
often and for long (pure rules)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ccehub.rules.missing import (
    MSG_ALREADY_STRATEGY,
    MSG_ALREADY_TOLD,
    MSG_NOTHING,
    MSG_RHI_BEFORE_FOUND,
    MSG_RHI_DATE_NEEDED,
    MSG_RHI_FINAL,
    MSG_RHI_FUTURE,
    MSG_RHI_NOT_FOUND,
    MSG_RHI_OFFERED_ALREADY,
    MSG_STRATEGY_BEFORE_START,
    MSG_STRATEGY_FUTURE,
    MSG_TOLD_BEFORE_START,
    MSG_TOLD_FUTURE,
    RETURN_HOME_INTERVIEW_HOURS,
    EpisodeState,
    FollowUpCode,
    FollowUpFacts,
    Owner,
    ReturnHomeInterview,
    Span,
    Stage,
    follow_up_problems,
    follow_ups,
    heightened_risk,
    stage,
)
from ccehub.rules.policy import CURRENT, REPORT_2022

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
WENT = NOW - timedelta(days=3)


def missing(**kw) -> EpisodeState:
    return EpisodeState(started_at=WENT, ended_at=None, still_missing=True, **kw)


def found(at: datetime = NOW - timedelta(hours=5), **kw) -> EpisodeState:
    return EpisodeState(started_at=WENT, ended_at=at, still_missing=False, **kw)


def codes(state: EpisodeState) -> list[FollowUpCode]:
    return [f.code for f in follow_ups(state)]


def test_a_new_episode_asks_to_tell_social_care_at_once_then_a_strategy_discussion_untimed():
    first, second = follow_ups(missing())
    assert first.code == FollowUpCode.TELL_SOCIAL_CARE and first.owner == Owner.REPORTER
    assert first.due_at == WENT  # at once: due from the moment the child went missing
    assert "R-32" in first.reason
    assert second.code == FollowUpCode.STRATEGY_DISCUSSION and second.owner == Owner.HOME_LOCAL_AUTHORITY
    assert second.due_at is None  # no source gives a time, so none is invented


def test_no_return_home_interview_while_the_child_is_still_missing():
    assert FollowUpCode.RETURN_HOME_INTERVIEW not in codes(missing())


def test_telling_and_a_strategy_discussion_clear_their_follow_ups():
    state = missing(social_care_told_at=WENT + timedelta(hours=1), strategy_held_on=TODAY)
    assert follow_ups(state) == ()


def test_once_found_a_return_home_interview_is_due_72_hours_after_the_return():
    back = NOW - timedelta(hours=5)
    state = found(back, social_care_told_at=WENT, strategy_held_on=WENT.date())
    (rhi,) = follow_ups(state)
    assert rhi.code == FollowUpCode.RETURN_HOME_INTERVIEW and rhi.owner == Owner.HOME_LOCAL_AUTHORITY
    assert rhi.due_at == back + timedelta(hours=72) and RETURN_HOME_INTERVIEW_HOURS == 72
    assert rhi.label == "Offer a return home interview"


def test_an_interview_offered_is_still_to_hold_and_a_final_outcome_ends_it():
    base = {"social_care_told_at": WENT, "strategy_held_on": WENT.date()}
    (offered,) = follow_ups(found(return_home_interview=ReturnHomeInterview.OFFERED, **base))
    assert offered.label == "Hold the return home interview offered"
    for outcome in ("completed", "declined", "not_offered"):
        assert follow_ups(found(return_home_interview=outcome, **base)) == ()


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (missing(), Stage.MISSING),
        # §4.3.1: "CSC notified" moves MISSING to MISSING_STRATEGY, held or not yet
        (missing(social_care_told_at=WENT), Stage.MISSING_STRATEGY),
        (missing(social_care_told_at=WENT, strategy_held_on=TODAY), Stage.MISSING_STRATEGY),
        (missing(strategy_held_on=TODAY), Stage.MISSING),  # a discussion without social care told
        (missing(days=14, crisis_threshold_days=14), Stage.MISSING_CRISIS),
        # the crisis outranks a discussion held: the threshold is a trigger whatever else happened
        (
            missing(social_care_told_at=WENT, strategy_held_on=TODAY, days=20, crisis_threshold_days=14),
            Stage.MISSING_CRISIS,
        ),
        (missing(days=13, crisis_threshold_days=14), Stage.MISSING),
        (found(), Stage.FOUND),
        (found(return_home_interview="offered"), Stage.RHI_OFFERED),
        (found(return_home_interview="completed"), Stage.RHI_DONE),
        (found(return_home_interview="declined"), Stage.RHI_DECLINED),
        (found(return_home_interview="not_offered"), Stage.FOUND),
        # found after a crisis: the episode is over, the stage is about what follows the return
        (found(days=30, crisis_threshold_days=14), Stage.FOUND),
    ],
)
def test_stage_follows_the_sub_machine(state, expected):
    assert stage(state) == expected


def problems(state: EpisodeState, **kw) -> dict[str, str]:
    return follow_up_problems(FollowUpFacts(state=state, **kw), now=NOW, today=TODAY)


def test_recording_nothing_is_refused():
    assert problems(missing()) == {"__all__": MSG_NOTHING}


def test_when_social_care_was_told_must_be_after_the_start_not_future_and_once():
    assert problems(missing(), social_care_told_at=WENT - timedelta(minutes=1)) == {
        "social_care_notified_at": MSG_TOLD_BEFORE_START
    }
    assert problems(missing(), social_care_told_at=NOW + timedelta(minutes=1)) == {
        "social_care_notified_at": MSG_TOLD_FUTURE
    }
    assert problems(missing(), social_care_told_at=WENT) == {}
    assert problems(missing(social_care_told_at=WENT), social_care_told_at=NOW) == {
        "social_care_notified_at": MSG_ALREADY_TOLD
    }


def test_strategy_discussion_date_bounds_and_once():
    assert problems(missing(), strategy_held_on=WENT.date() - timedelta(days=1)) == {
        "strategy_held_on": MSG_STRATEGY_BEFORE_START
    }
    assert problems(missing(), strategy_held_on=TODAY + timedelta(days=1)) == {
        "strategy_held_on": MSG_STRATEGY_FUTURE
    }
    assert problems(missing(), strategy_held_on=WENT.date()) == {}
    assert problems(missing(strategy_held_on=TODAY), strategy_held_on=TODAY) == {
        "strategy_held_on": MSG_ALREADY_STRATEGY
    }


def test_return_home_interview_only_after_return_with_a_date_and_once_final():
    assert problems(missing(), return_home_interview="offered", return_home_interview_on=TODAY) == {
        "return_home_interview": MSG_RHI_NOT_FOUND
    }
    back = found()
    assert problems(back, return_home_interview="completed") == {
        "return_home_interview_on": MSG_RHI_DATE_NEEDED
    }
    assert problems(back, return_home_interview="not_offered") == {}  # no date for what did not happen
    assert problems(
        back, return_home_interview="completed", return_home_interview_on=TODAY + timedelta(days=1)
    ) == {"return_home_interview_on": MSG_RHI_FUTURE}
    before = back.ended_at.date() - timedelta(days=1)
    assert problems(back, return_home_interview="offered", return_home_interview_on=before) == {
        "return_home_interview_on": MSG_RHI_BEFORE_FOUND
    }
    assert problems(back, return_home_interview="offered", return_home_interview_on=TODAY) == {}
    held = found(return_home_interview="completed")
    assert problems(held, return_home_interview="declined", return_home_interview_on=TODAY) == {
        "return_home_interview": MSG_RHI_FINAL
    }
    offered = found(return_home_interview="offered")
    assert problems(offered, return_home_interview="offered", return_home_interview_on=TODAY) == {
        "return_home_interview": MSG_RHI_OFFERED_ALREADY
    }
    # offered, then held: allowed
    assert (
        problems(
            found(return_home_interview="offered"),
            return_home_interview="completed",
            return_home_interview_on=TODAY,
        )
        == {}
    )


def test_problems_are_reported_together():
    got = problems(missing(), social_care_told_at=NOW + timedelta(hours=1), strategy_held_on=date(2000, 1, 1))
    assert set(got) == {"social_care_notified_at", "strategy_held_on"}


# -- often and for long periods ---------------------------------------------------------------


def risk(*spans: Span, **kw):
    params = {"episodes": 3, "window_days": 90, "long_hours": 24} | kw
    return heightened_risk(list(spans), now=NOW, **params)


def ep(days_ago: float, hours: float | None, *, open_: bool = False, approx: int | None = None) -> Span:
    start = NOW - timedelta(days=days_ago)
    end = None if hours is None or open_ else start + timedelta(hours=hours)
    return Span(started_at=start, ended_at=end, still_missing=open_, approximate_days=approx)


def test_the_profiles_read_often_and_long_the_same_way_by_default():
    for profile in (CURRENT, REPORT_2022):
        assert (
            profile.missing_frequent_episodes,
            profile.missing_frequent_window_days,
            profile.missing_long_hours,
        ) == (
            3,
            90,
            24,
        )


def test_three_episodes_in_90_days_one_of_a_day_or_more_is_flagged():
    flagged = risk(ep(80, 5), ep(40, 24), ep(3, 2))
    assert flagged.flagged and flagged.episodes == 3 and flagged.longest_hours == 24
    assert "3 missing episodes in the last 90 days, the longest 24 hours" in flagged.reason
    assert "R-31" in flagged.reason


def test_often_but_never_long_is_not_flagged_nor_long_but_not_often():
    assert not risk(ep(80, 5), ep(40, 23), ep(3, 2)).flagged  # 23 hours: not long
    assert not risk(ep(40, 24 * 20), ep(3, 48)).flagged  # two episodes: not often


def test_only_episodes_begun_in_the_window_count():
    assert not risk(ep(91, 48), ep(40, 2), ep(3, 2)).flagged  # the long one began 91 days ago
    assert risk(ep(90, 48), ep(40, 2), ep(3, 2)).flagged  # exactly 90 days ago: in


def test_an_open_episode_counts_to_now_and_an_unknown_end_counts_only_for_how_often():
    still = ep(2, None, open_=True)  # missing for two days and counting
    assert risk(ep(60, 1), ep(30, 1), still).flagged
    unknown = Span(started_at=NOW - timedelta(days=10), ended_at=None)
    got = risk(ep(60, 1), ep(30, 1), unknown)
    assert not got.flagged and got.episodes == 3 and got.longest_hours == 1
    approx = Span(started_at=NOW - timedelta(days=10), ended_at=None, approximate_days=3)
    assert risk(ep(60, 1), ep(30, 1), approx).flagged


def test_no_episodes_no_flag_and_the_thresholds_are_parameters():
    none = risk()
    assert not none.flagged and none.episodes == 0 and none.longest_hours is None
    assert "no duration known" in none.reason
    assert risk(ep(10, 2), ep(5, 2), episodes=2, long_hours=2).flagged


def test_reporting_delay_is_whole_hours_from_going_missing_to_the_police_report():
    from ccehub.rules.missing import reporting_delay_hours

    assert reporting_delay_hours(WENT, WENT + timedelta(hours=26, minutes=59)) == 26
    assert reporting_delay_hours(WENT, WENT) == 0
    assert reporting_delay_hours(None, WENT) is None and reporting_delay_hours(WENT, None) is None
