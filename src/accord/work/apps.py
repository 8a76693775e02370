from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "accord.work"
    verbose_name = "Scheduled work and notifications"

    def ready(self) -> None:
        # Registers the send_email and webhook job handlers (the delivery); the apps above
        # register theirs, and their change listeners, in their own `ready`.
        from accord.work import delivery  # noqa: F401
        from accord.work import services as work

        work.every("purge_delivered", work.PURGE_INTERVAL, lambda now: work.purge_delivered(now))
