from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "accord.reports"
    label = "reports"
    verbose_name = "Monthly SLA reports"

    def ready(self) -> None:
        # Registers the monthly delivery's job handlers (report_deliver, report_email).
        from accord.reports import delivery  # noqa: F401
