from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "accord.status"
    verbose_name = "Status page"

    def ready(self) -> None:
        # Registers the `status_email` job handler (confirmation emails go through the
        # worker's outbox, like every other email Accord sends) and the `status_notice` one.
        from accord.status import emails, hooks, notices  # noqa: F401
