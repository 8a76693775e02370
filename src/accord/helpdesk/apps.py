from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "accord.helpdesk"
    label = "helpdesk"

    def ready(self) -> None:
        from accord.accounts.terms import on_terms
        from accord.helpdesk import notices
        from accord.helpdesk.services import has_tickets, remeasure_open_tickets

        on_terms(in_use=has_tickets, version_added=remeasure_open_tickets)
        # The ticket notices: the notify, clock_warning and clock_breach job handlers, and the
        # listener that turns each ticket change into its notice (accord.helpdesk.notices).
        notices.register()
        # Tickets restored long ago close themselves (ACCORD_AUTO_CLOSE_DAYS).
        from accord.helpdesk import auto_close
        from accord.work import services as work

        work.every("auto_close", auto_close.INTERVAL, lambda now: auto_close.close_due(now))
