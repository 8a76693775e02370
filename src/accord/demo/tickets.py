"""The tickets' side of the history: ten to thirteen fault tickets a month per customer, each
life planned (`Plan`) and replayed through `accord.helpdesk.services` at its historic instants,
the permanent fixes shipped in releases."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from accord.accounts.models import User
from accord.accounts.terms import ticket_terms
from accord.catalogue.models import Module
from accord.demo.timeline import (
    FULL_MONTHS,
    Boundary,
    Customer,
    Staff,
    moment,
    random_span,
    reserved_module,
)
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk import restoration as helpdesk_restoration
from accord.helpdesk import services as helpdesk
from accord.helpdesk import severity as helpdesk_severity
from accord.helpdesk.models import Channel, Repair, Status, Ticket
from accord.incidents import services as incidents
from accord.monitoring.models import ModuleRegion
from accord.releases import services as releases
from accord.releases.models import Kind, Release

# What customers write, per module and severity (as many of each severity for every module,
# so the random draws do not depend on the module).
SUMMARIES: dict[str, dict[int, list[str]]] = {
    "release-manager": {
        1: [
            "Release Manager shows a blank page for every user",
            "Nobody can sign in to Release Manager: SSO returns an error page",
            "Release calendar does not load for any team",
        ],
        2: [
            "Release plan export to Excel times out",
            "Gantt view freezes with more than 200 releases",
            "Approvals cannot be given: the Approve button does nothing",
            "Release dependencies are lost after saving",
        ],
        3: [
            "Release approval emails arrive twice",
            "Release notes lose their formatting on export",
            "Filter by release train shows last quarter's releases",
            "Calendar week view overlaps two releases on the same day",
        ],
        4: [
            "Typo on the release summary page",
            "Column widths are not remembered in the release list",
            "The date picker starts the week on Sunday",
            "Tooltip hides the Save button on small screens",
        ],
    },
    "test-environment-manager": {
        1: [
            "Test Environment Manager is down for all users",
            "No environment can be booked: every booking fails",
            "Environment status page returns an error for everyone",
        ],
        2: [
            "Environment bookings are not saved",
            "Booking conflicts are no longer detected",
            "Environment health checks show every environment as down",
            "Booking calendar does not load for one region's teams",
        ],
        3: [
            "Booking confirmation emails arrive hours late",
            "Environment usage report is missing last week",
            "Booking search ignores the environment type filter",
            "Environment owners cannot edit the booking notes",
        ],
        4: [
            "Environment list sorts by ID, not by name",
            "Booking form label reads 'Enviroment'",
            "The environment colour legend is cut off when printed",
            "Booking times are shown without the time zone",
        ],
    },
    "deployment-manager": {
        1: [
            "Deployments fail at the first step for all pipelines",
            "Deployment Manager shows an error page for every user",
            "No deployment can be started: the Run button is greyed out",
        ],
        2: [
            "Deployment plan export to Excel times out",
            "Scheduled deployments do not start",
            "Deployment logs stop streaming after a few minutes",
            "Rollback step fails for one pipeline",
        ],
        3: [
            "Deployment webhook to Jira returns 500 now and then",
            "Deployment approval emails arrive twice",
            "Pipeline history shows the wrong duration",
            "Deployment notes are not saved when edited",
        ],
        4: [
            "Pipeline names are cut off in the deployment list",
            "Deployment Manager's help link opens the wrong page",
            "Icons in the pipeline view are misaligned",
            "The deployment date format ignores the user's locale",
        ],
    },
    "reporting": {
        1: [
            "Reporting shows an error page for every user",
            "No report loads: every dashboard times out",
            "Reporting data stopped updating for all customers' dashboards",
        ],
        2: [
            "Scheduled reports are not sent",
            "Report export to PDF fails for large reports",
            "Dashboard charts are empty since this morning",
            "Report builder does not save new reports",
        ],
        3: [
            "Report totals differ from the dashboard",
            "Report filters reset when the page is reloaded",
            "CSV export of a report drops the last column",
            "Report subscription emails arrive twice",
        ],
        4: [
            "Chart legend overlaps the report title",
            "Report list does not remember the sort order",
            "Typo in the report builder's help text",
            "Dashboard tiles are not aligned on wide screens",
        ],
    },
    "stryka": {
        1: [
            "Stryka is down: no test run can start",
            "Every Stryka test run fails at setup",
            "Stryka shows an error page for every user",
        ],
        2: [
            "Stryka test runs stuck in 'queued'",
            "Scheduled Stryka test runs do not start",
            "Stryka results are not saved after a run",
            "Stryka runs time out against the test environment",
        ],
        3: [
            "Stryka results webhook to Jira returns 500",
            "Stryka run history shows the wrong duration",
            "Stryka flaky-test report is empty",
            "Stryka run notifications arrive twice",
        ],
        4: [
            "Stryka test names are cut off in the results table",
            "Stryka's dark mode shows unreadable grey text",
            "Stryka run list does not remember the page size",
            "Typo on the Stryka run summary page",
        ],
    },
}
# A module the demo does not know (a vendor's own catalogue): the general wording.
GENERAL = SUMMARIES["release-manager"]


@dataclass(frozen=True)
class Plan:
    """One ticket's life, as planned: `end` is where it stops (if `now` allows)."""

    severity: int | None  # designated when reporting; None: designated later (`later`)
    outcome: str  # "met" or "breach": when the service is restored against the target
    end: str  # reported, restored, fix, release_fix, emergency_fix, closed, reopened, acknowledged,
    # contest_rejected, contest_withdrawn (the customer contests the restoration)
    dispute: str = ""  # accepted, meeting, rejected, open (the proposal is not answered)
    channel: str = Channel.PORTAL
    when: str = "business"  # business, night, weekend
    later: int | None = None
    outage: str = ""  # "customer" (source ticket) or "region" (an incident for everyone)
    summary: str = ""  # a fixed summary (a labelled example) instead of a drawn one


# Every month of every customer holds these ten, so each month has every severity, breaches,
# disputes of each outcome, reopenings, and tickets raised at nights and weekends on each channel.
MONTHLY_PLANS = [
    Plan(1, "met", "closed"),
    Plan(2, "breach", "release_fix", channel=Channel.EMAIL, when="night"),
    Plan(2, "met", "fix", dispute="accepted", channel=Channel.API),
    Plan(1, "met", "closed", dispute="meeting"),  # business hours: Sev 2 time counts too
    Plan(3, "breach", "restored", dispute="rejected"),
    Plan(4, "met", "closed", channel=Channel.EMAIL, when="weekend"),
    Plan(3, "met", "reopened", channel=Channel.API, when="night"),
    Plan(None, "met", "closed", channel=Channel.EMAIL, when="night", later=3),
    Plan(4, "breach", "fix"),
    Plan(2, "met", "restored", channel=Channel.API, when="weekend"),
]
# One ticket nobody finished, carried over (and breached) until now: a deliberate example of
# what the queue shows at the top, labelled as such in its summary.
STALE_PLANS = {
    8: Plan(
        3,
        "breach",
        "acknowledged",
        summary="Demo example: a ticket acknowledged months ago and never worked on",
    )
}


class Mix:
    """Which tickets a customer-month holds: `plans(rng, number)` for the month `number` of
    the history (0 is the oldest). This one is the demo's: the ten monthly plans, up to three
    drawn at random, the stale ones, a total outage confirmed every third month (for the
    customer alone or the whole region, in turn) and an emergency fix in the seventh month."""

    def plans(self, rng: random.Random, number: int) -> list[Plan]:
        plans = list(MONTHLY_PLANS)
        for _ in range(rng.randint(0, 3)):
            plans.append(
                Plan(
                    rng.randint(1, 4),
                    "met" if rng.random() < 0.75 else "breach",
                    rng.choice(["closed", "fix", "restored", "release_fix"]),
                    channel=rng.choice(list(Channel.values)[:3]),
                    when=rng.choice(["business", "business", "night", "weekend"]),
                )
            )
        if number in STALE_PLANS:
            plans.append(STALE_PLANS[number])
        if number < FULL_MONTHS and number % 3 == 1:
            kind = "customer" if number % 2 else "region"
            plans[0] = Plan(1, "met", "closed", outage=kind)
        if number == 6:
            plans[1] = Plan(2, "breach", "emergency_fix", channel=Channel.EMAIL, when="night")
        return plans


def seed_tickets(
    now: datetime,
    customer: Customer,
    staff: Staff,
    deployed: dict[int, list[Release]],
    boundary: Boundary | None,
    mix: Mix | None = None,
) -> None:
    """The customer's tickets month by month, as `mix` (default: the demo's) plans them, each
    life replayed through the help desk's services (`_life`)."""
    rng = customer.rng
    mix = mix or Mix()
    for number, month in enumerate(customer.months):
        plans = mix.plans(rng, number)
        reserved = reserved_module(customer, month, boundary)
        for plan in plans:
            modules = customer.modules
            if plan.outage and reserved is not None:
                modules = [m for m in modules if m.slug != reserved]
            module = rng.choice(modules)
            reported_at = moment(rng, month, customer.tz_name, plan.when)
            if reported_at >= now - timedelta(hours=1):
                continue
            _life(now, customer, staff, deployed, plan, module, reported_at)


def _life(
    now: datetime,
    customer: Customer,
    staff: Staff,
    deployed: dict[int, list[Release]],
    plan: Plan,
    module: Module,
    reported_at: datetime,
) -> None:
    """Replay one ticket's life through the help-desk services, each action at its own past
    instant; the life stops where `now` is."""
    rng = customer.rng
    agent, manager = staff.agent, staff.manager
    reporter = customer.reporter if rng.random() < 0.7 else customer.admin
    wording = SUMMARIES.get(module.slug, GENERAL)
    summary = plan.summary or rng.choice(wording[plan.severity or plan.later or 3])
    channel = plan.channel
    ticket = helpdesk.report(
        reporter=reporter,
        organisation=customer.organisation,
        new=helpdesk.NewTicket(
            module=module,
            summary=summary,
            description="Seen by several users; steps to reproduce below.",
            severity=plan.severity,
            channel=channel,
        ),
        now=reported_at,
        email_message_id=(
            f"<demo-{reported_at:%Y%m%d%H%M%S}-{module.slug}@{customer.organisation.slug}.example>"
            if channel == Channel.EMAIL
            else ""
        ),
    )
    step = reported_at

    def at(after: timedelta) -> datetime | None:
        nonlocal step
        step = step + after
        return step if step < now else None

    if plan.end == "reported" or (when := at(random_span(rng, 0.1, 0.6))) is None:
        return
    helpdesk.add_comment(ticket, author=agent, body="Thanks, we are looking into it.", now=when)
    helpdesk.change_status(ticket, Status.ACKNOWLEDGED, actor=agent, now=when)
    if plan.end == "acknowledged":
        return
    if plan.later is not None:
        if (when := at(random_span(rng, 0.5, 2))) is None:
            return
        helpdesk_severity.designate_severity(ticket, plan.later, actor=reporter, now=when)
    link = None
    if plan.outage and (when := at(timedelta(minutes=rng.randint(5, 20)))) is not None:
        link = incidents.confirm_total_outage(
            ticket, actor=agent, now=when, customer_only=plan.outage == "customer"
        )
    if plan.dispute:
        if (when := at(random_span(rng, 0.3, 1))) is None:
            return
        proposed = (ticket.severity_in_force or 3) + 1
        if plan.dispute != "meeting":  # "meeting": the customer proposes, later
            helpdesk_severity.propose_severity(
                ticket,
                proposed,
                actor=agent,
                reason="A workaround exists: the same data is reachable from the list view.",
                now=when,
            )
            if plan.dispute == "open":
                return  # the proposal awaits the customer's answer
            if plan.dispute == "accepted":
                if (when := at(random_span(rng, 0.5, 3))) is None:
                    return
                helpdesk_severity.answer_proposal(
                    ticket,
                    accept=True,
                    actor=reporter,
                    note="Fine, the workaround helps.",
                    now=when,
                )
            elif plan.dispute == "rejected":
                if (when := at(random_span(rng, 0.5, 3))) is None:
                    return
                helpdesk_severity.answer_proposal(
                    ticket,
                    accept=False,
                    actor=customer.admin,
                    note="The workaround does not cover our release managers.",
                    now=when,
                )
    if (when := at(random_span(rng, 0.2, 1))) is None:
        return
    helpdesk.change_status(ticket, Status.IN_PROGRESS, actor=agent, now=when)
    if plan.end == "in_progress":
        return
    if ticket.pk % 4 == 0 and ticket.clock_state == "running" and helpdesk.pause_allowed(ticket):
        # Support waits for the customer's logs; their reply resumes the clock. Fixed
        # durations: drawing from the customer's random numbers would change its other tickets.
        if (when := at(timedelta(minutes=20))) is None:
            return
        helpdesk.pause_clock(
            ticket, actor=agent, reason="Waiting for the browser's HAR file of a failure.", now=when
        )
        if (when := at(timedelta(hours=3))) is None:
            return
        helpdesk.add_comment(ticket, author=reporter, body="HAR file attached.", now=when)
    helpdesk.add_comment(
        ticket, author=agent, body="Root cause: a stuck queue worker.", internal=True, now=when
    )
    # When the service comes back: inside the target or past it, in the ticket's support time
    # (a Severity 2 met uses 20-85% of its 12 support hours, one breached up to 1.5 times them;
    # a weekend report is not restored before support time has run).
    due = ticket.due_at or step + timedelta(days=2)
    target, used = ticket.target_seconds, ticket.used_seconds
    if plan.dispute == "meeting":
        restored = max(due, step) + random_span(rng, 1, 3)  # past Severity 1's target, within 2's
    elif target is None:
        restored = step + (max(due, step) - step) * rng.uniform(0.2, 0.85)
    elif plan.outcome == "met":
        restored = after_support_time(ticket, step, (target - used) * rng.uniform(0.2, 0.85))
    else:
        overrun = target * rng.uniform(0.05, 0.5)
        restored = after_support_time(ticket, step, max(target - used, 0) + overrun)
    restored = max(restored, step + timedelta(minutes=10))
    if restored >= now:
        return
    step = restored
    temporary = plan.end in ("release_fix", "emergency_fix", "reopened", "restored")
    helpdesk.change_status(
        ticket,
        Status.RESTORED,
        actor=agent,
        repair=Repair.TEMPORARY if temporary else Repair.PERMANENT,
        note="A workaround is in place." if temporary else "",
        now=restored,
    )
    if link is not None:
        step = min(restored + timedelta(minutes=2), now)
        incidents.resolve(
            link.incident, message="Service is restored.", actor=agent, now=step, at=restored
        )
    if plan.dispute == "meeting":
        if (when := at(random_span(rng, 18, 30))) is None:
            return
        # Agreed on a call: the customer's admin proposes the lower severity, the support
        # manager accepts it (an agreement takes one person of each side).
        helpdesk_severity.propose_severity(
            ticket,
            (ticket.severity_in_force or 1) + 1,
            actor=customer.admin,
            reason="Agreed on a call: one team was affected and a workaround existed.",
            now=when,
        )
        if (when := at(timedelta(minutes=30))) is None:
            return
        helpdesk_severity.answer_proposal(
            ticket, accept=True, actor=manager, note="As agreed on the call.", now=when
        )
    if plan.dispute == "rejected" and ticket.pk % 2 == 0:
        # Every other rejected proposal is settled at a meeting two days after the restoration
        # (a fixed delay: the customer's random numbers stay as they were); the rest stay
        # disputed on the queue and the report.
        if (when := at(timedelta(days=2))) is None:
            return
        helpdesk_severity.settle_dispute(
            ticket,
            actor=manager,
            held_on=when.date(),
            attendees=f"{manager.get_full_name()} (vendor), {customer.admin.get_full_name()} "
            f"({customer.organisation.name})",
            note="The severity stands: the workaround did not help every team.",
            now=when,
        )
    if plan.end == "restored":
        return
    if plan.end in ("contest_rejected", "contest_withdrawn"):
        _contest(now, ticket, customer, staff, step, withdrawn=plan.end == "contest_withdrawn")
        return
    if plan.end == "reopened":
        if (when := at(random_span(rng, 20, 60))) is None:
            return
        helpdesk.reopen(ticket, actor=reporter, reason="The fault is back this morning.", now=when)
        if (when := at(random_span(rng, 1, 6))) is None:
            return
        helpdesk.change_status(
            ticket, Status.RESTORED, actor=agent, repair=Repair.PERMANENT, now=when
        )
        if (when := at(random_span(rng, 24, 72))) is not None:
            helpdesk.change_status(ticket, Status.CLOSED, actor=reporter, now=when)
        return
    if plan.end in ("release_fix", "emergency_fix"):
        _fix_by_release(now, ticket, agent, deployed, step, emergency=plan.end == "emergency_fix")
        return
    if (when := at(random_span(rng, 18, 50))) is None:
        return
    if plan.end == "closed":
        helpdesk.change_status(ticket, Status.CLOSED, actor=reporter, now=when)
        return
    helpdesk.change_status(ticket, Status.FIX_DELIVERED, actor=agent, now=when)


def after_support_time(ticket: Ticket, start: datetime, support_seconds: float) -> datetime:
    """The instant `support_seconds` of the ticket's support hours after `start`."""
    calendar = ticket_terms(ticket).clock_rules.calendars[ticket.severity_in_force or 3]
    reached = calendar.reach_epoch(np.array([to_epoch(start)]), np.array([int(support_seconds)]))
    return from_epoch(int(reached[0]))


def _contest(
    now: datetime,
    ticket: Ticket,
    customer: Customer,
    staff: Staff,
    restored: datetime,
    *,
    withdrawn: bool,
) -> None:
    """The customer contests the restoration within its window; a support manager withdraws
    it (it never held) or rejects the contest; support restores the service again and the
    customer closes the ticket."""
    rng = customer.rng
    step = restored

    def at(after: timedelta) -> datetime | None:
        nonlocal step
        step = step + after
        return step if step < now else None

    if (when := at(random_span(rng, 2, 12))) is None:
        return
    helpdesk_restoration.contest_restoration(
        ticket,
        actor=customer.reporter,
        reason="The export still fails for the finance team.",
        now=when,
    )
    if (when := at(random_span(rng, 1, 4))) is None:
        return
    helpdesk_restoration.answer_contest(
        ticket,
        actor=staff.manager,
        accept=withdrawn,
        note="" if withdrawn else "The export works; the finance team's filter was the cause.",
        now=when,
    )
    if (when := at(random_span(rng, 1, 6))) is None:
        return
    helpdesk.change_status(
        ticket, Status.RESTORED, actor=staff.agent, repair=Repair.PERMANENT, now=when
    )
    if (when := at(random_span(rng, 24, 72))) is not None:
        helpdesk.change_status(ticket, Status.CLOSED, actor=customer.reporter, now=when)


def _fix_by_release(
    now: datetime,
    ticket: Ticket,
    agent: User,
    deployed: dict[int, list[Release]],
    restored: datetime,
    *,
    emergency: bool,
) -> None:
    """The permanent fix ships in a release of the ticket's module-region: an emergency fix
    the next evening, or the first cadence release a day after the workaround."""
    module_region = ModuleRegion.objects.get(module=ticket.module_id, region=ticket.region_id)
    if emergency:
        at = restored + timedelta(hours=20)
        version, kind = releases.planned_version(Kind.EMERGENCY, at), Kind.EMERGENCY
    else:
        after = restored + timedelta(days=1)
        release = next(
            (
                r
                for r in deployed.get(module_region.pk, [])
                if r.deployed_at is not None and r.deployed_at >= after
            ),
            None,
        )
        if release is None or release.deployed_at is None:
            return
        at, version, kind = release.deployed_at, release.version, Kind(release.kind)
    if at >= now:
        return
    # The fix is delivered at the deployment's own time; recording the deployment then links
    # the ticket (a deployment recorded now would deliver the fix now).
    helpdesk.change_status(
        ticket,
        Status.FIX_DELIVERED,
        actor=agent,
        note=f"Permanent fix delivered in release {version}",
        now=at,
    )
    releases.record_deployment(
        module_region,
        version,
        kind,
        at,
        notes=f"Emergency fix for ticket #{ticket.pk}." if emergency else "",
        tickets=[ticket],
        actor=agent,
    )
