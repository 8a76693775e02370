"""What the status page must announce, asked in the transaction of the change.

An incident's public update and a newly scheduled ad-hoc maintenance window each enqueue one
`status_notice` job (unique key), so a change that rolls back announces nothing. The status
page (`accord.status.notices`, a layer above) registers the job's handler and fans it out to
its subscribers: incidents never imports it. Nothing is enqueued inside
`accord.work.outbox.muted()` (bulk imports, demo data).
"""

from __future__ import annotations

from typing import Any

from accord.monitoring.models import MaintenanceWindow
from accord.work import outbox
from accord.work import services as work
from accord.work.models import Job

STATUS_NOTICE = "status_notice"  # the job kind accord.status.notices handles


def incident_updated(update: Any) -> Job | None:
    """Announce an `IncidentUpdate` (the declaration's first one, a later one, the
    resolution) if its incident is public."""
    if outbox.is_muted() or not update.incident.public:
        return None
    return work.schedule(
        f"status-notice:update-{update.pk}", STATUS_NOTICE, update.at, payload={"update": update.pk}
    )


def maintenance_scheduled(window: MaintenanceWindow) -> Job | None:
    """Announce a newly scheduled ad-hoc maintenance window to its region's subscribers."""
    if outbox.is_muted():
        return None
    return work.schedule(
        f"status-notice:maintenance-{window.pk}",
        STATUS_NOTICE,
        window.announced_at,
        payload={"maintenance": window.pk},
    )
