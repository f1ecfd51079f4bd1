"""Missing episodes (DOMAIN §2.5, §4.3.1, E-08, F-14): how long, and when it is a crisis.

Pure: no Django, no clock (``now`` is always passed in).

* **Days missing** are whole days from when the child went missing to when they were found, or to
  ``now`` while they are still missing (an open episode keeps counting). When only a duration is
  known (the study's "almost two months") that duration is the answer.
* **Crisis (R-30).** Long absences, "weeks rather than days", are a trigger for crisis intervention:
  an episode of at least the policy profile's ``missing_crisis_threshold_days`` (14 by default, a
  configurable reading of "weeks" [D]) is a crisis, while the child is still missing too.
* **Recording.** A child cannot go missing in the future, nor be found before they went missing or
  in the future, nor be found twice.
* **Often and for long (R-31).** Children who go missing often and for long periods are at
  heightened risk of CCE. The report gives no figures, so the profile's are a [D] reading: at least
  ``missing_frequent_episodes`` (3) episodes begun in the last ``missing_frequent_window_days`` (90),
  at least one of them ``missing_long_hours`` (24) or longer (an open one counts to now).
* **What must follow (R-32, J-05, §4.3.1).** Police should tell children's social care about a missing
  episode; in Toby's case they did not, and no strategy meeting was held. So an episode reported on
  ccehub carries three follow-ups until they are recorded: *tell the home children's social care*
  (at once), *hold a strategy discussion* (the report gives no time, so none is invented) and, once
  the child is found, *offer a return home interview* within 72 hours of the return (the statutory
  guidance "Children who run away or go missing from home or care", DfE 2014 [D]).
* **Stage.** The missing-episode sub-machine of §4.3.1 as a state read from the record: MISSING,
  MISSING_STRATEGY (children's social care told: the strategy discussion's stage), MISSING_CRISIS
  (the R-30 threshold reached while missing), FOUND, RHI_OFFERED, RHI_DONE, RHI_DECLINED.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

MSG_START_FUTURE: Final = "The time the child went missing cannot be in the future"
MSG_FOUND_FUTURE: Final = "The time the child was found cannot be in the future"
MSG_FOUND_BEFORE_START: Final = "The child cannot be found before the time they went missing"
MSG_ALREADY_FOUND: Final = "This episode already has the time the child was found"
MSG_REPORTED_BEFORE_START: Final = "The child cannot be reported missing before the time they went missing"
MSG_REPORTED_FUTURE: Final = "The time the child was reported missing cannot be in the future"
#: Without the date: the message reaches users who may not see the child's identity.
MSG_START_BEFORE_BIRTH: Final = "The time the child went missing is before their date of birth"


def episode_days(
    started_at: datetime | None,
    ended_at: datetime | None,
    *,
    now: datetime,
    approximate_days: int | None = None,
) -> int | None:
    """Whole days missing: to ``ended_at``, or to ``now`` while still missing. ``None`` when not
    known (no start and no approximate duration)."""
    if started_at is None:
        return approximate_days
    end = ended_at if ended_at is not None else now
    return max(0, (end - started_at).days)


def reporting_delay_hours(started_at: datetime | None, reported_at: datetime | None) -> int | None:
    """R-33: whole hours from going missing to the report to the police (``None`` when either is not
    recorded). Families often report late or not at all; a late report is part of the picture."""
    if started_at is None or reported_at is None:
        return None
    return max(0, int((reported_at - started_at).total_seconds() // 3600))


def is_crisis(days: int | None, *, threshold_days: int) -> bool:
    """R-30: missing for at least ``threshold_days`` ("weeks rather than days")."""
    return days is not None and days >= threshold_days


@dataclass(frozen=True)
class EpisodeFacts:
    """What a new episode, or the record that the child was found, says about times."""

    started_at: datetime | None
    ended_at: datetime | None = None
    reported_at: datetime | None = None
    already_found: bool = False
    #: The child's date of birth, when known: nobody goes missing before they are born.
    date_of_birth: date | None = None


def episode_problems(facts: EpisodeFacts, *, now: datetime) -> dict[str, str]:
    """Field name → what is wrong, for a missing episode as it would be stored (empty when fine)."""
    problems: dict[str, str] = {}
    start = facts.started_at
    if start is not None and start > now:
        problems["started_at"] = MSG_START_FUTURE
    elif start is not None and facts.date_of_birth is not None and start.date() < facts.date_of_birth:
        problems["started_at"] = MSG_START_BEFORE_BIRTH
    if facts.reported_at is not None:
        if facts.reported_at > now:
            problems["reported_to_police_at"] = MSG_REPORTED_FUTURE
        elif start is not None and facts.reported_at < start:
            problems["reported_to_police_at"] = MSG_REPORTED_BEFORE_START
    if facts.ended_at is not None:
        if facts.already_found:
            problems["ended_at"] = MSG_ALREADY_FOUND
        elif facts.ended_at > now:
            problems["ended_at"] = MSG_FOUND_FUTURE
        elif start is not None and facts.ended_at < start:
            problems["ended_at"] = MSG_FOUND_BEFORE_START
    return problems


#: Hours after the child's return within which a return home interview is offered (DfE 2014
#: statutory guidance on children who run away or go missing): a [D] default from outside
#: the report, which names return home interviews (Tom, Toby) but gives no time.
RETURN_HOME_INTERVIEW_HOURS: Final = 72

MSG_TOLD_BEFORE_START: Final = "Children's social care cannot be told before the time the child went missing"
MSG_TOLD_FUTURE: Final = "The time children's social care was told cannot be in the future"
MSG_ALREADY_TOLD: Final = "This episode already records when children's social care was told"
MSG_STRATEGY_BEFORE_START: Final = "The strategy discussion cannot be before the day the child went missing"
MSG_STRATEGY_FUTURE: Final = "The date of the strategy discussion cannot be in the future"
MSG_ALREADY_STRATEGY: Final = "This episode already records its strategy discussion"
MSG_RHI_NOT_FOUND: Final = (
    "A return home interview follows the child's return: record that the child was found first"
)
MSG_RHI_BEFORE_FOUND: Final = "The return home interview cannot be before the day the child was found"
MSG_RHI_FUTURE: Final = "The date of the return home interview cannot be in the future"
MSG_RHI_DATE_NEEDED: Final = "Enter the date the return home interview was offered or held"
MSG_RHI_FINAL: Final = "This episode already records the outcome of its return home interview"
MSG_RHI_OFFERED_ALREADY: Final = (
    "The return home interview is already recorded as offered: record that it was held or declined"
)
MSG_NOTHING: Final = (
    "Record at least one thing: when social care was told, a strategy discussion, or a return home interview"
)


class ReturnHomeInterview(StrEnum):
    """E-08 ``return_home_interview``, with "not recorded" (DOMAIN §3.1: unmarked is not absent)."""

    NOT_RECORDED = "not_recorded"
    OFFERED = "offered"
    COMPLETED = "completed"
    DECLINED = "declined"
    NOT_OFFERED = "not_offered"


#: Outcomes after which nothing more is expected (a return home interview offered may still be held).
RHI_FINAL: Final = frozenset(
    {ReturnHomeInterview.COMPLETED, ReturnHomeInterview.DECLINED, ReturnHomeInterview.NOT_OFFERED}
)


class Stage(StrEnum):
    """§4.3.1, the missing-episode sub-machine."""

    MISSING = "missing"
    MISSING_STRATEGY = "missing_strategy"
    MISSING_CRISIS = "missing_crisis"
    FOUND = "found"
    RHI_OFFERED = "rhi_offered"
    RHI_DONE = "rhi_done"
    RHI_DECLINED = "rhi_declined"


STAGE_LABELS: Final[dict[Stage, str]] = {
    Stage.MISSING: "Missing",
    Stage.MISSING_STRATEGY: "Missing: social care told, strategy discussion",
    Stage.MISSING_CRISIS: "Missing: crisis",
    Stage.FOUND: "Found",
    Stage.RHI_OFFERED: "Found: return home interview offered",
    Stage.RHI_DONE: "Found: return home interview held",
    Stage.RHI_DECLINED: "Found: return home interview declined",
}


class FollowUpCode(StrEnum):
    TELL_SOCIAL_CARE = "tell_social_care"
    STRATEGY_DISCUSSION = "strategy_discussion"
    RETURN_HOME_INTERVIEW = "return_home_interview"


class Owner(StrEnum):
    """Who is expected to do a follow-up: the agency that reported the episode, or the child's home
    local authority (children's social care)."""

    REPORTER = "reporter"
    HOME_LOCAL_AUTHORITY = "home_local_authority"


@dataclass(frozen=True)
class FollowUp:
    code: FollowUpCode
    label: str
    owner: Owner
    #: ``None``: no source gives a time, so none is invented.
    due_at: datetime | None
    reason: str


@dataclass(frozen=True)
class EpisodeState:
    """What a tracked episode records about what followed it."""

    started_at: datetime | None
    ended_at: datetime | None
    still_missing: bool
    social_care_told_at: datetime | None = None
    strategy_held_on: date | None = None
    return_home_interview: str = ReturnHomeInterview.NOT_RECORDED
    #: Days missing so far (or in all), for the crisis stage.
    days: int | None = None
    crisis_threshold_days: int = 14


def stage(state: EpisodeState) -> Stage:
    """Where the episode is in §4.3.1: MISSING until children's social care is told, then
    MISSING_STRATEGY (the stage in which the strategy discussion is held). A crisis (R-30) outranks
    both: the threshold is a trigger for crisis intervention whatever else has happened."""
    if state.still_missing or state.ended_at is None:
        if is_crisis(state.days, threshold_days=state.crisis_threshold_days):
            return Stage.MISSING_CRISIS
        if state.social_care_told_at is not None:
            return Stage.MISSING_STRATEGY
        return Stage.MISSING
    return {
        ReturnHomeInterview.OFFERED: Stage.RHI_OFFERED,
        ReturnHomeInterview.COMPLETED: Stage.RHI_DONE,
        ReturnHomeInterview.DECLINED: Stage.RHI_DECLINED,
    }.get(ReturnHomeInterview(state.return_home_interview), Stage.FOUND)


def follow_ups(state: EpisodeState) -> tuple[FollowUp, ...]:
    """The follow-ups still outstanding on a tracked episode, most urgent first."""
    due: list[FollowUp] = []
    if state.social_care_told_at is None:
        due.append(
            FollowUp(
                FollowUpCode.TELL_SOCIAL_CARE,
                "Tell the child's home children's social care",
                Owner.REPORTER,
                state.started_at,
                "Police should tell social care about missing episodes; without it no strategy "
                "meeting is held (R-32, Toby).",
            )
        )
    if state.strategy_held_on is None:
        due.append(
            FollowUp(
                FollowUpCode.STRATEGY_DISCUSSION,
                "Hold a strategy discussion",
                Owner.HOME_LOCAL_AUTHORITY,
                None,
                "A missing report on a known child calls for a strategy meeting or discussion (R-32, J-05).",
            )
        )
    if (
        not state.still_missing
        and state.ended_at is not None
        and state.return_home_interview not in RHI_FINAL
    ):
        due.append(
            FollowUp(
                FollowUpCode.RETURN_HOME_INTERVIEW,
                "Offer a return home interview"
                if state.return_home_interview != ReturnHomeInterview.OFFERED
                else "Hold the return home interview offered",
                Owner.HOME_LOCAL_AUTHORITY,
                state.ended_at + timedelta(hours=RETURN_HOME_INTERVIEW_HOURS),
                f"A return home interview is offered within {RETURN_HOME_INTERVIEW_HOURS} hours of the "
                "child's return (DfE statutory guidance, 2014) [D].",
            )
        )
    return tuple(due)


@dataclass(frozen=True)
class FollowUpFacts:
    """What a user is recording about what followed an episode, with what is already recorded."""

    state: EpisodeState
    social_care_told_at: datetime | None = None
    strategy_held_on: date | None = None
    return_home_interview: str | None = None
    return_home_interview_on: date | None = None


def follow_up_problems(facts: FollowUpFacts, *, now: datetime, today: date) -> dict[str, str]:
    """Field name → what is wrong with recording ``facts`` (empty when fine)."""
    problems: dict[str, str] = {}
    state = facts.state
    start = state.started_at
    if (
        facts.social_care_told_at is None
        and facts.strategy_held_on is None
        and not facts.return_home_interview
    ):
        return {"__all__": MSG_NOTHING}
    told = facts.social_care_told_at
    if told is not None:
        if state.social_care_told_at is not None:
            problems["social_care_notified_at"] = MSG_ALREADY_TOLD
        elif told > now:
            problems["social_care_notified_at"] = MSG_TOLD_FUTURE
        elif start is not None and told < start:
            problems["social_care_notified_at"] = MSG_TOLD_BEFORE_START
    held = facts.strategy_held_on
    if held is not None:
        if state.strategy_held_on is not None:
            problems["strategy_held_on"] = MSG_ALREADY_STRATEGY
        elif held > today:
            problems["strategy_held_on"] = MSG_STRATEGY_FUTURE
        elif start is not None and held < start.date():
            problems["strategy_held_on"] = MSG_STRATEGY_BEFORE_START
    rhi = facts.return_home_interview
    if rhi:
        rhi_on = facts.return_home_interview_on
        if state.still_missing or state.ended_at is None:
            problems["return_home_interview"] = MSG_RHI_NOT_FOUND
        elif state.return_home_interview in RHI_FINAL:
            problems["return_home_interview"] = MSG_RHI_FINAL
        elif (
            rhi == ReturnHomeInterview.OFFERED and state.return_home_interview == ReturnHomeInterview.OFFERED
        ):
            problems["return_home_interview"] = MSG_RHI_OFFERED_ALREADY
        elif rhi != ReturnHomeInterview.NOT_OFFERED and rhi_on is None:
            problems["return_home_interview_on"] = MSG_RHI_DATE_NEEDED
        elif rhi_on is not None and rhi_on > today:
            problems["return_home_interview_on"] = MSG_RHI_FUTURE
        elif rhi_on is not None and rhi_on < state.ended_at.date():
            problems["return_home_interview_on"] = MSG_RHI_BEFORE_FOUND
    return problems


@dataclass(frozen=True)
class Span:
    """One episode as R-31 sees it."""

    started_at: datetime | None
    ended_at: datetime | None
    still_missing: bool = False
    approximate_days: int | None = None


@dataclass(frozen=True)
class HeightenedRisk:
    """R-31: the flag, and the figures behind it (for the words on the page)."""

    flagged: bool
    episodes: int
    window_days: int
    longest_hours: int | None
    long_hours: int

    @property
    def reason(self) -> str:
        longest = (
            "no duration known"
            if self.longest_hours is None
            else f"the longest {_duration(self.longest_hours)}"
        )
        return (
            f"{self.episodes} missing episode{'s' if self.episodes != 1 else ''} in the last "
            f"{self.window_days} days, {longest}: going missing often and for long periods is a "
            "heightened risk of criminal exploitation (R-31)"
        )


def _duration(hours: int) -> str:
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def _hours(span: Span, now: datetime) -> int | None:
    if span.started_at is not None and (span.ended_at is not None or span.still_missing):
        end = span.ended_at if span.ended_at is not None else now
        return max(0, int((end - span.started_at).total_seconds() // 3600))
    if span.approximate_days is not None:
        return span.approximate_days * 24
    return None


def heightened_risk(
    spans: list[Span], *, now: datetime, episodes: int, window_days: int, long_hours: int
) -> HeightenedRisk:
    """R-31 over the episodes begun in the last ``window_days`` (to ``now``): flagged when there are
    at least ``episodes`` of them and one lasted ``long_hours`` or more. An episode with no start is
    not in any window; one whose end is not known counts for how often, not for how long."""
    since = now - timedelta(days=window_days)
    recent = [s for s in spans if s.started_at is not None and since <= s.started_at <= now]
    durations = [h for h in (_hours(s, now) for s in recent) if h is not None]
    longest = max(durations) if durations else None
    flagged = len(recent) >= episodes and longest is not None and longest >= long_hours
    return HeightenedRisk(
        flagged=flagged,
        episodes=len(recent),
        window_days=window_days,
        longest_hours=longest,
        long_hours=long_hours,
    )
