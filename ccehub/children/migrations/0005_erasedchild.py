"""Erased children (tombstones), and a trigger that refuses to give an erased pseudonymous ID again.

An erased child's audit rows stay (append-only) and carry the pseudonymous ID: a new child with that ID
would inherit another child's history. The unique constraint on ``children_child`` cannot see the
tombstones, so a trigger refuses an insert (or a change of ID) to an ID in ``children_erasedchild``:

PostgreSQL: a row-level ``BEFORE INSERT OR UPDATE OF pseudonymous_id`` trigger raising
``unique_violation`` (Django's ``IntegrityError``). SQLite: ``BEFORE INSERT`` and ``BEFORE UPDATE OF``
triggers that abort. The error text says the ID was erased.

SQLite rebuilds a table to alter it, and the rebuild drops its triggers: a later migration that
alters ``children_child`` must run :func:`ensure_sqlite_triggers` afterwards (as the audit log's must).
"""

from django.db import migrations, models

MESSAGE = "pseudonymous ID was erased and is never given again"
PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION children_child_not_erased() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM children_erasedchild WHERE pseudonymous_id = NEW.pseudonymous_id) THEN
        RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || NEW.pseudonymous_id, ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER children_child_not_erased BEFORE INSERT OR UPDATE OF pseudonymous_id ON children_child
    FOR EACH ROW EXECUTE FUNCTION children_child_not_erased();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS children_child_not_erased ON children_child;
DROP FUNCTION IF EXISTS children_child_not_erased();
"""
_SQLITE_WHEN = "WHEN EXISTS (SELECT 1 FROM children_erasedchild WHERE pseudonymous_id = NEW.pseudonymous_id)"
SQLITE_FORWARD = [
    f"""CREATE TRIGGER IF NOT EXISTS children_child_not_erased_insert BEFORE INSERT ON children_child
       {_SQLITE_WHEN} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS children_child_not_erased_update
       BEFORE UPDATE OF pseudonymous_id ON children_child
       {_SQLITE_WHEN} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS children_child_not_erased_insert;",
    "DROP TRIGGER IF EXISTS children_child_not_erased_update;",
]


def ensure_sqlite_triggers(apps, schema_editor):
    """Re-create the SQLite triggers (after a migration that rebuilt ``children_child``)."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)
    else:  # pragma: no cover - we support PostgreSQL and SQLite only
        raise RuntimeError(f"erased-ID trigger not implemented for {vendor}")


def reverse(apps, schema_editor):
    statements = [PG_REVERSE] if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('children', '0004_caseholding_end'),
    ]

    operations = [
        migrations.CreateModel(
            name='ErasedChild',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('pseudonymous_id', models.CharField(max_length=16, unique=True)),
                ('erased_at', models.DateTimeField()),
                ('erased_by', models.CharField(help_text='The operator, or the name given with --user', max_length=150)),
                ('origin', models.CharField(blank=True, help_text='The OS account and host that ran it', max_length=200)),
                ('reason', models.TextField(help_text='Why: a request reference or the retention review; never a name')),
                ('counts', models.JSONField(default=dict, help_text='Rows deleted, per kind (model label)')),
                ('open_matters', models.JSONField(blank=True, default=list, help_text='Matters still open that the erasure overrode (--even-if-open)')),
            ],
            options={
                'verbose_name': 'erased child',
                'ordering': ['-erased_at'],
            },
        ),
        migrations.RunPython(forward, reverse),
    ]
