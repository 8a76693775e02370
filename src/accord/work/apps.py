from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "accord.work"
    verbose_name = "Scheduled work and notifications"

    def ready(self) -> None:
        # Registers the notification listener and the send_email, webhook, clock_warning and
        # clock_breach job handlers.
        from accord.work import notify

        notify.register()
