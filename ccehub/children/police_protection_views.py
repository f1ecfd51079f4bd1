"""Police protection on the web (E-22, R-35, F-32): /children/PID/police-protection/.

The child's episodes with the time left to the 72-hour limit; for a police force that may record on
the child, "Record police protection" (with the placement plan it is used against, F-32); for the
force that used it, "Record when it ended"; for the child's home local authority, "Record the
reassessment" of a disputed plan. Read through ``child_get`` (audited, scoped: a child the user
cannot see is a 404); a refused post is an audited 403.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ccehub.children.forms import apply_service_errors
from ccehub.children.missing_forms import _date_field, _moment, _parse_time, _time_field
from ccehub.children.models import PoliceProtection
from ccehub.children.police_protection import (
    MSG_HOME_AUTHORITY_ONLY,
    MSG_POLICE_ONLY,
    MSG_SAME_FORCE,
    ProtectionStart,
    is_police,
    protection_end,
    protection_reassess,
    protection_start,
    protection_view,
)
from ccehub.children.selectors import ChildNotFound, child_get, identity_sight
from ccehub.children.services import may_record_on, read_only_message
from ccehub.common.views import refused_on_child
from ccehub.common.web import actor_from_request, membership_required
from ccehub.rules.police_protection import ProtectionState

MSG_STARTED = "Police protection recorded. It lasts at most {hours} hours, until {limit} (R-35)"
MSG_TOLD = ": the child's home local authority has been told"
MSG_ENDED = "Recorded: police protection ended"
MSG_REASSESSED = "Recorded: the placement plan was reassessed"
MSG_ROLE = "Your role does not record on children's records"
MSG_STALE_END = "This police protection has already ended"
MSG_STALE_REASSESS = "There is no placement plan waiting to be reassessed"


class _Stale(Exception):
    """What was posted no longer applies to the record (a second tab, a double post)."""


#: The service's field names → the form's (a moment is a date and a time on the form).
FIELD_OF = {"started_at": "started_on", "ended_at": "ended_on"}

STATE_TAGS = {
    ProtectionState.IN_PROTECTION: ("In police protection", "blue"),
    ProtectionState.ENDING_SOON: ("Ending soon", "yellow"),
    ProtectionState.PAST_LIMIT: ("Past the limit", "red"),
    ProtectionState.ENDED: ("Ended", "grey"),
}


class StartForm(forms.Form):
    started_on = _date_field("Date police protection began")
    started_time = _time_field("Time police protection began")
    officer = forms.CharField(label="Officer who used the power", max_length=150, required=False)
    held_at = forms.ChoiceField(
        label="Where is the child held?",
        choices=PoliceProtection.HeldAt.choices,
        initial=PoliceProtection.HeldAt.POLICE_PREMISES,
        widget=forms.RadioSelect,
    )
    grounds = forms.CharField(
        label="Why do officers judge that the child faces a risk of significant harm?",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disputes_plan = forms.BooleanField(
        label="The police are using protection against the local authority's placement plan (F-32)",
        required=False,
    )
    disputed_plan = forms.CharField(
        label="The placement plan the police disagree with",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    dispute_reason = forms.CharField(
        label="Why the police think it is unsuitable",
        help_text="What police intelligence shows about the people or the area (R-45)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    disputed_placement = forms.ChoiceField(
        label="Is the plan about the child's current placement?", required=False, choices=()
    )

    def __init__(self, *args: Any, placements: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["disputed_placement"].choices = [("", "No, a new placement")] + [
            (str(p.pk), f"{p.get_setting_type_display()}, from {p.started_on:%-d %B %Y}")
            for p in placements or []
        ]

    def clean_started_time(self) -> time | None:
        return _parse_time(self.cleaned_data.get("started_time", ""), "Time police protection began")

    def to_input(self) -> ProtectionStart:
        d = self.cleaned_data
        started = _moment(d.get("started_on"), d.get("started_time"))
        assert started is not None  # both fields are required
        return ProtectionStart(
            started_at=started,
            officer=d.get("officer") or "",
            grounds=d.get("grounds") or "",
            held_at=d["held_at"],
            disputes_plan=bool(d.get("disputes_plan")),
            disputed_plan=d.get("disputed_plan") or "",
            dispute_reason=d.get("dispute_reason") or "",
            disputed_placement_id=d.get("disputed_placement") or None,
        )


class EndForm(forms.Form):
    ended_on = _date_field("Date police protection ended")
    ended_time = _time_field("Time police protection ended")
    released_to = forms.ChoiceField(
        label="Where did the child go?",
        choices=PoliceProtection.ReleasedTo.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say where the child went when police protection ended"},
    )
    outcome = forms.CharField(
        label="What followed", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_ended_time(self) -> time | None:
        return _parse_time(self.cleaned_data.get("ended_time", ""), "Time police protection ended")


class ReassessForm(forms.Form):
    reassessed_on = _date_field("Date of the reassessment")
    outcome = forms.ChoiceField(
        label="What did the reassessment decide?",
        choices=PoliceProtection.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say what the reassessment decided"},
    )
    notes = forms.CharField(
        label="What the reassessment found, and why",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _service_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        mapped = {FIELD_OF.get(k, k): v for k, v in exc.message_dict.items()}
        if isinstance(form, ReassessForm):
            mapped = {{"on": "reassessed_on"}.get(k, k): v for k, v in mapped.items()}
        exc = ValidationError(mapped)
    apply_service_errors(form, exc)


def _refused(request: HttpRequest, actor: Any, pid: str, reason: str) -> HttpResponse:
    return refused_on_child(request, actor, object_type="policeprotection", pid=pid, reason=reason)


def _when(moment: Any) -> str:
    local = timezone.localtime(moment)
    return f"{local:%H:%M on %-d %B %Y}"


@membership_required
def police_protection_page(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Police protection")
    try:
        record = child_get(actor=actor, pid=pid, sections=("profile", "safeguarding", "placements"))
    except ChildNotFound as exc:
        return render(request, "common/not_found.html", {"message": str(exc)}, status=404)
    child = record.child
    may_record = may_record_on(actor, record.basis)
    home = child.home_local_authority
    is_home = actor.agency is not None and home is not None and actor.agency.pk == home.pk
    police = is_police(actor)
    episodes = sorted(record.related["police_protections"], key=lambda p: p.started_at, reverse=True)
    open_one = next((p for p in episodes if p.ended_at is None), None)
    owed = next((p for p in episodes if p.disputed and p.reassessed_on is None), None)
    current_placements = [
        p for p in record.related["placements"] if p.ended_on is None and p.started_on is not None
    ]
    step = request.POST.get("step") if request.method == "POST" else None
    start_form = StartForm(request.POST if step == "start" else None, placements=current_placements)
    end_form = EndForm(request.POST if step == "end" else None)
    reassess_form = ReassessForm(request.POST if step == "reassess" else None)
    if request.method == "POST":
        if not may_record:
            reason = read_only_message(record.basis) if actor.can_write_cases else MSG_ROLE
            return _refused(request, actor, child.pseudonymous_id, reason)
        try:
            if step == "start":
                if not police:
                    raise PermissionDenied(MSG_POLICE_ONLY)
                if start_form.is_valid():
                    protection = protection_start(actor=actor, child=child, data=start_form.to_input())
                    view = protection_view(protection)
                    done = MSG_STARTED.format(hours=protection.max_hours, limit=_when(view.limit))
                    if home is not None and not is_home:
                        done += MSG_TOLD
                    messages.success(request, done)
                    return redirect("children:police_protection", pid=child.pseudonymous_id)
            elif step == "end":
                if not police:
                    raise PermissionDenied(MSG_SAME_FORCE)
                if open_one is None or str(open_one.pk) != request.POST.get("protection", ""):
                    raise _Stale(MSG_STALE_END)
                if actor.agency is None or actor.agency.pk != open_one.force_id:
                    raise PermissionDenied(MSG_SAME_FORCE)
                if end_form.is_valid():
                    d = end_form.cleaned_data
                    ended = _moment(d.get("ended_on"), d.get("ended_time"))
                    assert ended is not None
                    protection_end(
                        actor=actor,
                        protection=open_one,
                        ended_at=ended,
                        released_to=d["released_to"],
                        outcome=d.get("outcome") or "",
                    )
                    messages.success(request, MSG_ENDED)
                    return redirect("children:police_protection", pid=child.pseudonymous_id)
            elif step == "reassess":
                if not is_home:
                    raise PermissionDenied(MSG_HOME_AUTHORITY_ONLY)
                if owed is None or str(owed.pk) != request.POST.get("protection", ""):
                    raise _Stale(MSG_STALE_REASSESS)
                if reassess_form.is_valid():
                    d = reassess_form.cleaned_data
                    protection_reassess(
                        actor=actor,
                        protection=owed,
                        on=d["reassessed_on"],
                        outcome=d["outcome"],
                        notes=d.get("notes") or "",
                    )
                    messages.success(request, MSG_REASSESSED)
                    return redirect("children:police_protection", pid=child.pseudonymous_id)
            else:
                raise _Stale("Choose what to record")
        except _Stale as exc:
            # the form posted is not on the page any more (ended or reassessed meanwhile): say so
            # above the page as it is now, rather than errors against fields it does not show
            messages.error(request, str(exc))
            return redirect("children:police_protection", pid=child.pseudonymous_id)
        except ValidationError as exc:
            form = {"start": start_form, "end": end_form, "reassess": reassess_form}[step or "start"]
            _service_errors(form, exc)
        except PermissionDenied as exc:
            return _refused(request, actor, child.pseudonymous_id, str(exc))
    now = timezone.now()
    rows = []
    for protection in episodes:
        view = protection_view(protection, now=now)
        label, colour = STATE_TAGS[view.state]
        rows.append({"p": protection, "view": view, "tag": label, "colour": colour})
    may_start = may_record and police and open_one is None
    may_end = (
        may_record
        and open_one is not None
        and actor.agency is not None
        and actor.agency.pk == open_one.force_id
    )
    may_reassess = may_record and is_home and owed is not None
    bound = [f for f in (start_form, end_form, reassess_form) if f.is_bound]
    context = {
        "record": record,
        "child": child,
        "rows": rows,
        "open_one": open_one,
        "owed": owed,
        "owed_view": protection_view(owed, now=now) if owed is not None else None,
        "start_form": start_form if may_start else None,
        "end_form": end_form if may_end else None,
        "reassess_form": reassess_form if may_reassess else None,
        "errors_form": bound[0] if bound else start_form,
        "may_record": may_record,
        "police": police,
        # free text (grounds, the plan, the officer) can name people: for those who see the record in
        # full only, as on the child's page
        "pseudonymised": not identity_sight(actor, record.basis),
    }
    has_errors = any(f.errors for f in bound)
    return render(request, "children/police_protection.html", context, status=400 if has_errors else 200)
