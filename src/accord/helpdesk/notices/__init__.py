"""The help desk's notices: email to the people who should know of a ticket, and webhooks.

Nothing here sends anything while a ticket changes. A change (`clock_jobs.after_ticket_change`)
asks the listeners in `work.CHANGE_LISTENERS`; this package's (`changes.on_ticket_change`) turns
the change into a `Notice` and *enqueues* it, as one `notify` job in the change's transaction.
The worker then addresses (`addressing`) and renders (`rendering`) it into one `send_email` job
per recipient and one `webhook` job per endpoint (`fan_out`), which `accord.work.delivery` sends.
The clock's warnings and breaches are jobs too (`clock`). That is an outbox (`accord.work.outbox`):
a change that commits has its notice committed with it, and one that rolls back has none.

The help desk's `AppConfig.ready` calls `register()`: importing the modules registers the job
handlers (`notify`, `clock_warning`, `clock_breach`), and the listener joins CHANGE_LISTENERS.
"""

from __future__ import annotations


def register() -> None:
    """Register the notices' job handlers and listen to ticket changes (called once, from the
    help desk's `ready`)."""
    from accord.helpdesk.notices import changes, clock, fan_out  # noqa: F401 (handlers)
    from accord.work import services as work

    if changes.on_ticket_change not in work.CHANGE_LISTENERS:
        work.CHANGE_LISTENERS.append(changes.on_ticket_change)
