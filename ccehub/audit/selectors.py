from __future__ import annotations

from django.db.models import QuerySet

from ccehub.audit.models import AuditEvent


def child_access_history(*, child_pid: str) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(child_pid=child_pid).order_by("-at", "-id")
