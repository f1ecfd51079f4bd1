"""Missing episodes on the web (F-14): the list with days missing and the R-30 crisis flag, recording
that a child went missing, and that they were found.

Pages read the child through ``child_get`` (audited, scoped): a child the user cannot see is a 404.
Only a user who may record on the child (a writing basis) sees and uses the forms; a refused post is
an audited 403. Free text (notes, where found) is shown only to those who would see the child's
identity on their basis, never to analysts.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ccehub.children.forms import apply_service_errors
from ccehub.children.missing import (
    crisis_threshold_days,
    missing_episode_found,
    missing_episode_record,
    missing_follow_up,
    missing_risk,
    missing_rows,
    open_episode,
)
from ccehub.children.missing_forms import FollowUpForm, FoundForm, MissingEpisodeForm
from ccehub.children.selectors import ChildNotFound, ChildRecord, child_get, identity_sight
from ccehub.children.services import may_record_on, read_only_message
from ccehub.common.access import Actor
from ccehub.common.refusals import RefusedObject, audit_refusal
from ccehub.common.views import forbidden
from ccehub.common.web import actor_from_request, membership_required
from ccehub.notifications.services import MSG_NO_MAIL_SERVER
from ccehub.rules.missing import STAGE_LABELS

PURPOSE = "Missing episodes"
SECTIONS = ("profile", "missing")
MSG_RECORDED = "Missing episode recorded: the child's joint plan review, if any, is now due within 7 days"
MSG_FOUND = "Recorded: the child was found"
MSG_ALREADY_RECORDED = (
    "That missing episode was already recorded (the form was sent again): it is shown below"
)
MSG_ROLE = "Your role does not record on children's records"
#: Service field → form field, so an error shows against what the user typed.
FIELD_OF = {
    "started_at": "started_on",
    "reported_to_police_at": "reported_on",
    "ended_at": "ended_on",
    "social_care_notified_at": "told_on",
}
MSG_FOLLOW_UP = "Recorded what followed the missing episode"
MSG_KNOWS_NOW = "Recorded: children's social care knows that the child is missing"


def _not_found(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    message = str(exc) if exc else "No missing episode with that reference is available to you"
    return render(request, "common/not_found.html", {"message": message}, status=404)


def _record(actor: Actor, pid: str) -> ChildRecord:
    return child_get(actor=actor, pid=pid, sections=SECTIONS)


def _refuse(request: HttpRequest, actor: Actor, record: ChildRecord) -> HttpResponse:
    reason = read_only_message(record.basis) if actor.can_write_cases else MSG_ROLE
    target = RefusedObject(object_type="missingepisode", child_pid=record.child.pseudonymous_id)
    audit_refusal(request, actor=actor, reason=reason, target=target)
    return forbidden(request, PermissionDenied(reason))


def _service_errors(form: MissingEpisodeForm | FoundForm | FollowUpForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        exc = ValidationError({FIELD_OF.get(k, k): v for k, v in exc.message_dict.items()})
    apply_service_errors(form, exc)


@membership_required
def missing_list(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose=PURPOSE)
    try:
        record = _record(actor, pid)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    episodes = list(record.related["missing_episodes"])
    rows = missing_rows(episodes)
    context = {
        "risk": missing_risk(episodes),
        "record": record,
        "child": record.child,
        "rows": rows,
        "free_text": identity_sight(actor, record.basis),
        "may_record": may_record_on(actor, record.basis),
        "threshold": crisis_threshold_days(),
        "crises": sum(1 for r in rows if r.crisis and r.open),
    }
    return render(request, "children/missing.html", context)


@membership_required
def missing_new(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose=PURPOSE)
    try:
        record = _record(actor, pid)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    if not may_record_on(actor, record.basis):
        return _refuse(request, actor, record)
    form = MissingEpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        already = open_episode(record.child)
        if already is not None and already.started_at == data["started_at"]:
            # the same report sent again (Back then send, a second click): show it, do not refuse it
            messages.info(request, MSG_ALREADY_RECORDED)
            return redirect("children:missing", pid=record.child.pseudonymous_id)
        try:
            missing_episode_record(
                actor=actor,
                child=record.child,
                started_at=data["started_at"],
                missing_from=data["missing_from"],
                reported_by=data["reported_by"],
                reported_to_police_at=data["reported_to_police_at"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        except PermissionDenied:
            return _refuse(request, actor, record)
        else:
            messages.success(request, MSG_RECORDED)
            return redirect("children:missing", pid=record.child.pseudonymous_id)
    context = {"record": record, "child": record.child, "form": form}
    return render(request, "children/missing_new.html", context, status=400 if form.errors else 200)


@membership_required
def missing_found(request: HttpRequest, pid: str, episode_id: str) -> HttpResponse:
    actor = actor_from_request(request, purpose=PURPOSE)
    try:
        record = _record(actor, pid)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    episode = next((e for e in record.related["missing_episodes"] if str(e.pk) == episode_id), None)
    if episode is None or not episode.still_missing:
        target = RefusedObject(
            object_type="missingepisode", object_id=episode_id[:64], child_pid=record.child.pseudonymous_id
        )
        reason = "no such open missing episode on this child's record"
        audit_refusal(request, actor=actor, reason=reason, target=target)
        return _not_found(
            request, ChildNotFound("No open missing episode with that reference is recorded for this child")
        )
    if not may_record_on(actor, record.basis):
        return _refuse(request, actor, record)
    form = FoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            missing_episode_found(
                actor=actor,
                episode=episode,
                ended_at=data["ended_at"],
                found_location=data["found_location"],
                found_in_home_area=data["found_in_home_area"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        except PermissionDenied:
            return _refuse(request, actor, record)
        else:
            messages.success(request, MSG_FOUND)
            return redirect("children:missing", pid=record.child.pseudonymous_id)
    context = {"record": record, "child": record.child, "form": form, "episode": episode}
    return render(request, "children/missing_found.html", context, status=400 if form.errors else 200)


@membership_required
def missing_follow_up_view(request: HttpRequest, pid: str, episode_id: str) -> HttpResponse:
    """What followed an episode reported on ccehub (R-32): telling children's social care, the strategy
    discussion, the return home interview. The home authority's people can say "we know now" in one
    click; everything else is a date the user gives."""
    actor = actor_from_request(request, purpose=PURPOSE)
    try:
        record = _record(actor, pid)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    episode = next(
        (e for e in record.related["missing_episodes"] if str(e.pk) == episode_id and e.follow_up_tracked),
        None,
    )
    if episode is None:
        target = RefusedObject(
            object_type="missingepisode", object_id=episode_id[:64], child_pid=record.child.pseudonymous_id
        )
        audit_refusal(request, actor=actor, reason="no such tracked missing episode", target=target)
        return _not_found(
            request,
            ChildNotFound(
                "No missing episode reported on ccehub with that reference is recorded for this child"
            ),
        )
    may_record = may_record_on(actor, record.basis)
    if request.method == "POST" and not may_record:
        return _refuse(request, actor, record)
    home = record.child.home_local_authority
    is_home = home is not None and actor.agency is not None and home.pk == actor.agency.pk
    form = FollowUpForm(request.POST if request.method == "POST" else None, episode=episode)
    if request.method == "POST" and request.POST.get("knows_now") and is_home:
        try:
            missing_follow_up(actor=actor, episode=episode, social_care_notified_at=timezone.now())
        except ValidationError as exc:
            messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        except PermissionDenied:
            return _refuse(request, actor, record)
        else:
            messages.success(request, MSG_KNOWS_NOW)
        return redirect("children:missing-follow-up", pid=record.child.pseudonymous_id, episode_id=episode.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            missing_follow_up(
                actor=actor,
                episode=episode,
                social_care_notified_at=data.get("social_care_notified_at"),
                strategy_held_on=data.get("strategy_held_on"),
                strategy_actions=data.get("strategy_actions", ""),
                return_home_interview=data.get("return_home_interview") or None,
                return_home_interview_on=data.get("return_home_interview_on"),
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        except PermissionDenied:
            return _refuse(request, actor, record)
        else:
            messages.success(request, MSG_FOLLOW_UP)
            return redirect("children:missing", pid=record.child.pseudonymous_id)
    row = missing_rows([episode])[0]
    notifications = list(
        episode.child.notifications.filter(object_type="missingepisode", object_id=str(episode.pk))
        .select_related("agency")
        .order_by("created_at")
    )
    context = {
        "record": record,
        "child": record.child,
        "episode": episode,
        "row": row,
        "stage_label": STAGE_LABELS[row.stage] if row.stage else "",
        "form": form,
        "may_record": may_record,
        "is_home": is_home,
        "home": home,
        "notifications": notifications,
        "no_mail_server": MSG_NO_MAIL_SERVER,
        "pseudonymised": False,  # the missing page shows its dates to everyone who sees it
        "free_text": identity_sight(actor, record.basis),
    }
    return render(request, "children/missing_follow_up.html", context, status=400 if form.errors else 200)
