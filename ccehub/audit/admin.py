"""The audit log in the admin: read-only, filterable by child (the child's access history)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ccehub.audit.models import AuditEvent
from ccehub.common.admin_audit import AuditedReadsAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedReadsAdmin):
    list_display = (
        "at",
        "username",
        "agency_code",
        "role",
        "action",
        "channel",
        "object_type",
        "child_pid",
        "purpose",
    )
    list_filter = ("action", "channel", "role", "agency_code")
    search_fields = ("=child_pid", "username", "purpose")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The whole log, across agencies, is for the service's data protection function only;
        # an agency administrator reads a child's history from the child's access-history page.
        return bool(request.user.is_active and request.user.is_superuser)
