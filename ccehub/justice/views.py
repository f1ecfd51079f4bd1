"""A child's charges (W-4): the list, recording a charge, and what happened to it next.

The charging screen shows every open NRM referral on the child (J-04), not only those linked to the
charge's incident; a linked referral with a positive RG stays the charge (R-09). Police record; anyone
who may see the child's record sees the page (pseudonymised for analysts: no free-text reasons).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ccehub.children.forms import apply_service_errors
from ccehub.children.selectors import ChildNotFound, ChildRecord, child_get, identity_sight
from ccehub.children.services import may_record_on, read_only_message
from ccehub.common.access import Actor
from ccehub.common.once import new_token, posted_with_token, submission_key
from ccehub.common.refusals import RefusedObject, audit_refusal
from ccehub.common.views import forbidden
from ccehub.common.web import actor_from_request, membership_required
from ccehub.justice import services
from ccehub.justice.forms import (
    ChargeForm,
    ChargeStepForm,
    CourtOutcomeForm,
    EndedEarlyForm,
    ProsecutionDecisionForm,
)
from ccehub.justice.models import Charge, ChargeStatus
from ccehub.justice.selectors import charging_notices_for
from ccehub.rules.prosecution import CONCLUDED, ChargeState, allowed_next

SECTIONS = ("profile", "incidents", "justice", "nrm")
PURPOSE = "Charges and prosecution"
MSG_RECORDED = "Charge recorded"
MSG_RECORDED_STAYED = "Charge recorded and stayed pending the conclusive-grounds decision (R-09)"
MSG_ALREADY_RECORDED = "That charge was already recorded: it is shown below (the form was sent twice)"
MSG_UPDATED = "Charge updated: {status}"
MSG_OUTCOME_RECORDED = "Court outcome recorded"
MSG_ENDED_EARLY = "Recorded: the sentence ended after {months} months"
#: Charges on which the court can still act (a remand, or the sentence on a conviction).
COURT_STATUSES = frozenset({ChargeStatus.COURT_PROCEEDINGS, ChargeStatus.CONVICTED})


def _not_found(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    message = str(exc) if exc else "No charge with that reference is available to you"
    return render(request, "common/not_found.html", {"message": message}, status=404)


def _no_such(
    request: HttpRequest, actor: Actor, record: ChildRecord, object_type: str, object_id: str, what: str
) -> HttpResponse:
    """A 404 for an id that names nothing of this child's (a charge, an outcome, an incident), audited
    as a refusal: ids of other children's rows under this child's reference are how records leak."""
    target = RefusedObject(
        object_type=object_type, object_id=object_id[:64], child_pid=record.child.pseudonymous_id
    )
    audit_refusal(request, actor=actor, reason=f"no such {what} on this child's record", target=target)
    return _not_found(request, ChildNotFound(f"No {what} with that reference is recorded for this child"))


def _record(actor: Actor, pid: str) -> ChildRecord:
    return child_get(actor=actor, pid=pid, sections=SECTIONS)


def _free_text(actor: Actor, record: ChildRecord) -> bool:
    """Whether the actor sees free text on these pages. They do not load the identity section (no name
    is shown), so ``record.pseudonymised`` is always true here: what decides is whether the actor
    would see the identity on this basis (an analyst never does)."""
    return identity_sight(actor, record.basis)


def _may_charge(actor: Actor, record: ChildRecord) -> bool:
    return services.is_police(actor) and may_record_on(actor, record.basis)


def _may_record_outcome(actor: Actor, record: ChildRecord) -> bool:
    return services.may_record_court_outcome(actor) and may_record_on(actor, record.basis)


def _refuse(
    request: HttpRequest, actor: Actor, record: ChildRecord, object_type: str, *, role_message: str = ""
) -> HttpResponse:
    """The audited 403 for a form the actor may not use on this child."""
    role_ok = services.may_record_court_outcome(actor) if role_message else services.is_police(actor)
    reason = (role_message or services.MSG_CHARGE_ROLE) if not role_ok else read_only_message(record.basis)
    target = RefusedObject(object_type=object_type, child_pid=record.child.pseudonymous_id)
    audit_refusal(request, actor=actor, reason=reason, target=target)
    return forbidden(request, PermissionDenied(reason))


def _title(free_text: bool, charge: Charge) -> str:
    """The charge as a heading: its description as charged, or for a pseudonymised viewer only the
    catalogue's offence (the description is free text)."""
    if not free_text or not charge.offence_description:
        return charge.offence_label
    return charge.offence_description


def _incident_label(incident: Any) -> str:
    when = timezone.localtime(incident.occurred_at) if incident.occurred_at else None  # UK day, not UTC
    return (
        f"{incident.get_incident_type_display()} on {when:%-d %B %Y}"
        if when
        else incident.get_incident_type_display()
    )


@membership_required
def charge_list(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose=PURPOSE)
    try:
        record = _record(actor, pid)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    incidents = {i.pk: i for i in record.related["incidents"]}
    referrals = record.related["nrm_referrals"]
    free_text = _free_text(actor, record)
    rows = []
    for charge in record.related["charges"]:
        incident = incidents.get(charge.incident_id)
        live = ChargeState(charge.status) not in CONCLUDED
        rows.append(
            {
                "charge": charge,
                "title": _title(free_text, charge),
                "incident": _incident_label(incident) if incident else "",
                "reason": charge.status_reason if free_text else "",
                "notices": charging_notices_for(referrals, incident=incident) if live else (),
                "live": live,
            }
        )
    context = {
        "record": record,
        "child": record.child,
        "rows": rows,
        "may_charge": _may_charge(actor, record),
        "incidents": [(i.pk, _incident_label(i)) for i in reversed(record.related["incidents"])],
    }
    return render(request, "justice/charges.html", context)


@membership_required
def charge_new(request: HttpRequest, pid: str) -> HttpResponse:
    """Record a charge, for one of the child's incidents (``?incident=ID``) or none (J-04 notices first)."""
    actor = actor_from_request(request, purpose=PURPOSE)
    try:
        record = _record(actor, pid)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    if not _may_charge(actor, record):
        return _refuse(request, actor, record, "charge")
    wanted = (request.GET.get("incident") or request.POST.get("incident") or "").strip()
    incident = next((i for i in record.related["incidents"] if str(i.pk) == wanted), None)
    if wanted and incident is None:
        return _not_found(
            request, ChildNotFound("No incident with that reference is recorded for this child")
        )
    pid = record.child.pseudonymous_id
    # The form's one-time token, scoped to the user: the same form sent again (Back then send, a
    # second click without JavaScript, two clicks at once) shows the charge already recorded.
    key = submission_key(request)

    def already_recorded() -> HttpResponse | None:
        earlier = Charge.objects.filter(child=record.child, request_key=key).first() if key else None
        if earlier is None:
            return None
        messages.info(request, MSG_ALREADY_RECORDED)
        return redirect("children:charge", pid=pid, charge_id=earlier.pk)

    if request.method == "POST" and (shown := already_recorded()) is not None:
        return shown
    form = ChargeForm(posted_with_token(request), initial={"submission": new_token()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            charge = services.charge_record(
                actor=actor,
                child=record.child,
                offence=data["offence"],
                incident=incident,
                offence_description=data["offence_description"],
                charged_on=data["charged_on"],
                request_key=key,
            )
        except IntegrityError:
            # the same form sent twice at once: the other request recorded the charge first
            if (shown := already_recorded()) is None:
                raise
            return shown
        except ValidationError as exc:
            if (shown := already_recorded()) is not None:
                return shown
            apply_service_errors(form, exc)
        except PermissionDenied:
            return _refuse(request, actor, record, "charge")
        else:
            stayed = charge.status == ChargeStatus.STAYED_PENDING_CG
            messages.success(request, MSG_RECORDED_STAYED if stayed else MSG_RECORDED)
            return redirect("children:charges", pid=pid)
    context = {
        "record": record,
        "child": record.child,
        "form": form,
        "incident": incident,
        "incident_label": _incident_label(incident) if incident else "",
        "notices": charging_notices_for(record.related["nrm_referrals"], incident=incident),
    }
    return render(request, "justice/charge_new.html", context, status=400 if form.errors else 200)


@membership_required
def charge_detail(request: HttpRequest, pid: str, charge_id: str) -> HttpResponse:
    """One charge: its notices, and the next step (W-4) or the prosecution decision on a stay (J-03)."""
    actor = actor_from_request(request, purpose=PURPOSE)
    found = _charge_page(request, actor, pid, charge_id)
    if isinstance(found, HttpResponse):
        return found
    record, charge = found
    may_charge = _may_charge(actor, record)
    if request.method == "POST" and not may_charge:
        return _refuse(request, actor, record, "charge")
    stayed = charge.status == ChargeStatus.STAYED_PENDING_CG
    posted = request.POST if request.method == "POST" else None
    form: ChargeStepForm | ProsecutionDecisionForm | None = None
    if stayed:
        form = ProsecutionDecisionForm(posted)
    elif allowed_next(charge.status):
        form = ChargeStepForm(posted, current=charge.status)
    if posted is not None and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if stayed and data["decision"] == "continue":
                done = services.charge_prosecution_continue(
                    actor=actor, charge=charge, justification=data["text"]
                )
            elif stayed:
                done = services.charge_discontinue(actor=actor, charge=charge, reason=data["text"])
            else:
                done = services.charge_step(
                    actor=actor,
                    charge=charge,
                    to_status=data["to_status"],
                    reason=data["reason"],
                    on=data["on"],
                )
        except ValidationError as exc:
            shown = exc
            if hasattr(exc, "error_dict"):
                rename = {"justification": "text", "reason": "text"} if stayed else {}
                shown = ValidationError({rename.get(k, k): v for k, v in exc.message_dict.items()})
            apply_service_errors(form, shown)
        except PermissionDenied:
            return _refuse(request, actor, record, "charge")
        else:
            messages.success(request, MSG_UPDATED.format(status=done.get_status_display().lower()))
            return redirect("children:charges", pid=record.child.pseudonymous_id)
    incident = next((i for i in record.related["incidents"] if i.pk == charge.incident_id), None)
    live = ChargeState(charge.status) not in CONCLUDED
    free_text = _free_text(actor, record)
    context = {
        "free_text": free_text,
        "record": record,
        "child": record.child,
        "charge": charge,
        "title": _title(free_text, charge),
        "incident_label": _incident_label(incident) if incident else "",
        "reason": charge.status_reason if free_text else "",
        "justification": charge.prosecution_justification if free_text else "",
        "notices": charging_notices_for(record.related["nrm_referrals"], incident=incident) if live else (),
        "form": form if may_charge else None,
        "stayed": stayed,
        "outcomes": [o for o in record.related["court_outcomes"] if o.charge_id == charge.pk],
        "may_record_outcome": charge.status in COURT_STATUSES and _may_record_outcome(actor, record),
        "may_end_early": _may_record_outcome(actor, record),
    }
    status = 400 if form is not None and form.errors else 200
    return render(request, "justice/charge_detail.html", context, status=status)


def _charge(record: ChildRecord, charge_id: str) -> Charge | None:
    return next((c for c in record.related["charges"] if str(c.pk) == charge_id), None)


def _charge_page(
    request: HttpRequest, actor: Actor, pid: str, charge_id: str
) -> tuple[ChildRecord, Charge] | HttpResponse:
    """The child's record (the read audited) and the charge the URL names, or the 404 to return: no
    such child for this actor, or no such charge on this child (audited as a refusal)."""
    try:
        record = _record(actor, pid)
    except ChildNotFound as exc:
        return _not_found(request, exc)
    charge = _charge(record, charge_id)
    if charge is None:
        return _no_such(request, actor, record, "charge", charge_id, "charge")
    return record, charge


@membership_required
def court_outcome_new(request: HttpRequest, pid: str, charge_id: str) -> HttpResponse:
    """Record what the court did on a charge: a remand, or the sentence on a conviction (W-4)."""
    actor = actor_from_request(request, purpose=PURPOSE)
    found = _charge_page(request, actor, pid, charge_id)
    if isinstance(found, HttpResponse):
        return found
    record, charge = found
    if not _may_record_outcome(actor, record):
        return _refuse(request, actor, record, "court_outcome", role_message=services.MSG_COURT_ROLE)
    form = CourtOutcomeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.court_outcome_record(
                actor=actor,
                charge=charge,
                decided_on=data["decided_on"],
                remanded_in_custody=data["remanded_in_custody"],
                sentence_type=data["sentence_type"],
                length_months=data["length_months"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied:
            return _refuse(request, actor, record, "court_outcome", role_message=services.MSG_COURT_ROLE)
        else:
            messages.success(request, MSG_OUTCOME_RECORDED)
            return redirect("children:charge", pid=record.child.pseudonymous_id, charge_id=charge.pk)
    context = {
        "record": record,
        "child": record.child,
        "charge": charge,
        "form": form,
        "title": _title(_free_text(actor, record), charge),
    }
    return render(request, "justice/court_outcome_new.html", context, status=400 if form.errors else 200)


@membership_required
def sentence_end_early(request: HttpRequest, pid: str, charge_id: str, outcome_id: str) -> HttpResponse:
    """Record that a sentence ended early (W-4 SENTENCED → COMPLETED early, as Tom's YRO did)."""
    actor = actor_from_request(request, purpose=PURPOSE)
    found = _charge_page(request, actor, pid, charge_id)
    if isinstance(found, HttpResponse):
        return found
    record, charge = found
    outcome = next(
        (o for o in record.related["court_outcomes"] if o.charge_id == charge.pk and str(o.pk) == outcome_id),
        None,
    )
    if outcome is None:
        return _no_such(request, actor, record, "courtoutcome", outcome_id, "court outcome")
    if not _may_record_outcome(actor, record):
        return _refuse(request, actor, record, "court_outcome", role_message=services.MSG_COURT_ROLE)
    form = EndedEarlyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sentence_ended_early(
                actor=actor, outcome=outcome, months=data["months"], reason=data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied:
            return _refuse(request, actor, record, "court_outcome", role_message=services.MSG_COURT_ROLE)
        else:
            messages.success(request, MSG_ENDED_EARLY.format(months=data["months"]))
            return redirect("children:charge", pid=record.child.pseudonymous_id, charge_id=charge.pk)
    context = {"record": record, "child": record.child, "charge": charge, "outcome": outcome, "form": form}
    return render(request, "justice/sentence_ended_early.html", context, status=400 if form.errors else 200)
