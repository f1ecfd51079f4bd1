from django.apps import AppConfig


class NrmConfig(AppConfig):
    name = "ccehub.nrm"
    label = "nrm"
    default_auto_field = "django.db.models.BigAutoField"
