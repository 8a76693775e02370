"""A change's notice is stored as one `notify` job and rendered by the worker: the messages it
renders are exactly those the change itself would have rendered, whatever happened to the
ticket in between, and each is enqueued once."""

from __future__ import annotations

from typing import Any

from accord.helpdesk import services
from accord.helpdesk.models import Status
from accord.helpdesk.notices import addressing, changes, fan_out, rendering
from accord.helpdesk.notices.notice import Notice
from accord.work import services as work
from accord.work.models import Job, WebhookEndpoint, WebhookFormat


def rendered(notice: Notice) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every email payload and webhook body of a notice, as `publish` would enqueue them."""
    emails = [
        rendering.render_email(notice, person, customer=customer)
        for person, customer in addressing.recipients(notice)
    ]
    bodies = [
        rendering.webhook_body(notice, endpoint)
        for endpoint in WebhookEndpoint.objects.order_by("pk")
    ]
    return emails, bodies


def through_the_job(notice: Notice) -> Notice:
    """The notice as the worker reads it back from its stored `notify` job."""
    job = fan_out.fan_out_job(notice)
    job.key += ":copy"  # the change enqueued its own already
    job.save()
    return fan_out.notice_of(Job.objects.get(pk=job.pk).payload)


def test_the_worker_renders_what_the_change_would_have(world: Any, report: Any, at: Any) -> None:
    WebhookEndpoint.objects.create(name="ops", url="http://127.0.0.1:9/a", secret="s")
    WebhookEndpoint.objects.create(
        name="acme", url="http://127.0.0.1:9/b", secret="s", organisation=world.acme
    )
    WebhookEndpoint.objects.create(
        name="slack", url="http://127.0.0.1:9/c", secret="s", format=WebhookFormat.SLACK
    )
    world.acme_admin.timezone = "Europe/Berlin"
    world.acme_admin.save(update_fields=["timezone"])
    ticket = report(summary="Release  <page> is down & out")
    comment = services.add_comment(
        ticket, author=world.agent, body="Looking into it.\nSecond line.", now=at("09T09:10")
    )
    event = services.change_status(
        ticket, Status.RESTORED, actor=world.agent, repair="temporary", now=at("09T10:30")
    )
    notices = [
        changes.notice_for_change(ticket, "reported", actor=world.acme_reporter, comment=None),
        changes.notice_for_change(ticket, "commented", actor=world.agent, comment=comment),
        changes.notice_for_change(ticket, "restored", actor=world.agent, comment=None, event=event),
    ]
    for notice in notices:
        assert notice is not None
        before = rendered(notice)
        assert before[0] and before[1]
        assert rendered(through_the_job(notice)) == before


def test_the_messages_show_the_ticket_as_it_was_at_the_change(
    world: Any, report: Any, drain: Any, at: Any, mailoutbox: list[Any]
) -> None:
    ticket = report()
    # Support acknowledges before the worker has fanned the report out.
    services.change_status(ticket, Status.ACKNOWLEDGED, actor=world.agent, now=at("09T09:05"))
    drain(at("09T09:05"))
    reported = [m for m in mailoutbox if m.extra_headers["X-Accord-Event"] == "ticket.reported"]
    assert len(reported) == 4
    assert all("Status: Reported" in m.body for m in reported)


def test_a_notice_is_fanned_out_once(world: Any, report: Any, at: Any) -> None:
    report()
    (job,) = work.claim("a", now=at("09T09:00"))
    assert job.kind == "notify"
    fan_out.fan_out(job, at("09T09:00"))
    fanned = Job.objects.filter(kind="send_email").order_by("key").values_list("key", "payload")
    first = list(fanned)
    assert len(first) == 4
    fan_out.fan_out(job, at("09T09:01"))  # claimed again after a killed worker: nothing new
    work.run_job(job, now=at("09T09:02"))
    assert list(fanned) == first
