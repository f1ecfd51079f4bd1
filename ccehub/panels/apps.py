from django.apps import AppConfig


class PanelsConfig(AppConfig):
    name = "ccehub.panels"
    label = "panels"
    default_auto_field = "django.db.models.BigAutoField"
