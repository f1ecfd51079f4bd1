# Existing tokens expire CCEHUB_API_TOKEN_DAYS (90 unless set) after they were made: a token older
# than that stops working when this runs (operations.md, "API tokens"). Row by row in Python, not
# an SQL date expression, so that it is the same on SQLite and PostgreSQL; there are few tokens.

from datetime import timedelta

from django.conf import settings
from django.db import migrations


def give_expiry(apps, schema_editor):
    ApiToken = apps.get_model('agencies', 'ApiToken')
    lifetime = timedelta(days=getattr(settings, 'CCEHUB_API_TOKEN_DAYS', 90))
    using = schema_editor.connection.alias
    for pk, created_at in ApiToken.objects.using(using).filter(expires_at__isnull=True).values_list(
        'pk', 'created_at'
    ):
        ApiToken.objects.using(using).filter(pk=pk).update(expires_at=created_at + lifetime)


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0004_apitoken_expires_at'),
    ]

    operations = [
        migrations.RunPython(give_expiry, migrations.RunPython.noop),
    ]
