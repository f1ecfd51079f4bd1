from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ccehub.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ccehub.notifications import checks  # noqa: F401 - registers the deploy checks
