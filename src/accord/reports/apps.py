from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "accord.reports"
    label = "reports"
    verbose_name = "Monthly SLA reports"

    def ready(self) -> None:
        # Registers the monthly delivery's job handlers (report_deliver, report_email).
        from accord.accounts.terms import on_terms
        from accord.reports import delivery
        from accord.reports.services import has_reports, latest_frozen_month
        from accord.work import services as work

        on_terms(frozen_month=latest_frozen_month, in_use=has_reports)
        # Every organisation with a contract has the job of its next report.
        work.every(
            "plan_reports", delivery.PLAN_INTERVAL, lambda now: delivery.plan_reports(now=now)
        )
        # Due months frozen in one pass before their jobs run (`delivery.issue_due_reports`).
        work.every(
            "issue_reports",
            delivery.ISSUE_INTERVAL,
            lambda now: delivery.issue_due_reports(now=now),
        )
