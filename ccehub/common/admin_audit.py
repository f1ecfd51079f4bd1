"""Admin pages write audit rows too: the Django admin must not be a way round the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ccehub.audit.models import Action, Channel
from ccehub.audit.services import audit_record
from ccehub.common.access import Actor
from ccehub.common.web import client_address


def admin_actor(request: HttpRequest) -> Actor:
    return Actor(
        user=request.user,
        membership=getattr(request, "membership", None),
        channel=Channel.ADMIN,
        purpose="Administration",
        origin=client_address(request),
    )


def _filters_for_audit(request: HttpRequest) -> str:
    """A list's filters as the audit log keeps them: the search box (``q``) by its length only, since
    what is typed there may be a name, and the log is append-only."""
    filters = [
        f"{key}=<{len(value)} characters>" if key == "q" else f"{key}={value}"
        for key, value in request.GET.items()
    ]
    return f" ({', '.join(filters)})" if filters else ""


class AuditedReadsAdmin(admin.ModelAdmin):
    """Reads audited: a change page shown is a ``view`` of that object (with the child's pseudonymous
    ID when the object is about a child, so it is in the child's access history), a list shown a
    ``view`` of ``<model>_list`` with how many rows matched. Only pages actually shown (200 to a GET):
    a save is audited by :class:`AuditedAdmin`, a refusal by the 403 handler."""

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            changelist = (getattr(response, "context_data", None) or {}).get("cl")
            count = changelist.result_count if changelist is not None else "?"
            audit_record(
                actor=admin_actor(request),
                action=Action.VIEW,
                object_type=f"{self.model._meta.model_name}_list",
                detail=f"{count} listed{_filters_for_audit(request)}"[:500],
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = (getattr(response, "context_data", None) or {}).get("original")
            child = getattr(obj, "child", None)
            audit_record(
                actor=admin_actor(request),
                action=Action.VIEW,
                object_type=self.model._meta.model_name,
                object_id=object_id,
                child_pid=getattr(child, "pseudonymous_id", "") or "",
            )
        return response


class AuditedAdmin(AuditedReadsAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=admin_actor(request),
            action=Action.UPDATE if change else Action.CREATE,
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            fields=list(getattr(form, "changed_data", []) or []),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        pk = obj.pk
        super().delete_model(request, obj)
        audit_record(
            actor=admin_actor(request), action=Action.DELETE, object_type=obj._meta.model_name, object_id=pk
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        items = [(o._meta.model_name, o.pk) for o in queryset]
        super().delete_queryset(request, queryset)
        for name, pk in items:
            audit_record(actor=admin_actor(request), action=Action.DELETE, object_type=name, object_id=pk)
