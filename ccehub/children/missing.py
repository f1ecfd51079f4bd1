"""Missing episodes on a child's record (E-08, F-14): reported missing, then found.

The rules (days missing, the R-30 crisis threshold, what times a record may hold) are pure, in
:mod:`ccehub.rules.missing`; this module stores, audits and brings the joint plan's review forward.

* Whoever may record on the child (police, children's social care, the youth offending team, health,
  on a writing basis) records that the child went missing, and later that they were found.
* A new episode is a trigger event for every open joint plan (R-31, R-50): its review comes to within
  7 days of the day the child went missing.
* R-32: the child's home local authority (children's social care) is told. When its own people report
  the episode, it knows (``social_care_notified_at`` is the report's time). Otherwise it is notified
  (its dashboard, and an email to its duty mailbox with no name in it), it holds the child again if
  its holding had ended (it has the duty to act), and the episode shows "tell social care" until
  someone records when social care was told. The strategy discussion and, once the child is found,
  the return home interview stay outstanding on the episode until recorded
  (:func:`missing_follow_up`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.home_agencies import agency_name as _agency_name
from ccehub.children.home_agencies import notify_agency, rehold_home_agency, rehold_home_authority
from ccehub.children.home_agencies import when as _when
from ccehub.children.models import CaseHolding, Child, Identity, MissingEpisode, RelativeToIncident
from ccehub.children.services import check_can_write, fact_record
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.rules.escalation import TriggerEvent
from ccehub.rules.missing import (
    RETURN_HOME_INTERVIEW_HOURS,
    EpisodeFacts,
    EpisodeState,
    FollowUp,
    FollowUpFacts,
    HeightenedRisk,
    Span,
    Stage,
    episode_days,
    episode_problems,
    follow_up_problems,
    follow_ups,
    heightened_risk,
    is_crisis,
    reporting_delay_hours,
    stage,
)
from ccehub.rules.policy import profile_in_force


def _check(facts: EpisodeFacts) -> None:
    problems = episode_problems(facts, now=timezone.now())
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})


def _relative_to_first_incident(child: Child, started_at: datetime | None) -> str:
    """Before, during or after the child's identifying incident (the study's frame): after the first
    recorded incident when the episode starts later, before it otherwise."""
    first = child.incidents.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    if first is not None and started_at is not None and started_at >= first:
        return RelativeToIncident.AFTER
    return RelativeToIncident.BEFORE


MSG_ALREADY_MISSING = (
    "The child is already recorded as missing since {since}: record that they were found before "
    "reporting a new episode"
)


def open_episode(child: Child) -> MissingEpisode | None:
    """The child's episode reported on ccehub and not yet found, if any."""
    return MissingEpisode.objects.filter(child=child, still_missing=True).order_by("started_at").first()


@transaction.atomic
def missing_episode_record(
    *,
    actor: Actor,
    child: Child,
    started_at: datetime,
    missing_from: str = MissingEpisode.MissingFrom.UNKNOWN,
    reported_by: str = MissingEpisode.ReportedBy.UNKNOWN,
    reported_to_police_at: datetime | None = None,
    notes: str = "",
) -> MissingEpisode:
    """Record that ``child`` went missing at ``started_at`` (still missing until found)."""
    from ccehub.panels.escalation import plans_review_for_event

    check_can_write(actor, child)
    dob = Identity.objects.filter(child=child).values_list("date_of_birth", flat=True).first()
    local_start = timezone.localtime(started_at) if started_at is not None else None
    _check(EpisodeFacts(local_start, reported_at=reported_to_police_at, date_of_birth=dob))
    # One open episode at a time: the child row is locked so that two reports at once (a form sent
    # twice) cannot both find none open.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    already = open_episode(child)
    if already is not None:
        since = timezone.localtime(already.started_at) if already.started_at else None
        raise ValidationError(
            {"started_at": [MSG_ALREADY_MISSING.format(since=f"{since:%-d %B %Y %H:%M}" if since else "")]}
        )
    home = child.home_local_authority
    reported_by_home = home is not None and actor.agency is not None and actor.agency.pk == home.pk
    episode = fact_record(
        actor=actor,
        child=child,
        model=MissingEpisode,
        started_at=started_at,
        missing_from=missing_from,
        reported_by=reported_by,
        reported_to_police_at=reported_to_police_at,
        relative_to_incident=_relative_to_first_incident(child, started_at),
        source_agency=actor.agency,
        notes=(notes or "").strip(),
        still_missing=True,
        follow_up_tracked=True,
        # the home authority's own report: its children's social care knows now
        **({"social_care_notified_at": timezone.now()} if reported_by_home else {}),
    )
    if home is not None and not reported_by_home:
        _tell_home_authority(actor=actor, child=child, episode=episode, home=home)
    _tell_home_force(
        actor=actor,
        child=child,
        episode=episode,
        kind="missing_reported",
        text=(
            f"{_agency_name(actor)} recorded on ccehub that child {child.pseudonymous_id} went missing at "
            f"{_when(episode.started_at)}. Your force is the child's home police force (J-05)."
        ),
    )
    plans_review_for_event(
        actor=actor,
        child=child,
        event=TriggerEvent.MISSING_EPISODE,
        on=timezone.localtime(started_at).date(),
    )
    return episode


@transaction.atomic
def missing_episode_found(
    *,
    actor: Actor,
    episode: MissingEpisode,
    ended_at: datetime,
    found_location: str = "",
    found_in_home_area: str = TriState.NOT_RECORDED,
) -> MissingEpisode:
    """Record that the child was found (the episode ends). Once: a second time is refused."""
    episode = (
        MissingEpisode.objects.select_for_update(of=("self",)).select_related("child").get(pk=episode.pk)
    )
    basis = check_can_write(actor, episode.child)
    _check(EpisodeFacts(episode.started_at, ended_at=ended_at, already_found=episode.ended_at is not None))
    if found_in_home_area not in TriState.values:
        raise ValidationError(
            {"found_in_home_area": ["Choose whether the child was found in their home area"]}
        )
    home = episode.child.home_local_authority
    episode.ended_at = ended_at
    episode.found_location = (found_location or "").strip()
    episode.found_in_home_area = found_in_home_area
    episode.still_missing = False
    episode.full_clean()
    episode.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="missingepisode",
        object_id=episode.pk,
        child_pid=episode.child.pseudonymous_id,
        fields=[
            "missing_episodes.ended_at",
            "missing_episodes.found_location",
            "missing_episodes.found_in_home_area",
            "missing_episodes.still_missing",
        ],
        basis=basis,
        detail="found",
    )
    if (
        episode.follow_up_tracked
        and home is not None
        and (actor.agency is None or actor.agency.pk != home.pk)
    ):
        _notify_home(
            actor=actor,
            child=episode.child,
            episode=episode,
            home=home,
            kind="missing_found",
            text=(
                f"{_agency_name(actor)} recorded on ccehub that child {episode.child.pseudonymous_id}, "
                f"missing since {_when(episode.started_at)}, was found at {_when(ended_at)}. Offer a "
                f"return home interview within {RETURN_HOME_INTERVIEW_HOURS} hours of the return."
            ),
        )
    if episode.follow_up_tracked:
        _tell_home_force(
            actor=actor,
            child=episode.child,
            episode=episode,
            kind="missing_found",
            text=(
                f"{_agency_name(actor)} recorded on ccehub that child {episode.child.pseudonymous_id}, "
                f"missing since {_when(episode.started_at)}, was found at {_when(ended_at)}."
            ),
        )
    return episode


def _tell_home_force(*, actor: Actor, child: Child, episode: MissingEpisode, kind: str, text: str) -> None:
    """J-05, "police ↔ CSC notification both ways": the child's home police force hears of an episode
    (and of the return) that another agency recorded; it holds the child again if its holding had
    ended (it searches for a missing child, so it must see the record)."""
    force = child.home_police_force
    if force is None or (actor.agency is not None and actor.agency.pk == force.pk):
        return
    rehold_home_agency(
        actor=actor,
        child=child,
        agency=force,
        basis=CaseHolding.Basis.HOME_POLICE_FORCE,
        why="reported missing elsewhere (J-05)",
    )
    _notify_home(actor=actor, child=child, episode=episode, home=force, kind=kind, text=text)


def _notify_home(
    *, actor: Actor, child: Child, episode: MissingEpisode, home: Any, kind: str, text: str
) -> None:
    from django.urls import reverse

    notify_agency(
        actor=actor,
        child=child,
        agency=home,
        kind=kind,
        text=text,
        link=reverse("children:missing", args=[child.pseudonymous_id]),
        about=("missingepisode", episode.pk),
    )


def _tell_home_authority(*, actor: Actor, child: Child, episode: MissingEpisode, home: Any) -> None:
    """R-32: the home local authority hears of the episode. It holds the child again if its holding
    had ended, so that it can see the record it must act on (audited as a holding it did not ask
    for, with the reason)."""
    rehold_home_authority(
        actor=actor, child=child, home=home, why="reported missing, and the home authority must act (R-32)"
    )
    _notify_home(
        actor=actor,
        child=child,
        episode=episode,
        home=home,
        kind="missing_reported",
        text=(
            f"{_agency_name(actor)} recorded on ccehub that child {child.pseudonymous_id} went missing at "
            f"{_when(episode.started_at)}. Your authority is the child's home local authority: record "
            "when children's social care was told, and hold a strategy discussion (R-32)."
        ),
    )


def episode_state(episode: MissingEpisode, *, days: int | None, threshold_days: int) -> EpisodeState:
    # local times: the rules compare their dates with local days (a start at 00:30 BST on 1 July is
    # 1 July, not 30 June)
    return EpisodeState(
        started_at=timezone.localtime(episode.started_at) if episode.started_at else None,
        ended_at=timezone.localtime(episode.ended_at) if episode.ended_at else None,
        still_missing=episode.still_missing,
        social_care_told_at=episode.social_care_notified_at,
        strategy_held_on=_strategy_held_on(episode),
        return_home_interview=episode.return_home_interview,
        days=days,
        crisis_threshold_days=threshold_days,
    )


def _strategy_held_on(episode: MissingEpisode) -> date | None:
    meeting = episode.strategy_meeting if episode.strategy_meeting_id else None
    return meeting.held_on if meeting is not None else None


MSG_NOT_TRACKED = (
    "This episode was not reported on ccehub (it is from the study or an import): what followed it is "
    "not recorded here"
)


@transaction.atomic
def missing_follow_up(
    *,
    actor: Actor,
    episode: MissingEpisode,
    social_care_notified_at: datetime | None = None,
    strategy_held_on: date | None = None,
    strategy_actions: str = "",
    return_home_interview: str | None = None,
    return_home_interview_on: date | None = None,
) -> MissingEpisode:
    """Record what followed a missing episode (R-32): when children's social care was told, the
    strategy discussion (a strategy meeting record, trigger "missing"), the return home interview.
    Each is recorded once (an interview offered may later be held or declined; the day it was
    offered is kept); what is already recorded is never overwritten."""
    from ccehub.safeguarding.models import StrategyMeeting

    episode = (
        MissingEpisode.objects.select_for_update(of=("self",))
        .select_related("child", "strategy_meeting")
        .get(pk=episode.pk)
    )
    basis = check_can_write(actor, episode.child)
    if not episode.follow_up_tracked:
        raise ValidationError({"__all__": [MSG_NOT_TRACKED]})
    if social_care_notified_at is not None:
        social_care_notified_at = timezone.localtime(social_care_notified_at)
    facts = FollowUpFacts(
        state=episode_state(episode, days=None, threshold_days=crisis_threshold_days()),
        social_care_told_at=social_care_notified_at,
        strategy_held_on=strategy_held_on,
        return_home_interview=return_home_interview or None,
        return_home_interview_on=return_home_interview_on,
    )
    problems = follow_up_problems(facts, now=timezone.now(), today=timezone.localdate())
    if return_home_interview and return_home_interview not in MissingEpisode.ReturnHomeInterview.values:
        problems["return_home_interview"] = "Choose what happened to the return home interview"
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    fields = []
    if social_care_notified_at is not None:
        episode.social_care_notified_at = social_care_notified_at
        fields.append("missing_episodes.social_care_notified_at")
    if strategy_held_on is not None:
        episode.strategy_meeting = fact_record(
            actor=actor,
            child=episode.child,
            model=StrategyMeeting,
            held_on=strategy_held_on,
            trigger=StrategyMeeting.Trigger.MISSING,
            # children's social care convenes it: the home authority, whoever records it
            convening_agency=episode.child.home_local_authority or actor.agency,
            actions=(strategy_actions or "").strip(),
        )
        fields.append("missing_episodes.strategy_meeting")
    if return_home_interview:
        episode.return_home_interview = return_home_interview
        fields.append("missing_episodes.return_home_interview")
        if return_home_interview == MissingEpisode.ReturnHomeInterview.OFFERED:
            episode.return_home_interview_offered_on = return_home_interview_on
            fields.append("missing_episodes.return_home_interview_offered_on")
        else:
            episode.return_home_interview_on = return_home_interview_on
            fields.append("missing_episodes.return_home_interview_on")
    episode.full_clean()
    episode.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        object_type="missingepisode",
        object_id=episode.pk,
        child_pid=episode.child.pseudonymous_id,
        fields=fields,
        basis=basis,
        detail="follow-up",
    )
    return episode


@dataclass(frozen=True)
class EpisodeRow:
    """An episode as the page shows it."""

    episode: MissingEpisode
    days: int | None
    crisis: bool
    open: bool
    #: §4.3.1 stage and the R-32 follow-ups still outstanding; only for episodes reported on ccehub.
    stage: Stage | None = None
    follow_ups: tuple[FollowUp, ...] = ()
    #: R-33: hours from going missing to the report to the police, when both are recorded.
    reported_after_hours: int | None = None


def missing_rows(
    episodes: list[Any], *, now: datetime | None = None, today: date | None = None
) -> list[EpisodeRow]:
    """Each episode with its days missing and whether it reaches the crisis threshold (R-30) of the
    policy profile in force when it began (today's for an episode with no start). Latest first."""
    now = now or timezone.now()
    today = today or timezone.localdate()
    rows = []
    for episode in episodes:
        began = timezone.localtime(episode.started_at).date() if episode.started_at else today
        threshold = profile_in_force(began).missing_crisis_threshold_days
        if episode.still_missing or episode.ended_at is not None:
            days = episode_days(episode.started_at, episode.ended_at, now=now)
        else:  # the end is not known: only a duration given with the record counts
            days = episode.approximate_duration_days
        tracked = episode.follow_up_tracked
        state = episode_state(episode, days=days, threshold_days=threshold) if tracked else None
        rows.append(
            EpisodeRow(
                episode=episode,
                days=days,
                crisis=is_crisis(days, threshold_days=threshold),
                open=bool(episode.still_missing),
                stage=stage(state) if state is not None else None,
                follow_ups=follow_ups(state) if state is not None else (),
                reported_after_hours=reporting_delay_hours(episode.started_at, episode.reported_to_police_at),
            )
        )
    rows.sort(key=lambda r: (r.episode.started_at is not None, r.episode.started_at), reverse=True)
    return rows


def crisis_threshold_days(today: date | None = None) -> int:
    return profile_in_force(today or timezone.localdate()).missing_crisis_threshold_days


def missing_risk(episodes: list[Any], *, now: datetime | None = None) -> HeightenedRisk:
    """R-31 for a child's episodes, by the thresholds of the policy profile in force today."""
    now = now or timezone.now()
    profile = profile_in_force(timezone.localtime(now).date())
    spans = [
        Span(
            started_at=e.started_at,
            ended_at=e.ended_at,
            still_missing=bool(e.still_missing),
            approximate_days=e.approximate_duration_days,
        )
        for e in episodes
    ]
    return heightened_risk(
        spans,
        now=now,
        episodes=profile.missing_frequent_episodes,
        window_days=profile.missing_frequent_window_days,
        long_hours=profile.missing_long_hours,
    )


@dataclass(frozen=True)
class CrisisRun:
    crossed: int
    failed: int


def missing_crises_notify(*, now: datetime | None = None) -> CrisisRun:
    """R-30: every episode reported on ccehub, still missing, that has reached the crisis threshold
    of the profile in force when it began, and has not been notified: its home local authority and
    home police force are told ("a trigger for crisis intervention"), once (``crisis_trigger_fired``),
    and hold the child again if their holdings had ended. Run by ``ccehub notifications send`` (cron).
    One episode that fails is logged, left unfired for the next run, and does not stop the others."""
    import logging

    from django.urls import reverse

    from ccehub.children.home_agencies import rehold_home_agency

    now = now or timezone.now()
    actor = Actor.for_system(
        name="ccehub-missing-crisis", channel="system", purpose="Missing for weeks: crisis (R-30)"
    )
    crossed = failed = 0
    candidates = (
        MissingEpisode.objects.filter(still_missing=True, follow_up_tracked=True, crisis_trigger_fired=False)
        .exclude(started_at__isnull=True)
        .select_related("child__home_local_authority", "child__home_police_force")
    )
    for episode in candidates:
        began = timezone.localtime(episode.started_at).date()
        threshold = profile_in_force(began).missing_crisis_threshold_days
        days = episode_days(episode.started_at, None, now=now)
        if not is_crisis(days, threshold_days=threshold):
            continue
        try:
            with transaction.atomic():
                # a conditional update: of two runs at once (or a child found meanwhile), only one
                # sees the row still missing and unfired
                fired = MissingEpisode.objects.filter(
                    pk=episode.pk, still_missing=True, crisis_trigger_fired=False
                )
                if not fired.update(crisis_trigger_fired=True):
                    continue
                child = episode.child
                text = (
                    f"Child {child.pseudonymous_id} has been missing for {days} days, since "
                    f"{_when(episode.started_at)}: {threshold} days or more is a trigger for crisis "
                    "intervention (R-30)."
                )
                homes = (
                    (child.home_local_authority, CaseHolding.Basis.HOME_LOCAL_AUTHORITY),
                    (child.home_police_force, CaseHolding.Basis.HOME_POLICE_FORCE),
                )
                for agency, basis in homes:
                    if agency is None:
                        continue
                    rehold_home_agency(
                        actor=actor, child=child, agency=agency, basis=basis, why="missing for weeks (R-30)"
                    )
                    notify_agency(
                        actor=actor,
                        child=child,
                        agency=agency,
                        kind="missing_crisis",
                        text=text,
                        link=reverse("children:missing", args=[child.pseudonymous_id]),
                        about=("missingepisode", episode.pk),
                    )
                audit_record(
                    actor=actor,
                    action=Action.UPDATE,
                    object_type="missingepisode",
                    object_id=episode.pk,
                    child_pid=child.pseudonymous_id,
                    fields=["missing_episodes.crisis_trigger_fired"],
                    detail=f"missing {days} days: crisis notified (R-30)",
                )
                # W-5: a missing crisis triggers the crisis response
                from ccehub.panels.crisis import crisis_open

                crisis_open(
                    actor=actor,
                    child=child,
                    trigger="missing_crisis",
                    on=timezone.localtime(now).date(),
                    source=("missingepisode", episode.pk),
                )
        except Exception:  # one episode must not stop the others, nor the emails after them
            logging.getLogger(__name__).exception("Crisis notification for episode %s failed", episode.pk)
            failed += 1
            continue
        crossed += 1
    return CrisisRun(crossed=crossed, failed=failed)
