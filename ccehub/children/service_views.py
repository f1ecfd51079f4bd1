"""E-17, referrals to services on the web: /children/PID/services/.

The child's referrals to services, what became of them, whether the child could be compelled to
engage (R-54), how many services work with the child now (R-51) and, for an agency that may record on
the child, "Record a referral to a service". Read through ``child_get`` (audited, scoped: a child
the user cannot see is a 404); a refused post is an audited 403. The reasons are free text, shown to
those who see the record in full.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from ccehub.children.forms import apply_service_errors, not_allowed_reason, post_once, recorded
from ccehub.children.missing_forms import _date_field
from ccehub.children.selectors import ChildNotFound, child_get, identity_sight
from ccehub.children.services import may_record_on
from ccehub.common.once import new_token, posted_with_token, shown_if_recorded, submission_key
from ccehub.common.views import refused_on_child
from ccehub.common.web import actor_from_request, membership_required
from ccehub.safeguarding.models import ServiceReferral
from ccehub.safeguarding.service_referrals import (
    charge_and_order_facts,
    referrals_shown,
    service_referral_correct,
    service_referral_end,
    service_referral_outcome,
    service_referral_record,
)

MSG_RECORDED = "Recorded: the referral to a service"
MSG_OUTCOME = "Recorded: what became of the referral"
MSG_ENDED = "Recorded: the service stopped working with the child"
MSG_CORRECTED = "Taken back: the referral awaits an answer again"
MSG_ALREADY_RECORDED = "That referral was already recorded: it is listed below (the form was sent twice)"
SECTIONS = ("profile", "safeguarding")


class ServiceReferralForm(forms.Form):
    service = forms.ChoiceField(
        label="Which service was the child referred to?",
        choices=ServiceReferral.Service.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the service the child was referred to"},
    )
    made_on = _date_field("Date of the referral")
    reason = forms.CharField(
        label="Why",
        help_text="Shown only to those who see the record in full.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    #: the form's one-time token (ccehub.common.once)
    submission = forms.CharField(widget=forms.HiddenInput, required=False)


def _refused(request: HttpRequest, actor: Any, pid: str, reason: str) -> HttpResponse:
    return refused_on_child(request, actor, object_type="servicereferral", pid=pid, reason=reason)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "common/not_found.html", {"message": message}, status=404)


@membership_required
def service_referrals_page(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Referrals to services")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return _not_found(request, str(exc))
    child = record.child
    may_record = may_record_on(actor, record.basis)
    form = ServiceReferralForm(posted_with_token(request), initial={"submission": new_token()})
    key = submission_key(request)

    def already_recorded() -> HttpResponse | None:
        url = reverse("children:services", args=[child.pseudonymous_id])
        return shown_if_recorded(request, ServiceReferral, key, MSG_ALREADY_RECORDED, url)

    if request.method == "POST":
        answer = post_once(
            form,
            refused=None if may_record else not_allowed_reason(actor, record),
            refuse=lambda reason: _refused(request, actor, child.pseudonymous_id, reason),
            already_recorded=already_recorded,
            save=lambda d: service_referral_record(
                actor=actor,
                child=child,
                service=d["service"],
                made_on=d["made_on"],
                reason=d["reason"],
                request_key=key,
            ),
            done=lambda: recorded(request, MSG_RECORDED, "children:services", child),
        )
        if answer is not None:
            return answer
    # R-54 reads the charges and court orders (a yes/no/not known, not the charges themselves)
    charges, orders = charge_and_order_facts(child)
    shown, working = referrals_shown(
        record.related["service_referrals"], charges, orders, today=timezone.localdate()
    )
    labels = dict(ServiceReferral.Service.choices)
    context = {
        "record": record,
        "child": child,
        "referrals": shown,
        "working": sorted(labels[s] for s in working),
        "form": form if may_record else None,
        "may_record": may_record,
        "errors_form": form,
        # the reasons can name people: for those who see the record in full only
        "full_text": identity_sight(actor, record.basis),
    }
    return render(request, "children/services.html", context, status=400 if form.errors else 200)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="What became of the referral?",
        choices=[c for c in ServiceReferral.Outcome.choices if c[0] != ServiceReferral.Outcome.AWAITING],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what became of the referral"},
    )
    outcome_on = _date_field("Date of the answer")


class EndForm(forms.Form):
    ended_on = _date_field("Date the service stopped working with the child")


@membership_required
def service_referral_page(request: HttpRequest, pid: str, referral_id: str) -> HttpResponse:
    """Record what became of a referral or, once accepted, that the service stopped."""
    actor = actor_from_request(request, purpose="Referrals to services")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return _not_found(request, str(exc))
    child = record.child
    referral = next((r for r in record.related["service_referrals"] if str(r.pk) == referral_id), None)
    if referral is None:
        return _not_found(request, "No such referral for this child")
    if not may_record_on(actor, record.basis):
        reason = not_allowed_reason(actor, record)
        return _refused(request, actor, child.pseudonymous_id, reason)
    awaiting = referral.outcome == ServiceReferral.Outcome.AWAITING
    ending = referral.outcome == ServiceReferral.Outcome.ACCEPTED and referral.ended_on is None
    if not awaiting and not ending:
        return redirect("children:services", pid=child.pseudonymous_id)
    data = request.POST if request.method == "POST" else None
    form: forms.Form = OutcomeForm(data) if awaiting else EndForm(data)
    if request.method == "POST" and form.is_valid():
        try:
            if awaiting:
                service_referral_outcome(
                    actor=actor,
                    referral=referral,
                    outcome=form.cleaned_data["outcome"],
                    on=form.cleaned_data["outcome_on"],
                )
            else:
                service_referral_end(actor=actor, referral=referral, ended_on=form.cleaned_data["ended_on"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            return _refused(request, actor, child.pseudonymous_id, str(exc))
        else:
            messages.success(request, MSG_OUTCOME if awaiting else MSG_ENDED)
            return redirect("children:services", pid=child.pseudonymous_id)
    context = {
        "child": child,
        "referral": referral,
        "form": form,
        "awaiting": awaiting,
        "full_text": identity_sight(actor, record.basis),
    }
    return render(request, "children/service.html", context, status=400 if form.errors else 200)


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="What was wrong with the answer recorded",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what was wrong with the answer recorded"},
    )


@membership_required
def service_referral_correct_page(request: HttpRequest, pid: str, referral_id: str) -> HttpResponse:
    """Take back an answer recorded in error: the referral awaits an answer again."""
    actor = actor_from_request(request, purpose="Referrals to services")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return _not_found(request, str(exc))
    child = record.child
    referral = next((r for r in record.related["service_referrals"] if str(r.pk) == referral_id), None)
    if referral is None:
        return _not_found(request, "No such referral for this child")
    if not may_record_on(actor, record.basis):
        reason = not_allowed_reason(actor, record)
        return _refused(request, actor, child.pseudonymous_id, reason)
    if referral.outcome == ServiceReferral.Outcome.AWAITING:
        return redirect("children:services", pid=child.pseudonymous_id)
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service_referral_correct(actor=actor, referral=referral, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            return _refused(request, actor, child.pseudonymous_id, str(exc))
        else:
            messages.success(request, MSG_CORRECTED)
            return redirect("children:services", pid=child.pseudonymous_id)
    context = {"child": child, "referral": referral, "form": form}
    return render(request, "children/service_correct.html", context, status=400 if form.errors else 200)
