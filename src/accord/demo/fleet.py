"""A fleet of customers for measuring Accord at scale: `accord demo --fleet N`.

N customer organisations spread over the catalogue's regions, each with a contract (one of the
variants of `accord.demo.fleet_terms`, a monthly fee drawn from a range), a reporter and a
customer admin who can log in (password `accord-demo`), and a year of fault tickets (about a
hundred: the twelve full months before `now` and the current month up to it) in every state
the help desk has: open, restored, closed, fix delivered; severities designated late, disputes
accepted, agreed on a call, rejected and left open; reopenings; contested restorations withdrawn
and rejected; clocks paused where the contract allows; breaches; total outages confirmed for the
customer alone. Each region gets a year of outages per module-region from probes, Alertmanager
and webhooks, staff incidents and ad-hoc maintenance (`accord.demo.outages`).

How, so that 10,000 customers take minutes: one template customer per region and contract
variant (twelve by default) has its year made the demo's way, every ticket's life replayed
through the help desk's services at its historic instants (`accord.demo.tickets`, with the
fleet's `FleetMix` of plans), which is 35-60 ms a ticket here. Every other customer is a copy of
the template of its region and variant (`accord.demo.clone`): the template's rows written again
for it in bulk, with its own ids, organisation, people and fee. So the help desk, the dashboard,
the reports and the simulator read the copies exactly as rows the services made; customers of
one template share their ticket timelines (their fees, names and money differ).

Transactions: one per template, one for the region outages, one per batch of copies
(`BATCH` customers). Deterministic: the same `now`, `seed` and number of templates give the same
rows. A database that already holds a fleet (organisations whose slug starts `fleet-`) is left
alone: `FleetExists`; start from a new database to make another.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from time import perf_counter

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from accord.accounts.models import Contract, ContractVersion, Organisation, Role, User
from accord.accounts.services import create_organisation, create_user
from accord.catalogue.models import Region
from accord.demo import data as demo_data
from accord.demo.clone import Copy, Template, reset_sequences
from accord.demo.fleet_terms import VARIANTS, set_terms
from accord.demo.history import customer_of
from accord.demo.outages import external_sources, seed_maintenance, seed_outages
from accord.demo.tickets import STALE_PLANS, Mix, Plan, seed_tickets
from accord.demo.timeline import FULL_MONTHS, Customer, Staff
from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Channel, Ticket
from accord.incidents.models import ExternalSource
from accord.monitoring.models import Source
from accord.work.models import Job, JobState
from accord.work.outbox import muted

SEED = 20261206
TEMPLATES = 12  # three regions x four contract variants
BATCH = 200  # customers copied per transaction
SLUG_PREFIX = "fleet-"
FEES = range(2_000, 40_001, 500)  # monthly fees, in the contract's currency

# Every month of every template holds these eight (and sometimes one drawn at random).
FLEET_PLANS = (
    Plan(1, "met", "closed"),
    Plan(2, "breach", "fix", channel=Channel.EMAIL, when="night"),
    Plan(2, "met", "fix", dispute="accepted", channel=Channel.API),
    Plan(1, "met", "closed", dispute="meeting", when="weekend"),
    Plan(3, "breach", "restored", dispute="rejected"),
    Plan(3, "met", "reopened", channel=Channel.API, when="night"),
    Plan(None, "met", "closed", channel=Channel.EMAIL, when="night", later=3),
)

_WORDS = (
    "Amber",
    "Birch",
    "Cedar",
    "Delta",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Maple",
    "Nimbus",
    "Onyx",
    "Pine",
    "Quartz",
    "Raven",
    "Sierra",
    "Tidal",
    "Umber",
    "Vale",
    "Willow",
    "Xenon",
    "Yarrow",
    "Zephyr",
    "Atlas",
    "Beacon",
    "Cobalt",
    "Drift",
    "Echo",
    "Falcon",
    "Glade",
    "Heron",
    "Indigo",
    "Jade",
    "Kite",
    "Lark",
    "Meridian",
    "Nova",
)
_TRADES = (
    "Logistics",
    "Health",
    "Bank",
    "Retail",
    "Energy",
    "Media",
    "Foods",
    "Telecom",
    "Insurance",
    "Travel",
    "Robotics",
    "Pharma",
    "Motors",
    "Studios",
    "Analytics",
    "Freight",
    "Capital",
    "Systems",
    "Labs",
    "Networks",
)
_FORMS = ("Ltd", "Group", "Inc", "Partners", "Co", "Holdings", "AG", "Pty")


class FleetExists(Exception):
    """The database already holds a fleet."""


@dataclass(frozen=True)
class Made:
    """What `build` made, and how long it took."""

    customers: int
    templates: int
    tickets: int
    rows: int  # copied rows (tickets, events, comments, jobs, incidents, outages)
    seconds: float

    def line(self) -> str:
        return (
            f"Fleet: {self.customers} customers ({self.templates} templates), {self.tickets} "
            f"tickets, {self.rows} rows copied, in {self.seconds:.1f} s."
        )


class FleetMix(Mix):
    """A fleet customer-month: `FLEET_PLANS`, a contested restoration (withdrawn and rejected
    in turn), half the time one more drawn at random, the demo's stale tickets, a total outage
    confirmed for the customer alone every third month, and in the current month one ticket
    nobody has looked at yet and one whose severity is in dispute."""

    def plans(self, rng: random.Random, number: int) -> list[Plan]:
        plans = list(FLEET_PLANS)
        end = "contest_withdrawn" if number % 2 else "contest_rejected"
        plans.append(Plan(2, "met", end, channel=Channel.API))
        if rng.random() < 0.5:
            plans.append(
                Plan(
                    rng.randint(1, 4),
                    "met" if rng.random() < 0.75 else "breach",
                    rng.choice(["closed", "fix", "restored"]),
                    channel=rng.choice(list(Channel.values)[:3]),
                    when=rng.choice(["business", "business", "night", "weekend"]),
                )
            )
        if number in STALE_PLANS:
            plans.append(STALE_PLANS[number])
        if number == FULL_MONTHS:  # this month: one nobody has looked at, a dispute open
            plans += [Plan(4, "met", "reported"), Plan(2, "met", "fix", dispute="open")]
        if number < FULL_MONTHS and number % 3 == 1:
            plans[0] = Plan(1, "met", "closed", outage="customer")
        return plans


def exists() -> bool:
    return Organisation.objects.filter(slug__startswith=SLUG_PREFIX).exists()


def build(
    count: int,
    *,
    now: datetime,
    seed: int = SEED,
    templates: int = TEMPLATES,
    console: Console | None = None,
) -> Made:
    """Make `count` fleet customers with their year up to `now` (see the module's doc)."""
    if exists():
        raise FleetExists("this database already holds a fleet; use a new database for another")
    started = perf_counter()
    rng = random.Random(seed)
    regions = list(Region.objects.order_by("code"))
    names = _names(rng, count)
    fees = [Decimal(rng.choice(FEES)) for _ in range(count)]
    password = make_password(demo_data.DEMO_PASSWORD)  # one hash: hashing is slow on purpose
    templates = max(1, min(templates, count))
    with _progress(console) as progress, muted():
        staff = _staff(password)
        made: list[tuple[Customer, Template]] = []
        task = progress.add_task("templates (through the help desk)", total=templates)
        for index in range(templates):
            # Template i: region i mod R, variant i mod V (with 3 and 4: four templates cover
            # every region and variant, twelve every pair).
            region, variant = regions[index % len(regions)], VARIANTS[index % len(VARIANTS)]
            customer = _template(
                now, index, names[index], region, variant, fees[index], staff, seed, password
            )
            made.append((customer, Template(customer.organisation)))
            progress.advance(task)
        _region_history(now, [customer for customer, _ in made], staff)
        copied = 0
        task = progress.add_task("customers (copies)", total=count - templates)
        for first in range(templates, count, BATCH):
            numbers = range(first, min(first + BATCH, count))
            with transaction.atomic():
                copied += _copies(numbers, made, names, fees, password)
            progress.advance(task, len(numbers))
        if connection.vendor == "postgresql":
            reset_sequences()
    tickets = sum(template.tickets for _, template in made)
    tickets += sum(made[n % templates][1].tickets for n in range(templates, count))
    return Made(count, templates, tickets, copied, perf_counter() - started)


@contextmanager
def _progress(console: Console | None) -> Iterator[Progress]:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=console is None,
    )
    with progress:
        yield progress


def _names(rng: random.Random, count: int) -> list[str]:
    """`count` distinct company names."""
    words, trades, forms = list(_WORDS), list(_TRADES), list(_FORMS)
    for pool in (words, trades, forms):
        rng.shuffle(pool)
    names = []
    for n in range(count):
        name = f"{words[n % len(words)]} {trades[n // len(words) % len(trades)]}"
        name += f" {forms[n // (len(words) * len(trades)) % len(forms)]}"
        if n >= len(words) * len(trades) * len(forms):
            name += f" {n // (len(words) * len(trades) * len(forms)) + 1}"
        names.append(name)
    return names


def _slug(number: int) -> str:
    return f"{SLUG_PREFIX}{number + 1:05d}"


def _staff(password: str) -> Staff:
    """The demo's support agent and manager (and vendor admin), made if the database has none."""
    people = []
    for email, role, first, last in demo_data.STAFF:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = create_user(
                email=email, role=role, password=None, first_name=first, last_name=last
            )
            User.objects.filter(pk=user.pk).update(password=password)
        people.append(user)
    return Staff(people[0], people[1])


@transaction.atomic
def _template(
    now: datetime,
    number: int,
    name: str,
    region: Region,
    variant: str,
    fee: Decimal,
    staff: Staff,
    seed: int,
    password: str,
) -> Customer:
    """A template customer: its contract, its people, and its year through the services."""
    slug = _slug(number)
    organisation = create_organisation(
        name=name, slug=slug, region=region, email_domains=f"{slug}.example"
    )
    set_terms(organisation.contract, variant, fee, now)
    reporter, admin = (
        create_user(
            email=f"{who}@{slug}.example",
            role=role,
            organisation=organisation,
            password=None,
            first_name=first,
            last_name=last,
        )
        for who, role, first, last in _PEOPLE
    )
    User.objects.filter(organisation=organisation).update(password=password)
    customer = customer_of(now, organisation, reporter, admin, seed=seed + number)
    seed_tickets(now, customer, staff, {}, None, FleetMix())
    # As the demo leaves its history: running clocks brought to now, past warnings done.
    for ticket in Ticket.objects.filter(organisation=organisation).exclude(clock_state="stopped"):
        helpdesk.recompute_clock(ticket, now=now)
    Job.objects.filter(
        ticket__organisation=organisation, state=JobState.PENDING, due_at__lte=now
    ).update(state=JobState.DONE)
    return customer


# Every fleet customer's people, named alike so the names inside copied event data hold.
_PEOPLE = (
    ("reporter", Role.REPORTER, "Riley", "Reporter"),
    ("admin", Role.CUSTOMER_ADMIN, "Ada", "Admin"),
)


@transaction.atomic
def _region_history(now: datetime, customers: list[Customer], staff: Staff) -> None:
    """A year of outages per module-region and ad-hoc maintenance, once per region (made for
    its first template; they count for every customer of the region)."""
    demo_data.health_checks(now)
    sources = _sources(staff)
    seen = set()
    for customer in customers:
        region = customer.organisation.region_id
        if region in seen:
            continue
        seen.add(region)
        seed_outages(now, customer, staff, sources, None)
        seed_maintenance(now, customer, staff, None)


def _sources(staff: Staff) -> dict[str, ExternalSource]:
    """The demo's external monitors (Alertmanager, a webhook), made if missing."""
    found = {s.kind: s for s in ExternalSource.objects.filter(name__in=_SOURCE_NAMES)}
    if len(found) == len(_SOURCE_NAMES):
        return {Source.ALERTMANAGER: found["alertmanager"], Source.WEBHOOK: found["webhook"]}
    return external_sources(staff.agent)


_SOURCE_NAMES = ("Prometheus (production)", "Uptime Kuma")


def _copies(
    numbers: range,
    made: list[tuple[Customer, Template]],
    names: list[str],
    fees: list[Decimal],
    password: str,
) -> int:
    """Customers `numbers`, each a copy of the template `number mod templates`: organisations,
    contracts and their versions, people (bulk_create), then the templates' rows."""
    of = [made[n % len(made)] for n in numbers]
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=names[n],
                slug=_slug(n),
                region_id=customer.organisation.region_id,
                email_domains=f"{_slug(n)}.example",
            )
            for n, (customer, _) in zip(numbers, of, strict=True)
        ]
    )
    contracts = Contract.objects.bulk_create(
        [
            _contract(customer.organisation.contract, organisation, fees[n])
            for n, organisation, (customer, _) in zip(numbers, organisations, of, strict=True)
        ]
    )
    versions = {
        customer.organisation.pk: list(customer.organisation.contract.versions.order_by("number"))
        for customer, _ in made
    }
    ContractVersion.objects.bulk_create(
        [
            _version(version, contract, fees[n] / customer.organisation.contract.monthly_fee)
            for n, contract, (customer, _) in zip(numbers, contracts, of, strict=True)
            for version in versions[customer.organisation.pk]
        ]
    )
    people = User.objects.bulk_create(
        [
            User(
                username=f"{who}@{organisation.slug}.example",
                email=f"{who}@{organisation.slug}.example",
                role=role,
                organisation=organisation,
                first_name=first,
                last_name=last,
                password=password,
            )
            for organisation in organisations
            for who, role, first, last in _PEOPLE
        ]
    )
    by_template: dict[int, list[Copy]] = defaultdict(list)
    for index, (organisation, (customer, _)) in enumerate(zip(organisations, of, strict=True)):
        reporter, admin = people[2 * index], people[2 * index + 1]
        by_template[customer.organisation.pk].append(
            Copy(
                organisation=organisation.pk,
                name=organisation.name,
                slug=organisation.slug,
                people={customer.reporter.pk: reporter.pk, customer.admin.pk: admin.pk},
            )
        )
    return sum(
        template.copy(by_template[customer.organisation.pk])
        for customer, template in made
        if by_template[customer.organisation.pk]
    )


def _contract(template: Contract, organisation: Organisation, fee: Decimal) -> Contract:
    """The template's contract for another organisation, at `fee` (the latest version's)."""
    contract = Contract(**_columns(template), organisation=organisation)
    contract.monthly_fee = _scaled(template.monthly_fee, fee / template.monthly_fee)
    return contract


def _version(template: ContractVersion, contract: Contract, scale: Decimal) -> ContractVersion:
    """One of the template's contract versions for a copy's contract, its fee scaled."""
    version = ContractVersion(**_columns(template), contract=contract)
    version.monthly_fee = _scaled(template.monthly_fee, scale)
    return version


def _columns(row: Contract | ContractVersion) -> dict[str, object]:
    """A row's columns but its primary key and whose it is (its organisation, its contract)."""
    return {
        f.attname: getattr(row, f.attname)
        for f in type(row)._meta.concrete_fields
        if not f.primary_key and f.name not in ("organisation", "contract")
    }


def _scaled(fee: Decimal | None, scale: Decimal) -> Decimal | None:
    """A template's fee for a copy whose fee is `scale` times the template's."""
    return None if fee is None else (fee * scale).quantize(Decimal("0.01"))
