import ccehub.agencies.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0005_apitoken_expiry_for_existing'),
    ]

    operations = [
        migrations.AlterField(
            model_name='apitoken',
            name='expires_at',
            field=models.DateTimeField(
                default=ccehub.agencies.models.default_token_expiry,
                help_text='The token stops working at this moment',
            ),
        ),
    ]
