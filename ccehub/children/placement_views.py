"""Placements on the web (F-20): /children/PID/placements/.

The child's placements with what the checker recorded, and, for the child's home local authority,
"Record a placement": the suitability checker's refusals as an error summary, its warnings as warning
text to confirm. Read through ``child_get`` (audited, scoped: a child the user cannot see is a 404);
a refused post is an audited 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ccehub.children.forms import apply_service_errors
from ccehub.children.models import Placement, PlacementEnd, PoliceIntel, SettingType
from ccehub.children.placements import (
    MSG_HOME_AUTHORITY_ONLY,
    PlacementInput,
    PlacementWarnings,
    custody_outcomes,
    placement_custody_check,
    placement_end,
    placement_health_started,
    placement_kept_through_custody,
    placement_record,
)
from ccehub.children.selectors import ChildNotFound, child_get, identity_sight
from ccehub.children.services import may_record_on, read_only_message
from ccehub.common.dateinput import GovukDateField
from ccehub.common.views import refused_on_child
from ccehub.common.web import actor_from_request, membership_required
from ccehub.rules.placement import at_distance

YES, NO, NOT_KNOWN = "yes", "no", "not_known"
MSG_RECORDED = "Placement recorded"
MSG_NEW_AREA = "Placement recorded. It is in a new area: health support is due at once (R-44)"
MSG_CRISIS = " and the crisis response is open (W-5)"
MSG_HEALTH = "Recorded: health support started"
MSG_ENDED = "Recorded: the placement ended"
MSG_KEPT = "Recorded: the placement is kept for the child's return from custody"


class EndForm(forms.Form):
    ended_on = GovukDateField(
        label="When did it end?",
        help_text="For example, 27 3 2026",
        error_messages={
            "required": "Enter the date the placement ended",
            "invalid": "The date the placement ended must be a real date",
            "year": "The year the placement ended must include 4 numbers, like 2026",
            "too_early": "The date the placement ended must be in 1900 or later",
        },
    )
    end_kind = forms.ChoiceField(
        label="Why did it end?",
        choices=PlacementEnd.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say why the placement ended"},
    )
    end_note = forms.CharField(
        label="Note", required=False, max_length=200, help_text="Say why, if the reason is another reason"
    )


class PlacementForm(forms.Form):
    setting_type = forms.ChoiceField(
        label="What kind of placement is it?",
        choices=SettingType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of placement"},
    )
    started_on = GovukDateField(
        label="When did it start?",
        help_text="For example, 27 3 2026. Record a placement once it has started",
        error_messages={
            "required": "Enter the date it started",
            "invalid": "The date it started must be a real date",
            "year": "The year it started must include 4 numbers, like 2026",
            "too_early": "The date it started must be in 1900 or later",
        },
    )
    in_home_area = forms.ChoiceField(
        label="Is it in the child's home local authority's area?",
        choices=[(YES, "Yes"), (NO, "No, a new area"), (NOT_KNOWN, "Not known")],
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether it is in the child's home area"},
    )
    distance_miles = forms.DecimalField(
        label="How far is it from the child's home, in miles?",
        help_text="20 miles or more is placing at distance (R-41)",
        required=False,
        min_value=0,
        max_value=9999,
        decimal_places=1,
        error_messages={
            "invalid": "Enter the distance as a number of miles, like 12 or 12.5",
            "min_value": "The distance cannot be negative",
            "max_value": "Enter a distance under 10,000 miles",
            "max_decimal_places": "Enter the distance to one decimal place at most",
        },
    )
    postcode = forms.CharField(label="Postcode of the placement", required=False, max_length=8)
    intel_outcome = forms.ChoiceField(
        label="What did the police intelligence check on the area and people find? (R-45)",
        choices=PoliceIntel.choices,
        widget=forms.RadioSelect,
        initial=PoliceIntel.NOT_CHECKED,
        error_messages={"required": "Say what the police intelligence check found"},
    )
    intel_findings = forms.CharField(
        label="What the police found",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    intel_by = forms.CharField(label="Who did the check", required=False, max_length=150)
    intel_on = GovukDateField(
        label="When was the check done?",
        required=False,
        error_messages={
            "invalid": "The date of the check must be a real date",
            "year": "The year of the check must include 4 numbers, like 2026",
            "too_early": "The date of the check must be in 1900 or later",
        },
    )
    area_risk_notes = forms.CharField(
        label="What is known about the area? (R-47)",
        help_text="For example, county lines or a local drug market active nearby, a bail hostel close by",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    express_wish = forms.BooleanField(
        label="The young person expressly wishes to live there (R-42)", required=False
    )
    express_wish_words = forms.CharField(
        label="Their wish, in their own words",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm_warnings = forms.BooleanField(
        label="I confirm the placement goes ahead despite the warnings", required=False
    )

    def to_input(self) -> PlacementInput:
        d = self.cleaned_data
        return PlacementInput(
            setting_type=d["setting_type"],
            started_on=d["started_on"],
            distance_miles=d.get("distance_miles"),
            in_home_area={YES: True, NO: False}.get(d["in_home_area"]),
            postcode=d.get("postcode") or "",
            express_wish=bool(d.get("express_wish")),
            express_wish_words=d.get("express_wish_words") or "",
            intel_outcome=d["intel_outcome"],
            intel_findings=d.get("intel_findings") or "",
            intel_by=d.get("intel_by") or "",
            intel_on=d.get("intel_on"),
            area_risk_notes=d.get("area_risk_notes") or "",
            notes=d.get("notes") or "",
            confirm_warnings=bool(d.get("confirm_warnings")),
        )


def _refused(request: HttpRequest, actor: Any, pid: str, reason: str) -> HttpResponse:
    return refused_on_child(request, actor, object_type="placement", pid=pid, reason=reason)


def _is_id(request: HttpRequest) -> bool:
    """Whether the posted placement reference is shaped like one (a mangled post finds nothing)."""
    import uuid

    try:
        uuid.UUID(request.POST.get("placement", ""))
    except ValueError:
        return False
    return True


def _current_problems(child: Any, placements: list[Placement]) -> list[str]:
    """The rules applied to the current placement as it stands, with the child's risk now: a placement
    recorded before the checker (the study's, an import) or before the risk rose is flagged."""
    from ccehub.rules.placement import PlacementFacts, check_placement

    current = [p for p in placements if p.ended_on is None and p.started_on is not None]
    if not current:
        return []
    placement = max(current, key=lambda p: p.started_on)
    check = check_placement(
        PlacementFacts(
            setting_type=placement.setting_type,
            setting_label=placement.get_setting_type_display(),
            risk_level=child.risk_level,
            starts_on=placement.started_on,
            distance_miles=placement.distance_from_home_miles,
            in_home_area=placement.in_home_area,
            express_wish=placement.young_person_express_wish,
            express_wish_words=placement.express_wish_words,
            intel_outcome=placement.police_intel_outcome,
            notes=placement.notes or "recorded",
        )
    )
    return list(dict.fromkeys(check.problems.values()))


@membership_required
def placements_page(request: HttpRequest, pid: str) -> HttpResponse:
    actor = actor_from_request(request, purpose="Placements")
    try:
        record = child_get(actor=actor, pid=pid, sections=("profile", "placements"))
    except ChildNotFound as exc:
        return render(request, "common/not_found.html", {"message": str(exc)}, status=404)
    child = record.child
    may_record = may_record_on(actor, record.basis)
    home = child.home_local_authority
    is_home = actor.agency is not None and home is not None and actor.agency.pk == home.pk
    step = request.POST.get("step") if request.method == "POST" else None
    form = PlacementForm(request.POST if step == "record" else None)
    end_form = EndForm(request.POST if step == "end" else None)
    warnings: tuple[str, ...] = ()
    if request.method == "POST":
        if not may_record:
            reason = (
                read_only_message(record.basis)
                if actor.can_write_cases
                else "Your role does not record on children's records"
            )
            return _refused(request, actor, child.pseudonymous_id, reason)
        if step in ("record", "end", "keep") and not is_home:
            return _refused(request, actor, child.pseudonymous_id, MSG_HOME_AUTHORITY_ONLY)
        if step in ("end", "keep"):
            current = Placement.objects.filter(
                child=child, pk__in=[request.POST.get("placement", "")] if _is_id(request) else []
            ).first()
            if current is None:
                messages.error(request, "No such placement for this child")
                return redirect("children:placements", pid=child.pseudonymous_id)
            if current.ended_on is not None:
                messages.error(request, "This placement has already ended")
                return redirect("children:placements", pid=child.pseudonymous_id)
            try:
                if step == "keep":
                    placement_kept_through_custody(actor=actor, placement=current)
                    messages.success(request, MSG_KEPT)
                    return redirect("children:placements", pid=child.pseudonymous_id)
                if end_form.is_valid():
                    d = end_form.cleaned_data
                    placement_end(
                        actor=actor,
                        placement=current,
                        ended_on=d["ended_on"],
                        end_kind=d["end_kind"],
                        note=d.get("end_note") or "",
                    )
                    messages.success(request, MSG_ENDED)
                    return redirect("children:placements", pid=child.pseudonymous_id)
            except ValidationError as exc:
                if step == "keep":
                    messages.error(request, "; ".join(exc.messages))
                    return redirect("children:placements", pid=child.pseudonymous_id)
                apply_service_errors(end_form, exc)
            except PermissionDenied as exc:
                return _refused(request, actor, child.pseudonymous_id, str(exc))
        try:
            if request.POST.get("step") == "health":
                placement = Placement.objects.filter(
                    child=child, pk=request.POST.get("placement", "")
                ).first()
                if placement is None:
                    raise ValidationError({"on": ["No such placement"]})
                placement_health_started(actor=actor, placement=placement, on=timezone.localdate())
                messages.success(request, MSG_HEALTH)
                return redirect("children:placements", pid=child.pseudonymous_id)
            if step == "record" and form.is_valid():
                placement = placement_record(actor=actor, child=child, data=form.to_input())
                done = MSG_NEW_AREA if placement.health_support_due_on else MSG_RECORDED
                if (
                    placement.health_support_due_on
                    and child.crisis_responses.filter(
                        source_type="placement", source_id=str(placement.pk)
                    ).exists()
                ):
                    done += MSG_CRISIS
                messages.success(request, done)
                return redirect("children:placements", pid=child.pseudonymous_id)
        except PlacementWarnings as exc:
            warnings = exc.warnings
            apply_service_errors(form, exc)
        except ValidationError as exc:
            if request.POST.get("step") == "health":
                messages.error(request, "; ".join(exc.messages))
                return redirect("children:placements", pid=child.pseudonymous_id)
            apply_service_errors(form, exc)
        except PermissionDenied as exc:
            return _refused(request, actor, child.pseudonymous_id, str(exc))
    today = timezone.localdate()
    rows = []
    for placement in sorted(
        record.related["placements"], key=lambda p: (p.started_on is None, p.started_on), reverse=True
    ):
        due = placement.health_support_due_on
        owed = due is not None and placement.health_support_started_on is None and placement.ended_on is None
        rows.append(
            {
                "placement": placement,
                "health_due": owed,
                "health_overdue": owed and due is not None and due < today,
                "new_area": placement.in_home_area is False
                or at_distance(placement.distance_from_home_miles),
            }
        )
    current = next(
        (
            p
            for p in sorted(
                record.related["placements"], key=lambda p: (p.started_on is None, p.started_on), reverse=True
            )
            if p.ended_on is None and p.started_on is not None
        ),
        None,
    )
    custody_on = placement_custody_check(current, custody_outcomes(child)) if current is not None else None
    context = {
        "current": current,
        "custody_on": custody_on,
        "custody_on_text": f"{custody_on:%-d %B %Y}" if custody_on else "",
        "end_form": end_form if (may_record and is_home and current is not None) else None,
        "current_problems": _current_problems(child, record.related["placements"]),
        "record": record,
        "child": child,
        "rows": rows,
        "form": form if (may_record and is_home) else None,
        "errors_form": end_form if step == "end" else form,
        "warnings": warnings,
        "may_record": may_record,
        "risk": child.get_risk_level_display(),
        # free text about the area can name people: for those who see the record in full only
        "full_text": identity_sight(actor, record.basis),
    }
    return render(
        request, "children/placements.html", context, status=400 if form.errors or end_form.errors else 200
    )
