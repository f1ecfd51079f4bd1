"""Reviewing emergency (break-glass) access in the admin.

Superusers (the service's data protection function) see every emergency access. An agency
administrator sees those to children their agency holds (a current ``CaseHolding``), and may review
them, and those made by their own agency's people, which they may read but not review (the agency
that holds the record reviews). Nobody reviews their own. Only the review is editable; nothing is
added or deleted here, and each review is audited against the child.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from ccehub.audit.models import Action
from ccehub.audit.services import audit_record
from ccehub.children.models import CaseHolding, EmergencyAccess
from ccehub.common.admin_audit import AuditedAdmin, admin_actor

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
    list_display = ("child_pid", "user", "agency", "role", "started_at", "expires_at", "reviewed")
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
        "reviewed_at",
        "reviewed_by",
    )
    fields = (*readonly_fields, "review_outcome", "review_note")

    @admin.display(description="Child", ordering="child__pseudonymous_id")
    def child_pid(self, obj: EmergencyAccess) -> str:
        return obj.child.pseudonymous_id

    @admin.display(description="Reviewed?", boolean=True)
    def reviewed(self, obj: EmergencyAccess) -> bool:
        return obj.reviewed_at is not None

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request).select_related("child", "user", "agency", "reviewed_by")
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
