from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "ccehub.common"
    label = "common"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from ccehub.common.lockout import record_failed_sign_in

        user_login_failed.connect(record_failed_sign_in, dispatch_uid="ccehub-failed-sign-in")
