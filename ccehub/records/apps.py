from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "ccehub.records"
    label = "records"
    verbose_name = "Agency records and the person index"
    default_auto_field = "django.db.models.BigAutoField"
