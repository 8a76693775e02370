"""Demo data: three customers on the built-in policy (each contract with its fee and, for two,
terms of its own), the vendor's staff, four weeks of live fault tickets in every state, and a
year of history before them (`accord.demo.history`: outages from every source, maintenance,
tickets, disputes, releases), made through the same services the portal and the API use.

Every ticket's history is replayed at its own past instants, so clocks, breaches, disputes and
reopenings are what the engine says they are. Deterministic: the same `now` gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accord.accounts.models import Organisation, Role, User
from accord.accounts.services import create_organisation, create_user
from accord.catalogue.models import Module, Region
from accord.demo import history as demo_history
from accord.demo.tickets import after_support_time
from accord.helpdesk import auto_close, services
from accord.helpdesk import severity as severities
from accord.helpdesk.models import Repair, Status, Ticket
from accord.monitoring.models import ModuleRegion
from accord.probes.models import HealthCheck
from accord.status.demo import demo_health_url
from accord.work.models import Job, JobState
from accord.work.outbox import muted

DEMO_PASSWORD = "accord-demo"


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    organisation: str


CUSTOMERS = [
    ("Acme Logistics", "acme", "us", "acme.example"),
    ("Northwind Health", "northwind", "uk", "northwind.example"),
    ("Koala Bank", "koala", "au", "koala.example"),
]
STAFF = [
    ("agent@vendor.example", Role.AGENT, "Alex", "Agent"),
    ("manager@vendor.example", Role.MANAGER, "Morgan", "Manager"),
    ("admin@vendor.example", Role.VENDOR_ADMIN, "Val", "Admin"),
]
# The live four weeks' faults: (module slug, summary, severity), each worded for its module.
FAULTS = [
    ("release-manager", "Release calendar does not load for the whole team", 1),
    ("deployment-manager", "Deployment plan export to Excel times out", 2),
    ("test-environment-manager", "Environment booking conflicts are not flagged", 3),
    ("reporting", "Report totals differ from the dashboard", 3),
    ("stryka", "Stryka test runs stuck in 'queued'", 2),
    ("test-environment-manager", "Cannot sign in to Test Environment Manager with SSO", 1),
    ("deployment-manager", "Deployment approval emails arrive twice", 4),
    ("release-manager", "Typo on the release summary page", 4),
    ("release-manager", "Gantt view freezes with more than 200 releases", 2),
    ("stryka", "Stryka results webhook to Jira returns 500", 3),
]


def already_seeded() -> bool:
    return Organisation.objects.filter(slug="acme").exists()


# The vendor admin is also the Django admin's superuser, so one demo login opens /admin/.
SUPERUSER_EMAIL = "admin@vendor.example"


def demo_logins() -> list[Login]:
    """Every demo login, staff first (the same list whether or not the data is made now)."""
    made = [
        Login(
            email,
            str(Role(role).label) + (" (and /admin/)" if email == SUPERUSER_EMAIL else ""),
            "vendor",
        )
        for email, role, _, _ in STAFF
    ]
    for name, _, _, domain in CUSTOMERS:
        made += [
            Login(f"reporter@{domain}", str(Role.REPORTER.label), name),
            Login(f"admin@{domain}", str(Role.CUSTOMER_ADMIN.label), name),
        ]
    return made


@transaction.atomic
def seed(now: datetime, *, tickets_per_customer: int = 10, history: bool = True) -> list[Login]:
    """Create the demo organisations, people and ticket histories ending at `now` (with
    `history`, the year before it too: `demo_history`).

    Nobody is notified about a history that is already over.
    """
    with muted():
        return _seed(now, tickets_per_customer, history)


def _seed(now: datetime, tickets_per_customer: int, history: bool) -> list[Login]:
    rng = random.Random(20261127)
    logins: list[Login] = []
    staff = []
    for email, role, first, last in STAFF:
        staff.append(
            create_user(email=email, role=role, password=None, first_name=first, last_name=last)
        )
        logins.append(Login(email, str(Role(role).label), "vendor"))
    agent, manager = staff[0], staff[1]
    modules = {module.slug: module for module in Module.objects.order_by("position")}
    customers = []
    for name, slug, region_code, domain in CUSTOMERS:
        organisation = create_organisation(
            name=name, slug=slug, region=Region.objects.get(code=region_code), email_domains=domain
        )
        demo_history.configure_contract(organisation)
        reporter = create_user(
            email=f"reporter@{domain}",
            role=Role.REPORTER,
            organisation=organisation,
            password=None,
            first_name="Riley",
            last_name=name.split()[0],
        )
        admin = create_user(
            email=f"admin@{domain}",
            role=Role.CUSTOMER_ADMIN,
            organisation=organisation,
            password=None,
            first_name="Ada",
            last_name=name.split()[0],
        )
        logins += [
            Login(reporter.email, str(Role.REPORTER.label), name),
            Login(admin.email, str(Role.CUSTOMER_ADMIN.label), name),
        ]
        customers.append((organisation, reporter, admin))
        for index in range(tickets_per_customer):
            slug, summary, severity = FAULTS[(index + len(logins)) % len(FAULTS)]
            # Tickets left open are recent; the rest spread over four weeks, but a delivered fix
            # is days old (older ones were closed 7 days after: accord.helpdesk.auto_close).
            if index % 10 in (0, 1, 2, 4):
                days_ago = rng.uniform(0.1, 1.5)
            elif index % 10 == 9:
                days_ago = rng.uniform(4, 6)
            else:
                days_ago = rng.uniform(3, 28)
            reported_at = now - timedelta(days=days_ago, minutes=rng.randint(0, 59))
            _history(
                index,
                rng,
                organisation=organisation,
                reporter=reporter if index % 3 else admin,
                admin=admin,
                agent=agent,
                manager=manager,
                module=modules[slug],
                summary=summary,
                severity=severity if index % 7 else None,
                reported_at=reported_at,
                now=now,
            )
    health_checks(now)
    if history:
        demo_history.seed_history(now, customers, agent=agent, manager=manager)
    # Tickets whose service was back long ago were closed by the worker's hourly pass, at the
    # instant each became due (accord.helpdesk.auto_close).
    auto_close.close_due(now)
    # One password hash for every demo login: hashing is slow on purpose (~0.7 s each here).
    User.objects.filter(email__in=[login.email for login in logins]).update(
        password=make_password(DEMO_PASSWORD)
    )
    User.objects.filter(email=SUPERUSER_EMAIL).update(is_staff=True, is_superuser=True)
    # Bring every running clock to the present, as the worker would have (a stopped clock's
    # columns were written when it stopped and do not change).
    for ticket in Ticket.objects.exclude(clock_state="stopped").select_related(
        "organisation__contract"
    ):
        services.recompute_clock(ticket, now=now)
    # The history is the past: its warnings and breaches were due then, not news today.
    Job.objects.filter(state=JobState.PENDING, due_at__lte=now).update(state=JobState.DONE)
    return demo_logins()


def health_checks(now: datetime) -> None:
    """One health check per module-region, probing its stand-in endpoint on the status page
    (`/status/demo-health/<id>/`, served by `accord demo` itself): the staff's switch there
    takes it down, and the worker's probes confirm the outage after two failures 10 s apart."""
    for module_region in ModuleRegion.objects.select_related("module", "region").order_by("pk"):
        HealthCheck.objects.get_or_create(
            module_region=module_region,
            url=demo_health_url(module_region),
            defaults={
                "name": "Demo health endpoint",
                "interval_seconds": 10,
                "timeout_seconds": 5,
                "failures_to_confirm": 2,
                "status_since": now,
            },
        )


def _history(
    index: int,
    rng: random.Random,
    *,
    organisation: Organisation,
    reporter: User,
    admin: User,
    agent: User,
    manager: User,
    module: Module,
    summary: str,
    severity: int | None,
    reported_at: datetime,
    now: datetime,
) -> Ticket:
    """One ticket's life, ending in a state chosen by `index` so that every state appears."""
    ticket = services.report(
        reporter=reporter,
        organisation=organisation,
        new=services.NewTicket(
            module=module,
            summary=summary,
            description="Seen by several users; steps and screenshots to follow.",
            severity=severity,
        ),
        now=reported_at,
    )
    step = reported_at

    def later(hours: float) -> datetime | None:
        nonlocal step
        step = step + timedelta(hours=hours * rng.uniform(0.6, 1.4))
        return step if step < now else None

    plan = index % 10
    if (at := later(0.5)) is None:
        return ticket
    services.add_comment(ticket, author=agent, body="Thanks, we are looking into it.", now=at)
    if plan == 0:
        return ticket  # reported, commented, nothing else yet
    services.change_status(ticket, Status.ACKNOWLEDGED, actor=agent, now=at)
    if severity is None and (at := later(2)) is not None:
        severities.designate_severity(ticket, 3, actor=reporter, now=at)
    if plan == 1:
        return ticket
    if plan in (2, 3) and ticket.severity_in_force and ticket.severity_in_force < 4:
        if (at := later(1)) is None:
            return ticket
        severities.propose_severity(
            ticket,
            ticket.severity_in_force + 1,
            actor=agent,
            reason="A workaround exists: the export works from the list view.",
            now=at,
        )
        if plan == 2 or (at := later(3)) is None:
            return ticket  # the proposal awaits the customer's answer
        severities.answer_proposal(
            ticket,
            accept=True,
            actor=admin,
            note="Agreed on a call after the workaround was confirmed.",
            now=at,
        )
    if (at := later(2)) is None:
        return ticket
    services.change_status(ticket, Status.IN_PROGRESS, actor=agent, now=at)
    if plan == 4:
        return ticket
    services.add_comment(
        ticket, author=agent, body="Root cause: a stuck queue worker.", internal=True, now=at
    )
    # Restored in the ticket's support time: half its target (plan 5 breaches, at 1.3 times).
    if ticket.target_seconds is None:
        at = later(18)
    else:
        share = (1.3 if plan == 5 else 0.5) * rng.uniform(0.6, 1.4)
        step = after_support_time(ticket, step, ticket.target_seconds * share)
        at = step if step < now else None
    if at is None:
        return ticket
    repair = Repair.TEMPORARY if plan in (5, 6, 7) else Repair.PERMANENT
    services.change_status(ticket, Status.RESTORED, actor=agent, repair=repair, now=at)
    if plan in (5, 6):
        return ticket
    if plan == 7:
        if (at := later(24)) is None:
            return ticket
        services.reopen(ticket, actor=reporter, reason="The fault is back this morning.", now=at)
        return ticket
    if (at := later(30)) is None:
        return ticket
    if plan == 8:
        services.change_status(ticket, Status.CLOSED, actor=reporter, now=at)
        return ticket
    services.change_status(ticket, Status.FIX_DELIVERED, actor=agent, now=at)
    return ticket
