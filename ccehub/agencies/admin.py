"""Admin for agencies and memberships. Nobody may change their own role, agency or groups."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest

from ccehub.agencies.models import Agency, ApiToken, DataSharingAgreement, Membership, TwoFactorDevice
from ccehub.agencies.permissions import role_allowed_in
from ccehub.agencies.services import MSG_OTHER_AGENCY, MSG_ROLE_NOT_IN_AGENCY, MSG_SELF_CHANGE
from ccehub.agencies.two_factor import MSG_SELF_RESET, device_reset
from ccehub.common.admin_audit import AuditedAdmin, admin_actor
from ccehub.common.lockout import accounts_locked_until, lift_lock

# Sign in to the admin through the service's own (audited) sign-in page.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]

# Groups carry permissions (who may review emergency access, end holdings): Django's own admin for
# them is replaced by one that audits reads and changes like every other admin page.
admin.site.unregister(Group)


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ("name", "code", "kind", "ons_code", "is_importing_area", "runs_local_panel", "active")
    list_filter = ("kind", "is_importing_area", "runs_local_panel", "active")
    search_fields = ("name", "code", "ons_code")


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "agency", "role", "active")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        agency, role = data.get("agency"), data.get("role")
        if agency is not None and role and not role_allowed_in(role, agency.kind):
            self.add_error("role", MSG_ROLE_NOT_IN_AGENCY)
        return data


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    form = MembershipForm
    list_display = ("user", "agency", "role", "active")
    list_filter = ("role", "active", "agency__kind")
    search_fields = ("user__username", "agency__name")
    autocomplete_fields = ("agency",)

    def has_change_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Membership | None = None) -> bool:
        if obj is not None and obj.user_id == request.user.pk:
            return False
        return super().has_delete_permission(request, obj)

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request)
        membership = getattr(request, "membership", None)
        if request.user.is_superuser or membership is None:
            return qs if request.user.is_superuser else qs.none()
        return qs.filter(agency=membership.agency)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if obj.user_id == request.user.pk:
            raise PermissionDenied(MSG_SELF_CHANGE)
        membership = getattr(request, "membership", None)
        if not request.user.is_superuser and (membership is None or obj.agency_id != membership.agency_id):
            raise PermissionDenied(MSG_OTHER_AGENCY)
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(AuditedAdmin):
    list_display = (
        "title",
        "provider",
        "recipient",
        "starts_on",
        "expires_on",
        "includes_identity",
        "revoked_at",
    )
    list_filter = ("includes_identity",)
    autocomplete_fields = ("provider", "recipient")
    raw_id_fields = ("child",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are created with `ccehub tokens create` (shown once); here they can only be revoked."""

    list_display = ("name", "user", "last_used_at", "expires_at", "revoked_at")
    # The expiry is set when the token is made; to end a token sooner, revoke it.
    readonly_fields = ("user", "name", "token_hash", "last_used_at", "expires_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


User = get_user_model()
admin.site.unregister(User)

#: Fields a user may never change on their own account.
SELF_PROTECTED_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions", "is_active")
#: Fields only a superuser may change on anyone's account.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class CcehubUserAdmin(AuditedAdmin, UserAdmin):
    """Users cannot raise their own privileges: those fields are read-only on their own account.

    The list shows which accounts are locked after failed sign-ins, and an administrator can lift a
    lock early (someone locked out at the custody desk cannot wait a quarter of an hour). It shows
    who has two-factor sign-in, and an administrator can reset it for someone who lost their phone
    (never their own: that is turned off on their own page, with a code)."""

    list_display = (*UserAdmin.list_display, "sign_in_locked_until", "two_factor")
    actions = ("lift_sign_in_lock", "reset_two_factor")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The page's locks, read for all its accounts at once (not three queries a row)."""
        changelist = super().get_changelist_instance(request)
        users = list(changelist.result_list)
        locks = accounts_locked_until(u.get_username() for u in users)
        for user in users:
            user._sign_in_locked_until = locks.get(user.get_username())
        return changelist

    @admin.display(description="Sign-in locked until")
    def sign_in_locked_until(self, obj: Any) -> str:
        from django.utils import timezone

        if hasattr(obj, "_sign_in_locked_until"):
            until = obj._sign_in_locked_until
        else:
            until = accounts_locked_until([obj.get_username()])[obj.get_username()]
        return "" if until is None else f"{timezone.localtime(until):%H:%M}"

    @admin.action(description="Lift sign-in lock of selected users", permissions=["change"])
    def lift_sign_in_lock(self, request: HttpRequest, queryset: Any) -> None:
        lifted = [u.get_username() for u in queryset if lift_lock(u, actor=admin_actor(request))]
        if lifted:
            self.message_user(request, f"Sign-in lock lifted for {', '.join(lifted)}.", messages.SUCCESS)
        else:
            self.message_user(request, "None of the selected accounts was locked.", messages.WARNING)

    @admin.display(description="Two-factor sign-in", boolean=True)
    def two_factor(self, obj: Any) -> bool:
        if hasattr(obj, "_two_factor"):
            return bool(obj._two_factor)
        return TwoFactorDevice.objects.filter(user_id=obj.pk).exists()

    @admin.action(description="Reset two-factor sign-in of selected users", permissions=["change"])
    def reset_two_factor(self, request: HttpRequest, queryset: Any) -> None:
        """The queryset is this admin's own (``get_queryset``): an agency administrator resets only
        their own agency's accounts, whatever ids the form sends."""
        own = [u for u in queryset if u.pk == request.user.pk]
        reset = [
            u.get_username()
            for u in queryset
            if u.pk != request.user.pk and device_reset(user=u, actor=admin_actor(request))
        ]
        if own:
            self.message_user(request, MSG_SELF_RESET + ".", messages.ERROR)
        if reset:
            self.message_user(
                request,
                f"Two-factor sign-in reset for {', '.join(reset)}. They sign in with their password "
                "alone until they set it up again.",
                messages.SUCCESS,
            )
        elif not own:
            self.message_user(
                request, "None of the selected accounts had two-factor sign-in.", messages.WARNING
            )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            return fields + SELF_PROTECTED_FIELDS
        if not request.user.is_superuser:
            # Only the service's superusers grant admin-site access and privileges: an agency
            # administrator could otherwise make a second account a superuser.
            return fields + PRIVILEGE_FIELDS
        return fields

    def get_queryset(self, request: HttpRequest) -> Any:
        """A superuser sees every account; an agency administrator only the accounts of their own
        agency (and accounts with no membership yet, which they create before granting one), never a
        superuser's: they could otherwise reset another agency's password and sign in as them."""
        qs = (
            super()
            .get_queryset(request)
            .annotate(_two_factor=Exists(TwoFactorDevice.objects.filter(user_id=OuterRef("pk"))))
        )
        if request.user.is_superuser:
            return qs
        membership = getattr(request, "membership", None)
        if membership is None:
            return qs.filter(pk=request.user.pk)
        own = Q(memberships__agency=membership.agency) | Q(memberships__isnull=True) | Q(pk=request.user.pk)
        return qs.filter(own).exclude(~Q(pk=request.user.pk), is_superuser=True).distinct()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and obj.pk == request.user.pk:
            protected = [f for f in SELF_PROTECTED_FIELDS if f in form.changed_data]
            if protected:
                messages.error(request, MSG_SELF_CHANGE)
                raise PermissionDenied(MSG_SELF_CHANGE)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if (
            change
            and form.instance.pk == request.user.pk
            and {"groups", "user_permissions"} & set(form.changed_data)
        ):
            raise PermissionDenied(MSG_SELF_CHANGE)
        super().save_related(request, form, formsets, change)
