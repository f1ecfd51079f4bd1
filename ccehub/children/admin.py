"""Reviewing emergency (break-glass) access, and ending holdings, in the admin.

Superusers (the service's data protection function) see every emergency access. An agency
administrator sees those to children their agency holds (a current ``CaseHolding``), and may review
them, and those made by their own agency's people, which they may read but not review (the agency
that holds the record reviews). Nobody reviews their own. Only the review is editable; nothing is
added or deleted here, and each review is audited against the child.

Holdings (``CaseHolding``): a superuser sees every one, an agency administrator their own agency's,
current and ended. Nothing is added, changed or deleted here; the action "End holding" asks for a
reason and ends the agency's current holdings of each chosen child through
:func:`~ccehub.children.services.holding_end`, which decides who may (an administrator of that
agency) and audits it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from ccehub.agencies.models import Role
from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import CaseHolding, EmergencyAccess
from ccehub.children.services import HoldingEndRefused, clean_holding_end_reason, holding_end
from ccehub.common.admin_audit import AuditedAdmin, AuditedReadsAdmin, admin_actor

#: The window of the "Uses in 30 days" column: a person's emergency accesses started in it.
USES_WINDOW = timedelta(days=30)

MSG_REVIEW_OUTCOME = "Select whether the emergency access was justified"
MSG_REVIEW_OWN = "Nobody reviews their own emergency access"
MSG_REVIEW_NOT_HOLDER = "Only the agency that holds the child's record reviews this emergency access"


class NotYetReviewed(admin.SimpleListFilter):
    title = "review"
    parameter_name = "reviewed"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Not yet reviewed"), ("yes", "Reviewed")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "no":
            return queryset.filter(reviewed_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(reviewed_at__isnull=False)
        return queryset


class EmergencyAccessReviewForm(forms.ModelForm):
    class Meta:
        model = EmergencyAccess
        fields = ("review_outcome", "review_note")

    def clean_review_outcome(self) -> str:
        value = self.cleaned_data.get("review_outcome", "")
        if not value:
            raise forms.ValidationError(MSG_REVIEW_OUTCOME)
        return str(value)


@admin.register(EmergencyAccess)
class EmergencyAccessAdmin(AuditedAdmin):
    form = EmergencyAccessReviewForm
    list_display = (
        "child_pid",
        "user",
        "agency",
        "role",
        "started_at",
        "expires_at",
        "uses_in_window",
        "reviewed",
    )
    list_filter = (NotYetReviewed, "review_outcome")
    search_fields = ("=child__pseudonymous_id", "user__username")
    list_select_related = ("child", "user", "agency")
    readonly_fields = (
        "child_pid",
        "user",
        "agency",
        "role",
        "reason",
        "started_at",
        "expires_at",
        "uses_in_window",
        "reviewed_at",
        "reviewed_by",
    )
    fields = (*readonly_fields, "review_outcome", "review_note")

    @admin.display(description="Child", ordering="child__pseudonymous_id")
    def child_pid(self, obj: EmergencyAccess) -> str:
        return obj.child.pseudonymous_id

    @admin.display(description=f"Uses in {USES_WINDOW.days} days", ordering="uses")
    def uses_in_window(self, obj: EmergencyAccess) -> str:
        """How many emergency accesses this person started in the window up to and including this
        one (operations.md: "the same person ... using it often" calls for an agreement instead)."""
        return f"{getattr(obj, 'uses', 1)} (this one included)"

    @admin.display(description="Reviewed?", boolean=True)
    def reviewed(self, obj: EmergencyAccess) -> bool:
        return obj.reviewed_at is not None

    def get_queryset(self, request: HttpRequest) -> Any:
        uses = (
            EmergencyAccess.objects.filter(
                user=OuterRef("user"),
                started_at__lte=OuterRef("started_at"),
                started_at__gt=OuterRef("started_at") - USES_WINDOW,
            )
            .order_by()
            .values("user")
            .annotate(n=Count("pk"))
            .values("n")
        )
        qs = (
            super()
            .get_queryset(request)
            .select_related("child", "user", "agency", "reviewed_by")
            .annotate(uses=Subquery(uses))
        )
        if request.user.is_superuser:
            return qs
        membership = getattr(request, "membership", None)
        if membership is None:
            return qs.none()
        agency = membership.agency
        held = CaseHolding.objects.current().filter(agency=agency).values("child")
        return qs.filter(Q(child__in=held) | Q(agency=agency))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started only by the person who needs it, with a reason (the form page)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the record of a break-glass access is evidence

    def may_review(self, request: HttpRequest, obj: EmergencyAccess) -> str:
        """Empty when the signed-in user may review ``obj``; otherwise why not."""
        if obj.user_id == request.user.pk:
            return MSG_REVIEW_OWN
        if request.user.is_superuser:
            return ""
        membership = getattr(request, "membership", None)
        if (
            membership is None
            or not CaseHolding.objects.current()
            .filter(child_id=obj.child_id, agency_id=membership.agency_id)
            .exists()
        ):
            return MSG_REVIEW_NOT_HOLDER
        return ""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and self.may_review(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: EmergencyAccess, form: Any, change: bool) -> None:
        why_not = self.may_review(request, obj) if change else MSG_REVIEW_NOT_HOLDER
        if why_not:
            raise PermissionDenied(why_not)
        obj.reviewed_by = request.user
        obj.reviewed_at = timezone.now()
        admin.ModelAdmin.save_model(self, request, obj, form, change)
        audit_record(
            actor=admin_actor(request),
            action=Action.UPDATE,
            object_type="emergency_access",
            object_id=obj.pk,
            child_pid=obj.child.pseudonymous_id,
            fields=sorted({*(getattr(form, "changed_data", []) or []), "reviewed_by", "reviewed_at"}),
            detail=f"reviewed: {obj.review_outcome}",
        )


MSG_HOLDINGS_NONE_CURRENT = "None of the selected holdings is current: there is nothing to end"


class HoldingStatus(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("current", "Current"), ("ended", "Ended")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "current":
            return queryset.current()
        if self.value() == "ended":
            return queryset.filter(ended_on__isnull=False)
        return queryset


class HoldingEndForm(forms.Form):
    reason = forms.CharField(
        label="Why does the agency no longer hold records about this child?",
        help_text="At least 10 characters. Kept on the holding for review; not copied into the audit log.",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
    )

    def clean_reason(self) -> str:
        try:
            return clean_holding_end_reason(self.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["reason"]) from exc


@admin.register(CaseHolding)
class CaseHoldingAdmin(AuditedReadsAdmin):
    list_display = ("child_pid", "agency", "basis", "created_at", "ended_on", "ended_by")
    list_filter = (HoldingStatus, "basis")
    search_fields = ("=child__pseudonymous_id",)
    list_select_related = ("child", "agency", "ended_by")
    readonly_fields = ("child_pid", "agency", "basis", "created_at", "ended_on", "ended_by", "end_reason")
    fields = readonly_fields
    actions = ("end_holding",)

    @admin.display(description="Child", ordering="child__pseudonymous_id")
    def child_pid(self, obj: CaseHolding) -> str:
        return obj.child.pseudonymous_id

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request).select_related("child", "agency", "ended_by")
        if request.user.is_superuser:
            return qs
        membership = getattr(request, "membership", None)
        if membership is None:
            return qs.none()
        return qs.filter(agency=membership.agency)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # an agency becomes a holder by recording about the child, never by hand

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # only ended, through the action, so that the service checks and audits it

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an ended holding is history

    def has_end_permission(self, request: HttpRequest) -> bool:
        """Offer the action to those who may end some holding: the service decides for each one."""
        membership = getattr(request, "membership", None)
        is_admin = membership is not None and membership.role == Role.ADMIN
        return request.user.has_perm("children.change_caseholding") and (
            is_admin or request.user.is_superuser
        )

    @admin.action(description="End holding", permissions=["end"])
    def end_holding(self, request: HttpRequest, queryset: Any) -> TemplateResponse | None:
        """Ask for a reason; then end the agency's current holdings of each chosen child."""
        chosen: dict[tuple[Any, Any], CaseHolding] = {}
        for holding in (
            queryset.current().select_related("child", "agency").order_by("child__pseudonymous_id")
        ):
            chosen.setdefault((holding.child_id, holding.agency_id), holding)
        if not chosen:
            self.message_user(request, MSG_HOLDINGS_NONE_CURRENT, messages.WARNING)
            return None
        form = HoldingEndForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            actor = admin_actor(request)
            for holding in chosen.values():
                pid, code = holding.child.pseudonymous_id, holding.agency.code
                try:
                    ended = holding_end(
                        actor=actor,
                        child=holding.child,
                        agency=holding.agency,
                        reason=form.cleaned_data["reason"],
                    )
                except (PermissionDenied, HoldingEndRefused) as exc:  # audited as denied by the service
                    self.message_user(request, f"{pid} ({code}): {exc}", messages.ERROR)
                else:
                    count = f"{len(ended)} holding{'s' if len(ended) != 1 else ''}"
                    self.message_user(request, f"Ended {count} of {pid} by {code}", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "End holding",
            "subtitle": None,
            "opts": self.model._meta,
            "holdings": list(chosen.values()),
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/children/caseholding/end_holding.html", context)
