"""E-25, F-31, the debt-risk register on the web: /children/PID/debts/.

The drug debts recorded on the child (R-39: a seizure, a robbery, a friend's debt, lost drugs), the
safety plan made for each and when it was cleared; for an agency that may record on the child, "Record
a drug debt". Read through ``child_get`` (audited, scoped: a child the user cannot see is a 404); a
refused post is an audited 403. Who is owed and the plan are free text, shown to those who see the
record in full.
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
from ccehub.common.models import TriState
from ccehub.common.once import new_token, posted_with_token, shown_if_recorded, submission_key
from ccehub.common.views import refused_on_child
from ccehub.common.web import actor_from_request, membership_required
from ccehub.safeguarding.debts import (
    debt_clear,
    debt_record,
    debt_safety_plan,
    incident_debts_not_registered,
)
from ccehub.safeguarding.models import DebtRisk

MSG_RECORDED = "Recorded: the drug debt (R-39)"
MSG_PLANNED = "Recorded: the safety plan for the debt"
MSG_CLEARED = "Recorded: the debt is no longer a risk"
MSG_ALREADY_RECORDED = "That debt was already recorded: it is listed below (the form was sent twice)"
SECTIONS = ("profile", "safeguarding")
#: "Not known" is an answer (unknown); a question left unanswered is "not recorded" (§3.1).
THREATS = [
    (TriState.RECORDED_PRESENT, "Yes"),
    (TriState.RECORDED_ABSENT, "No"),
    (TriState.UNKNOWN, "Not known"),
]


class DebtForm(forms.Form):
    cause = forms.ChoiceField(
        label="What did the debt come from?",
        choices=DebtRisk.Cause.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what the debt came from",
            "invalid_choice": "Choose what the debt came from",
        },
    )
    known_on = _date_field("Date it became known")
    amount_pounds = forms.DecimalField(
        label="How much, in pounds",
        help_text="Often not known: leave it empty rather than guess.",
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Enter the amount as a number of pounds, like 300 or 300.50",
            "min_value": "The amount cannot be negative",
            "max_digits": "Enter an amount under £1,000,000",
            "max_decimal_places": "Enter pounds and pence, like 300.50",
            "max_whole_digits": "Enter an amount under £1,000,000",
        },
    )
    threats = forms.ChoiceField(
        label="Have threats been made about it?",
        choices=THREATS,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose yes, no or not known"},
    )
    arrest = forms.ChoiceField(
        label="The arrest it came from",
        required=False,
        error_messages={"invalid_choice": "Choose one of the child's arrests, or none"},
    )
    description = forms.CharField(
        label="Who is owed, and what is known",
        help_text="Shown only to those who see the record in full.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    #: the form's one-time token (ccehub.common.once)
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, arrests: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        choices = [("", "None, or not known")]
        for arrest in arrests:
            by = arrest.arresting_force.name if arrest.arresting_force else "a force not recorded"
            choices.append((str(arrest.pk), f"{arrest_day(arrest)}, by {by}"))
        self.fields["arrest"].choices = choices  # type: ignore[attr-defined]


def arrest_day(arrest: Any) -> str:
    """An arrest's day as the chronology writes it (synthetic and approximate dates said so)."""
    from ccehub.children.presenters import date_text

    at = arrest.arrested_at
    day = (timezone.localtime(at) if timezone.is_aware(at) else at).date() if at is not None else None
    return date_text(day, arrest.arrested_at_basis)


def _refused(request: HttpRequest, actor: Any, pid: str, reason: str) -> HttpResponse:
    return refused_on_child(request, actor, object_type="debtrisk", pid=pid, reason=reason)


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "common/not_found.html", {"message": message}, status=404)


@membership_required
def debts_page(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Debt-risk register")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return _not_found(request, str(exc))
    child = record.child
    may_record = may_record_on(actor, record.basis)
    from ccehub.justice.models import Arrest

    # the arrests to choose from, for those who may record (the child's own only)
    arrests = (
        list(Arrest.objects.filter(child=child).select_related("arresting_force").order_by("arrested_at"))
        if may_record
        else []
    )
    form = DebtForm(posted_with_token(request), initial={"submission": new_token()}, arrests=arrests)
    key = submission_key(request)

    def already_recorded() -> HttpResponse | None:
        url = reverse("children:debts", args=[child.pseudonymous_id])
        return shown_if_recorded(request, DebtRisk, key, MSG_ALREADY_RECORDED, url)

    if request.method == "POST":
        answer = post_once(
            form,
            refused=None if may_record else not_allowed_reason(actor, record),
            refuse=lambda reason: _refused(request, actor, child.pseudonymous_id, reason),
            already_recorded=already_recorded,
            save=lambda d: debt_record(
                actor=actor,
                child=child,
                cause=d["cause"],
                known_on=d["known_on"],
                amount_pounds=d["amount_pounds"],
                threats=d["threats"] or TriState.NOT_RECORDED,  # unanswered: not recorded
                arrest_id=d["arrest"] or None,
                description=d["description"],
                request_key=key,
            ),
            done=lambda: recorded(request, MSG_RECORDED, "children:debts", child),
        )
        if answer is not None:
            return answer
    debts = sorted(record.related["debt_risks"], key=lambda d: (d.known_on, d.created_at), reverse=True)
    for debt in debts:
        debt.arrest_text = arrest_day(debt.arrest) if debt.arrest is not None else ""  # type: ignore[attr-defined]
    context = {
        "at_incidents": incident_debts_not_registered(child, debts),
        "record": record,
        "child": child,
        "debts": debts,
        "form": form if may_record else None,
        "may_record": may_record,
        "errors_form": form,
        # who is owed and the plan can name people: for those who see the record in full only
        "full_text": identity_sight(actor, record.basis),
    }
    return render(request, "children/debts.html", context, status=400 if form.errors else 200)


class PlanForm(forms.Form):
    safety_plan_on = _date_field("Date the safety plan was made")
    safety_plan = forms.CharField(
        label="What the safety plan is",
        help_text="Shown only to those who see the record in full.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what the safety plan is"},
    )


class ClearForm(forms.Form):
    cleared_on = _date_field("Date it stopped being a risk")
    cleared_reason = forms.CharField(
        label="Why it is no longer a risk (paid, written off, or recorded in error)",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Say why it is no longer a risk (paid, written off, or recorded in error)"
        },
    )


def _debt_action(request: HttpRequest, pid: str, debt_id: str, *, clearing: bool) -> HttpResponse:
    actor = actor_from_request(request, purpose="Debt-risk register")
    try:
        record = child_get(actor=actor, pid=pid, sections=SECTIONS)
    except ChildNotFound as exc:
        return _not_found(request, str(exc))
    child = record.child
    debt = next((d for d in record.related["debt_risks"] if str(d.pk) == debt_id), None)
    if debt is None:
        return _not_found(request, "No such debt for this child")
    if not may_record_on(actor, record.basis):
        reason = not_allowed_reason(actor, record)
        return _refused(request, actor, child.pseudonymous_id, reason)
    if debt.cleared_on is not None or (not clearing and debt.safety_plan_on is not None):
        return redirect("children:debts", pid=child.pseudonymous_id)
    data = request.POST if request.method == "POST" else None
    form: forms.Form = ClearForm(data) if clearing else PlanForm(data)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if clearing:
                debt_clear(actor=actor, debt=debt, on=d["cleared_on"], reason=d["cleared_reason"])
            else:
                debt_safety_plan(actor=actor, debt=debt, on=d["safety_plan_on"], plan=d["safety_plan"])
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            return _refused(request, actor, child.pseudonymous_id, str(exc))
        else:
            messages.success(request, MSG_CLEARED if clearing else MSG_PLANNED)
            return redirect("children:debts", pid=child.pseudonymous_id)
    context = {
        "child": child,
        "debt": debt,
        "form": form,
        "clearing": clearing,
        "full_text": identity_sight(actor, record.basis),
    }
    return render(request, "children/debt.html", context, status=400 if form.errors else 200)


@membership_required
def debt_plan_page(request: HttpRequest, pid: str, debt_id: str) -> HttpResponse:
    """Record the safety plan made for a debt (R-39)."""
    return _debt_action(request, pid, debt_id, clearing=False)


@membership_required
def debt_clear_page(request: HttpRequest, pid: str, debt_id: str) -> HttpResponse:
    """Record that a debt is no longer a risk."""
    return _debt_action(request, pid, debt_id, clearing=True)
