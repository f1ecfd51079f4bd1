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


class AuditedAdmin(admin.ModelAdmin):
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
