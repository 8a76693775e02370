"""Status notices: email to confirmed subscribers when a public incident is declared, gets a
public update or is resolved, and when ad-hoc maintenance is scheduled.

`accord.incidents.announce` enqueues one `status_notice` job per update or window in the
transaction of the change (unique key), so a change that rolls back announces nothing; this
module, a layer above incidents, handles it. The worker runs that job in the
transaction that marks it done (an atomic handler) and fans it out: one `status_email` job per
confirmed subscriber of an affected region (or of every region), keyed per (update or window,
subscriber), so each subscriber gets each notice once however often the fan-out runs. Fanning
out in the worker rather than in the change sees the incident as committed, with the impacts
that `declare` and `confirm_total_outage` set after its first update.

Who is told: an incident's regions are those of its outages that hit everyone (not one
customer's); an incident that names no module-region concerns every region (as on the status
page). A non-public incident notifies nobody. Nothing is enqueued inside
`accord.work.outbox.muted()` (bulk imports, demo data).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accord.core.display import format_when, recipient_language
from accord.core.links import absolute_url
from accord.engine.timeutil import zone
from accord.incidents.announce import STATUS_NOTICE
from accord.monitoring.models import MaintenanceWindow
from accord.status import emails, hooks
from accord.status.models import Channel, StatusSubscriber
from accord.status.subscriptions import unsubscribe_token
from accord.work import services as work
from accord.work.models import Job

logger = logging.getLogger(__name__)


# --- the fan-out, in the worker -----------------------------------------------------------------


def subscribers(
    region_ids: set[int] | None, module_ids: set[int] | None = None
) -> list[StatusSubscriber]:
    """Confirmed, not unsubscribed subscribers of these regions or of every region (None:
    of any region), and of these modules or of every module (None: of any module)."""
    rows = StatusSubscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at=None)
    if region_ids is not None:
        rows = rows.filter(Q(region__isnull=True) | Q(region_id__in=region_ids))
    if module_ids is not None:
        chosen = StatusSubscriber.modules.through.objects.filter(module_id__in=module_ids)
        rows = rows.filter(
            Q(modules__isnull=True) | Q(pk__in=chosen.values("statussubscriber_id"))
        ).distinct()
    return list(rows.select_related("region").order_by("pk"))


def status_page_url(subscriber: StatusSubscriber) -> str:
    if subscriber.region_id:
        return absolute_url(reverse("status_region", args=[subscriber.region.code]))
    return absolute_url(reverse("status_overall"))


def unsubscribe_url(subscriber: StatusSubscriber) -> str:
    return absolute_url(reverse("status_unsubscribe", args=[unsubscribe_token(subscriber)]))


def one_click_url(subscriber: StatusSubscriber) -> str:
    """RFC 8058's one-click URL (the List-Unsubscribe header's): a POST unsubscribes."""
    return absolute_url(reverse("status_one_click", args=[unsubscribe_token(subscriber)]))


def _footer(subscriber: StatusSubscriber) -> list[str]:
    where = emails.where_label(subscriber)
    return [
        gettext("The status page: %(url)s") % {"url": status_page_url(subscriber)},
        "",
        gettext("You receive this because you subscribed to status updates for %(where)s.")
        % {"where": where},
        gettext("Unsubscribe: %(url)s") % {"url": unsubscribe_url(subscriber)},
    ]


def _utc(moment: datetime) -> str:
    """An instant in a webhook's lines: English, like the API."""
    return f"{moment.astimezone(zone('UTC')):%Y-%m-%d %H:%M} UTC"


def _notice(person: StatusSubscriber, notice: dict[str, Any]) -> dict[str, Any]:
    """The notice as a webhook's JSON body (and Slack's source): with this subscription's
    links."""
    return {
        **notice,
        "status_page": status_page_url(person),
        "unsubscribe": unsubscribe_url(person),
    }


def _fan_out(
    prefix: str,
    people: list[StatusSubscriber],
    render: Any,
    due_at: datetime,
    notice: dict[str, Any],
) -> None:
    """One job per subscriber: an email, a signed webhook or a Slack message."""
    jobs = []
    for person in people:
        key = f"{prefix}:subscriber-{person.pk}"
        if person.channel == Channel.EMAIL:
            # In the language of the page the address subscribed on (an address has no
            # account), as the help desk's notices are in each reader's (docs/translations.md).
            with translation.override(recipient_language(person)):
                message = render(person)
            jobs.append(
                Job(
                    key=key,
                    kind=emails.KIND,
                    due_at=due_at,
                    payload={
                        "to": person.email,
                        "subscriber": person.pk,
                        "list_unsubscribe": one_click_url(person),
                        **message,
                    },
                )
            )
        else:
            jobs.append(hooks.job(person, key, _notice(person, notice), due_at))
    # Created unless a job of its key exists (INSERT ... ON CONFLICT DO NOTHING).
    Job.objects.bulk_create(jobs, ignore_conflicts=True)


def _modules(rows: Any) -> set[int] | None:
    """The modules a notice concerns (None: it names none, every module's concern)."""
    found = set(rows)
    return found or None


def _incident_regions(incident: Any) -> set[int] | None:
    regions = set(
        incident.outages.filter(outage__organisation__isnull=True).values_list(
            "outage__module_region__region_id", flat=True
        )
    )
    if regions:
        return regions
    if incident.outages.exists():  # only one customer's outages: not a public region's
        return set()
    return None  # names no module-region: every region's concern


def _announce_update(update_id: int) -> str:
    from accord.incidents.models import IncidentUpdate  # the incidents app imports this one

    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id).first()
    if update is None:
        return "the update is gone"
    incident = update.incident
    if not incident.public:
        return "the incident is not public"
    with translation.override("en"):  # webhooks and Slack are English, like the API
        status = update.get_status_display()
    subject = f"[{status}] {incident.title}"

    def render(person: StatusSubscriber) -> dict[str, str]:
        said = update.get_status_display()  # in the subscriber's language
        body = [
            f"{incident.title}",
            gettext("Status: %(status)s (%(when)s)")
            % {"status": said, "when": format_when(update.at, "UTC")},
            "",
            update.body,
            "",
            *_footer(person),
        ]
        return {"subject": f"[{said}] {incident.title}", "body": "\n".join(body) + "\n"}

    modules = _modules(
        incident.outages.filter(outage__organisation__isnull=True).values_list(
            "outage__module_region__module_id", flat=True
        )
    )
    notice = {
        "event": "status.incident_update",
        "subject": subject,
        "title": incident.title,
        "status": update.status,
        "at": update.at.isoformat(),
        "message": update.body,
        "lines": [f"Status: {status} ({_utc(update.at)})", "", update.body],
    }
    people = subscribers(_incident_regions(incident), modules)
    _fan_out(f"status-notice:update-{update.pk}", people, render, update.at, notice)
    return f"{len(people)} subscribers"


def _announce_maintenance(window_id: int) -> str:
    window = MaintenanceWindow.objects.select_related("region").filter(pk=window_id).first()
    if window is None or window.cancelled_at is not None:
        return "the window is gone or cancelled"
    modules = sorted(mr.module.name for mr in window.module_regions.select_related("module"))
    subject = f"[Scheduled maintenance] {window.title}"  # webhooks and Slack: English
    region_zone = window.region.timezone

    def render(person: StatusSubscriber) -> dict[str, str]:
        body = [
            f"{window.title}",
            gettext("Scheduled maintenance in %(region)s: %(modules)s")
            % {
                "region": window.region.name,
                "modules": ", ".join(modules) if modules else gettext("every module"),
            },
            gettext("From %(start)s to %(end)s (%(local_start)s to %(local_end)s, %(zone)s)")
            % {
                "start": format_when(window.start, "UTC"),
                "end": format_when(window.end, "UTC"),
                "local_start": format_when(window.start, region_zone),
                "local_end": format_when(window.end, region_zone),
                "zone": region_zone,
            },
            *(["", window.description] if window.description else []),
            "",
            *_footer(person),
        ]
        tag = gettext("Scheduled maintenance")
        return {"subject": f"[{tag}] {window.title}", "body": "\n".join(body) + "\n"}

    when = f"From {_utc(window.start)} to {_utc(window.end)}"
    notice = {
        "event": "status.maintenance_scheduled",
        "subject": subject,
        "title": window.title,
        "region": window.region.code,
        "modules": modules,
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "message": window.description,
        "lines": [
            f"Scheduled maintenance in {window.region.name}: "
            f"{', '.join(modules) if modules else 'every module'}",
            when,
            *([window.description] if window.description else []),
        ],
    }
    people = subscribers(
        {window.region_id}, _modules(window.module_regions.values_list("module_id", flat=True))
    )
    _fan_out(f"status-notice:maintenance-{window.pk}", people, render, window.announced_at, notice)
    return f"{len(people)} subscribers"


@work.handler(STATUS_NOTICE)
def fan_out(job: Job, now: datetime) -> None:
    """One `status_email` job per subscriber to tell (atomic: decided once per notice)."""
    if "update" in job.payload:
        outcome = _announce_update(job.payload["update"])
    else:
        outcome = _announce_maintenance(job.payload.get("maintenance"))
    logger.info("status notice %s: %s", job.key, outcome)
    Job.objects.filter(pk=job.pk).update(payload={**job.payload, "outcome": outcome})
