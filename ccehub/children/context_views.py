"""F-16, contextual safeguarding on the web: /children/PID/context/.

The risks from outside the family recorded on the child (a relationship with an adult, associates,
a place, a gang or group) and, for an agency that may record on the child, "Record a contextual
risk". Read through ``child_get`` (audited, scoped: a child the user cannot see is a 404); a refused
post is an audited 403. The descriptions are free text, shown to those who see the record in full.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ccehub.children.forms import apply_service_errors, not_allowed_reason, post_once, recorded
from ccehub.children.missing_forms import _date_field
from ccehub.children.selectors import ChildNotFound, child_get, identity_sight
from ccehub.children.services import may_record_on
from ccehub.common.once import new_token, posted_with_token, shown_if_recorded, submission_key
from ccehub.common.views import refused_on_child
from ccehub.common.web import actor_from_request, membership_required
from ccehub.safeguarding.context import contextual_risk_end, contextual_risk_record
from ccehub.safeguarding.models import ContextualRisk

MSG_RECORDED = "Recorded: the contextual risk (F-16)"
MSG_ENDED = "Recorded: the risk is over (F-16)"
MSG_ALREADY_RECORDED = (
    "That contextual risk was already recorded: it is listed below (the form was sent twice)"
)
SECTIONS = ("profile", "safeguarding")


class ContextualRiskForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of risk is it?",
        choices=ContextualRisk.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of risk it is"},
    )
    recorded_on = _date_field("Date it became known")
    description = forms.CharField(
        label="What is known about it",
        help_text="Who or where, and why it is a risk. Shown only to those who see the record in full.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what is known about the risk"},
    )
    #: the form's one-time token (ccehub.common.once)
    submission = forms.CharField(widget=forms.HiddenInput, required=False)


def _refused(request: HttpRequest, actor: Any, pid: str, reason: str) -> HttpResponse:
    return refused_on_child(request, actor, object_type="contextualrisk", pid=pid, reason=reason)


@membership_required
def contextual_risks_page(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Contextual safeguarding")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return render(request, "common/not_found.html", {"message": str(exc)}, status=404)
    child = record.child
    may_record = may_record_on(actor, record.basis)
    form = ContextualRiskForm(posted_with_token(request), initial={"submission": new_token()})
    key = submission_key(request)

    def already_recorded() -> HttpResponse | None:
        url = reverse("children:context", args=[child.pseudonymous_id])
        return shown_if_recorded(request, ContextualRisk, key, MSG_ALREADY_RECORDED, url)

    if request.method == "POST":
        answer = post_once(
            form,
            refused=None if may_record else not_allowed_reason(actor, record),
            refuse=lambda reason: _refused(request, actor, child.pseudonymous_id, reason),
            already_recorded=already_recorded,
            save=lambda d: contextual_risk_record(
                actor=actor,
                child=child,
                kind=d["kind"],
                recorded_on=d["recorded_on"],
                description=d["description"],
                request_key=key,
            ),
            done=lambda: recorded(request, MSG_RECORDED, "children:context", child),
        )
        if answer is not None:
            return answer
    risks = sorted(
        record.related["contextual_risks"], key=lambda r: (r.recorded_on, r.created_at), reverse=True
    )
    context = {
        "record": record,
        "child": child,
        "risks": risks,
        "form": form if may_record else None,
        "may_record": may_record,
        "errors_form": form,
        # the descriptions can name people and places: for those who see the record in full only
        "full_text": identity_sight(actor, record.basis),
    }
    return render(request, "children/context.html", context, status=400 if form.errors else 200)


class EndForm(forms.Form):
    ended_on = _date_field("Date it stopped being a risk")
    end_reason = forms.CharField(
        label="Why it is no longer a risk (or that it was recorded in error)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why it is no longer a risk (or that it was recorded in error)"},
    )


@membership_required
def contextual_risk_end_page(request: HttpRequest, pid: str, risk_id: str) -> HttpResponse:
    """Record that a contextual risk is over, or was recorded in error (an agency that may record)."""
    actor = actor_from_request(request, purpose="Contextual safeguarding")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return render(request, "common/not_found.html", {"message": str(exc)}, status=404)
    child = record.child
    risk = next((r for r in record.related["contextual_risks"] if str(r.pk) == risk_id), None)
    if risk is None:
        return render(
            request,
            "common/not_found.html",
            {"message": "No such contextual risk for this child"},
            status=404,
        )
    if not may_record_on(actor, record.basis):
        reason = not_allowed_reason(actor, record)
        return _refused(request, actor, child.pseudonymous_id, reason)
    form = EndForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            contextual_risk_end(
                actor=actor,
                risk=risk,
                ended_on=form.cleaned_data["ended_on"],
                reason=form.cleaned_data["end_reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            return _refused(request, actor, child.pseudonymous_id, str(exc))
        else:
            messages.success(request, MSG_ENDED)
            return redirect("children:context", pid=child.pseudonymous_id)
    context = {"child": child, "risk": risk, "form": form, "full_text": identity_sight(actor, record.basis)}
    return render(request, "children/context_end.html", context, status=400 if form.errors else 200)
