# Tokens expire (known gap 13). Three steps, each its own migration (its own transaction on
# PostgreSQL): add the column empty, give every existing token an expiry, then require one.
# Filling and altering one table in a single PostgreSQL transaction can fail with "pending trigger
# events" (the deferred foreign key to the user).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0003_apitoken'),
    ]

    operations = [
        migrations.AddField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(null=True, help_text='The token stops working at this moment'),
        ),
    ]
