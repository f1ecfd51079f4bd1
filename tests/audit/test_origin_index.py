"""The address limits count one address's recent rows: the audit table has an index on (origin, at),
on SQLite and PostgreSQL alike, and adding it left the append-only triggers in place."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ccehub.audit.models import AuditEvent


def test_the_audit_table_is_indexed_by_origin_and_time(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "audit_auditevent")
    assert any(c["index"] and c["columns"] == ["origin", "at"] for c in constraints.values())


def test_the_table_is_still_append_only_after_the_index(db):
    row = AuditEvent.objects.create(action="denied", channel="api", origin="203.0.113.7")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(origin="198.51.100.1")
