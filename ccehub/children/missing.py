"""Missing episodes on a child's record (E-08, F-14): reported missing, then found.

The rules (days missing, the R-30 crisis threshold, what times a record may hold) are pure, in
:mod:`ccehub.rules.missing`; this module stores, audits and brings the joint plan's review forward.

* Whoever may record on the child (police, children's social care, the youth offending team, health,
  on a writing basis) records that the child went missing, and later that they were found.
* A new episode is a trigger event for every open joint plan (R-31, R-50): its review comes to within
  7 days of the day the child went missing.
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
from ccehub.children.models import Child, Identity, MissingEpisode, RelativeToIncident
from ccehub.children.services import check_can_write, fact_record
from ccehub.common.access import Actor
from ccehub.common.models import TriState
from ccehub.rules.escalation import TriggerEvent
from ccehub.rules.missing import EpisodeFacts, episode_days, episode_problems, is_crisis
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
    return episode


@dataclass(frozen=True)
class EpisodeRow:
    """An episode as the page shows it."""

    episode: MissingEpisode
    days: int | None
    crisis: bool
    open: bool


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
        rows.append(
            EpisodeRow(
                episode=episode,
                days=days,
                crisis=is_crisis(days, threshold_days=threshold),
                open=bool(episode.still_missing),
            )
        )
    rows.sort(key=lambda r: (r.episode.started_at is not None, r.episode.started_at), reverse=True)
    return rows


def crisis_threshold_days(today: date | None = None) -> int:
    return profile_in_force(today or timezone.localdate()).missing_crisis_threshold_days
