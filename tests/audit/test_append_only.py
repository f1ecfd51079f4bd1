import pytest
from django.db import DatabaseError, connection, transaction

from ccehub.audit.models import AuditEvent


@pytest.fixture
def event(db):
    return AuditEvent.objects.create(
        action="view", channel="web", username="someone", child_pid="CH-TEST-0001"
    )


def test_update_is_refused_by_the_database(event):
    """The database itself refuses to rewrite an audit row (ORM update)."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(purpose="tampered")
    assert AuditEvent.objects.get(pk=event.pk).purpose == ""


def test_delete_is_refused_by_the_database(event):
    """Deleting audit history is refused even through raw SQL."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_raw_update_is_refused(event):
    """Raw SQL UPDATE is refused too: the rule lives in the database, not the ORM."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditevent SET username = 'x' WHERE id = %s", [event.pk])


def test_insert_still_allowed(event):
    """Appending works: the log can grow."""
    AuditEvent.objects.create(action="view", channel="cli")
    assert AuditEvent.objects.count() == 2
