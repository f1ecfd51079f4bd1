"""The crisis response on the web (W-5's start): /children/PID/crisis/.

Read through ``child_get`` (audited, scoped: a child the user cannot see is a 404). Anyone who may
record on the child records the return to the home area; the home local authority convenes and
closes; the home authority or a CCE panel opens one by hand. A refused post is an audited 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ccehub.children.forms import apply_service_errors
from ccehub.children.selectors import ChildNotFound, child_get
from ccehub.children.services import may_record_on, read_only_message
from ccehub.common.dateinput import GovukDateField
from ccehub.common.views import refused_on_child
from ccehub.common.web import actor_from_request, membership_required
from ccehub.rules.crisis import STAGE_LABELS, TRIGGER_LABELS, Stage, Trigger, stage_of

PURPOSE = "Crisis response"
STEP_LABELS = {
    "returned": "Record that the child is back in the home area",
    "convened": "Record that the home local authority convened the response",
    "closed": "Close the crisis response",
}
MSG_NOT_LISTED = (
    "Recorded: the crisis response is convened. No CCE panel covers {authority}, so it is not listed "
    "at one: close it here when the work ends"
)
MSG_DONE = {
    "opened": "Crisis response opened: the home local authority convenes it (W-5)",
    "returned": "Recorded: the child is back in the home area",
    "convened": "Recorded: the crisis response is convened and listed at {panel}",
    "closed": "Crisis response closed",
}


class StepForm(forms.Form):
    on = GovukDateField(
        label="Date",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date", "invalid": "The date must be a real date"},
    )
    note = forms.CharField(
        label="Why it is closing", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    trigger = forms.ChoiceField(
        label="What triggered it",
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (t.value, TRIGGER_LABELS[t]) for t in (Trigger.PRE_ARREST_CONCERN, Trigger.NEW_AREA_PLACEMENT)
        ],
    )


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return render(request, "common/not_found.html", {"message": str(exc)}, status=404)


def _refused(request: HttpRequest, actor: Any, pid: str, reason: str) -> HttpResponse:
    return refused_on_child(request, actor, object_type="crisis_response", pid=pid, reason=reason)


@membership_required
def crisis_page(request: HttpRequest, pid: str) -> HttpResponse:
    from ccehub.agencies.models import AgencyKind
    from ccehub.panels.crisis import convenor_of, crisis_open_by_hand, crisis_step, is_listed, open_response

    actor = actor_from_request(request, purpose=PURPOSE)
    try:
        record = child_get(actor=actor, pid=pid, sections=("profile", "crisis"))
    except ChildNotFound as exc:
        return _not_found(request, exc)
    child = record.child
    may_record = may_record_on(actor, record.basis)
    current = open_response(child)
    home = child.home_local_authority
    convenor = convenor_of(current) if current is not None else None
    is_convenor = convenor is not None and actor.agency is not None and actor.agency.pk == convenor.pk
    may_open = (
        may_record
        and current is None
        and actor.agency is not None
        and ((home is not None and actor.agency.pk == home.pk) or actor.agency.kind == AgencyKind.CCE_PANEL)
    )
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step not in (*STEP_LABELS, "opened"):
        step = ""
    # one form per step, each with its own prefix (field ids stay unique on the page)
    form = StepForm(request.POST if request.method == "POST" else None, prefix=step or "none")
    if request.method == "POST":
        if not may_record:
            reason = (
                read_only_message(record.basis)
                if actor.can_write_cases
                else "Your role does not record on children's records"
            )
            return _refused(request, actor, child.pseudonymous_id, reason)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if step == "opened" and current is not None:
                    raise ValidationError({"on": ["A crisis response is already open for this child"]})
                if step == "opened":
                    crisis_open_by_hand(
                        actor=actor, child=child, trigger=data.get("trigger") or "", on=data["on"]
                    )
                elif current is not None and step in STEP_LABELS:
                    current = crisis_step(
                        actor=actor, response=current, step=step, on=data["on"], note=data.get("note", "")
                    )
                else:
                    raise ValidationError({"on": ["There is no open crisis response to record that on"]})
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    exc = ValidationError(
                        {("on" if k in ("__all__", "step") else k): v for k, v in exc.message_dict.items()}
                    )
                apply_service_errors(form, exc)
            except PermissionDenied as exc:
                return _refused(request, actor, child.pseudonymous_id, str(exc))
            else:
                done = MSG_DONE[step]
                if step == "convened" and current is not None:
                    listed_at = current.panel_case.panel.name if is_listed(current) else None
                    done = (
                        done.format(panel=listed_at)
                        if listed_at
                        else MSG_NOT_LISTED.format(
                            authority=convenor.name if convenor else "the home authority"
                        )
                    )
                messages.success(request, done)
                return redirect("children:crisis", pid=child.pseudonymous_id)
    rows: list[dict[str, Any]] = []
    for response in record.related["crisis_responses"]:
        stage = stage_of(
            returned_on=response.returned_home_on,
            convened_on=response.convened_on,
            closed_on=response.closed_on,
        )
        rows.append(
            {
                "response": response,
                "stage": STAGE_LABELS[stage],
                "trigger": TRIGGER_LABELS[Trigger(response.trigger)],
            }
        )
    next_steps: list[tuple[str, str]] = []
    if current is not None and may_record:
        stage = stage_of(
            returned_on=current.returned_home_on, convened_on=current.convened_on, closed_on=None
        )
        if stage is Stage.TRIGGERED:
            next_steps.append(("returned", STEP_LABELS["returned"]))
        if stage is Stage.RETURNED_HOME_AREA and is_convenor:
            next_steps.append(("convened", STEP_LABELS["convened"]))
        # once convened and listed at a panel it closes with the panel case
        if is_convenor and (stage is not Stage.CONVENED or not is_listed(current)):
            next_steps.append(("closed", STEP_LABELS["closed"]))

    def form_for(name: str) -> StepForm:
        return form if name == step else StepForm(prefix=name)

    context = {
        "record": record,
        "child": child,
        "rows": rows,
        "current": current,
        "steps": [
            {"step": name, "label": label, "form": form_for(name), "with_note": name == "closed"}
            for name, label in next_steps
        ],
        "open_form": form_for("opened") if may_open else None,
        "form": form,
    }
    return render(request, "children/crisis.html", context, status=400 if form.errors else 200)
