"""Which contract terms apply when, and the one way to change them (docs/sla-model.md,
"Contracts, versions and policy files").

A contract's terms are versions (`ContractVersion`), each in force from the first day of a
month in the contract's reporting time zone until the next one's. The terms of an instant are
the version in force on its local date (`terms_at`); a ticket is measured by the terms in force
at its report time (`ticket_terms`); a month's report by the version in force for that month
(`terms_for_month`). Broken stored terms raise `InvalidTerms`, which names the field, so a
page can say what is wrong instead of failing.

`add_version` is the only writer: it validates the policy text with the engine (the error names
the field and the line), refuses an effective date that would re-measure a past or frozen
month, and appends the version.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.utils import timezone
from pydantic import ValidationError

from accord.accounts.access import is_manager
from accord.accounts.models import (
    TERMS_FIELDS,
    Contract,
    ContractVersion,
    Organisation,
    User,
)
from accord.catalogue.models import Region
from accord.core.errors import Refused
from accord.engine import clocks
from accord.engine.errors import EngineError
from accord.engine.policy import (
    REGION,
    ContractTerms,
    Policy,
    PolicyError,
    parse_policy,
    policy_from_data,
    policy_to_data,
    resolve,
)
from accord.engine.policy import Region as EngineRegion
from accord.engine.timeutil import (
    epoch_to_local,
    from_epoch,
    local_to_epoch,
    month_bounds,
    month_of,
    to_epoch,
    zone,
)
from accord.engine.tomltext import to_toml
from accord.policies import load_builtin


class InvalidTerms(EngineError):
    """The stored terms of a contract (a version written around `add_version`, directly in
    the database) do not validate: `field` and `problem` say what is wrong."""

    def __init__(self, organisation: Organisation, version: str, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.organisation = str(organisation)
        self.slug = organisation.slug
        self.version = version
        self.args = (
            f"the contract terms of {organisation} ({version}) are invalid: "
            + (f"{field}: {problem}" if field else problem),
        )


# What the apps above accounts say about contract terms, registered in their AppConfig.ready
# (accounts never imports them): the latest frozen report month from a date on (the reports),
# whether a contract's terms are in use (tickets, reports), and what a new version sets off
# (the help desk measures its open tickets again).
FrozenMonthFinder = Callable[[Contract, date], str | None]
InUseCheck = Callable[[Contract], bool]
VersionAdded = Callable[[Contract, datetime, datetime], None]  # contract, in force since, now
_FROZEN_MONTH_FINDERS: list[FrozenMonthFinder] = []
_IN_USE_CHECKS: list[InUseCheck] = []
_VERSION_ADDED: list[VersionAdded] = []


def on_terms(
    *,
    frozen_month: FrozenMonthFinder | None = None,
    in_use: InUseCheck | None = None,
    version_added: VersionAdded | None = None,
) -> None:
    """Register an app's part in the terms rules (once, from its AppConfig.ready)."""
    for hook, hooks in (
        (frozen_month, _FROZEN_MONTH_FINDERS),
        (in_use, _IN_USE_CHECKS),
        (version_added, _VERSION_ADDED),
    ):
        if hook is not None and hook not in hooks:
            hooks.append(hook)  # type: ignore[arg-type]


class TermsRefused(Refused):
    """A new version `add_version` will not write (a core refusal, 400); the message starts
    with the field's name, `line` is the policy text's line where the field is."""

    def __init__(self, field: str, problem: str, line: int | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{problem}", field=field)
        self.problem = problem
        self.line = line


@dataclass(frozen=True)
class Record:
    """The stored data of one version, as `_resolved_terms` reads it."""

    number: int | None  # None: the contract row's columns
    effective_from: date | None
    policy_id: str
    policy_data: Any
    support_hours: Any
    penalties: Any
    reporting_timezone: str
    monthly_fee: Decimal | None

    @classmethod
    def of(cls, row: Contract | ContractVersion) -> Record:
        return cls(
            number=row.number if isinstance(row, ContractVersion) else None,
            effective_from=(
                row.effective_from if isinstance(row, ContractVersion) else row.terms_from
            ),
            policy_id=row.policy_id,
            policy_data=row.policy_data,
            support_hours=row.support_hours,
            penalties=row.penalties,
            reporting_timezone=row.reporting_timezone,
            monthly_fee=row.monthly_fee,
        )

    @property
    def label(self) -> str:
        return "the version in force" if self.number is None else f"version {self.number}"


def _contract(subject: Contract | Organisation) -> Contract:
    return subject if isinstance(subject, Contract) else subject.contract


def reporting_zone(contract: Contract, record: Record | None = None) -> str:
    """The zone the contract's months (and its versions' dates) are in: its reporting time
    zone, which no new version may change."""
    record = record or Record.of(contract)
    name = record.reporting_timezone
    if not name and isinstance(record.policy_data, dict):
        name = str(record.policy_data.get("reporting_timezone") or REGION)
    if not name or name == REGION:
        name = contract.organisation.region.timezone
    try:
        zone(name, "reporting_timezone")
    except EngineError as error:
        raise _invalid(contract, record, error) from None
    return name


def _versions(contract: Contract) -> list[ContractVersion]:
    """The contract's versions, read once per contract object (`prefetch_versions` reads
    many at once)."""
    cached: list[ContractVersion] | None = contract.__dict__.get("_accord_versions")
    if cached is None:
        cached = list(contract.versions.order_by("number"))
        contract.__dict__["_accord_versions"] = cached
    return cached


def prefetch_versions(contracts: Iterable[Contract]) -> None:
    """Read the versions of every contract that will need them, in one query."""
    wanted = {
        c.pk: c
        for c in contracts
        if c.terms_from is not None and "_accord_versions" not in c.__dict__
    }
    if not wanted:
        return
    found: dict[int, list[ContractVersion]] = {pk: [] for pk in wanted}
    for version in ContractVersion.objects.filter(contract_id__in=wanted).order_by("number"):
        found[version.contract_id].append(version)
    for pk, contract in wanted.items():
        contract.__dict__["_accord_versions"] = found[pk]


def record_on(subject: Contract | Organisation, day: date) -> Record:
    """The version in force on the local date `day`: the latest effective on or before it
    (a later number wins a tie; the first version covers everything before its date)."""
    contract = _contract(subject)
    if contract.terms_from is None or day >= contract.terms_from:
        return Record.of(contract)
    versions = _versions(contract)
    if not versions:
        return Record.of(contract)
    in_force = [v for v in versions if v.effective_from is None or v.effective_from <= day]
    if not in_force:
        return Record.of(versions[0])
    return Record.of(max(in_force, key=lambda v: (v.effective_from or date.min, v.number)))


def local_date(contract: Contract, instant: datetime) -> date:
    return instant.astimezone(zone(reporting_zone(contract))).date()


def resolve_terms(
    policy: Policy,
    region: Region | EngineRegion,
    *,
    support_hours: Any = None,
    penalties: Any = None,
    reporting_timezone: str | None = None,
) -> ContractTerms:
    """The one way a policy becomes terms: the engine resolves it for a region (a catalogue
    region through `Region.as_engine`), with a contract's own support hours, penalty schedule
    and reporting time zone where it has them. A contract's versions (`resolve_record`), the
    status page's public terms and the dashboard's simulator all come here."""
    return resolve(
        policy,
        region if isinstance(region, EngineRegion) else region.as_engine(),
        support_hours=support_hours,
        penalties=penalties,
        reporting_timezone=reporting_timezone or None,
    )


def resolve_record(contract: Contract, record: Record) -> ContractTerms:
    """The engine's terms of one stored version (compiled once per process per content)."""
    try:
        key = json.dumps(
            [record.policy_data, record.support_hours, record.penalties, record.reporting_timezone],
            sort_keys=True,
        )
        return _resolved_terms(key, contract.organisation.region.as_engine())
    except (EngineError, ValidationError, TypeError, ValueError, KeyError) as error:
        raise _invalid(contract, record, error) from None


@lru_cache(maxsize=512)
def _resolved_terms(key: str, region: EngineRegion) -> ContractTerms:
    """Terms by the content they are made of: calendars compile once per process, however
    many ticket rows ask for them."""
    policy_data, support_hours, penalties, reporting_timezone = json.loads(key)
    return resolve_terms(
        policy_from_data(policy_data, "contract"),
        region,
        support_hours=support_hours,
        penalties=penalties,
        reporting_timezone=reporting_timezone,
    )


def _invalid(contract: Contract, record: Record, error: Exception) -> InvalidTerms:
    if isinstance(error, EngineError):
        field, problem = error.field, error.problem
    else:
        field, problem = "", str(error) or type(error).__name__
    return InvalidTerms(contract.organisation, record.label, field, problem)


def terms_at(subject: Contract | Organisation, instant: datetime) -> ContractTerms:
    """The terms in force at `instant`."""
    contract = _contract(subject)
    if contract.terms_from is None:
        return resolve_record(contract, Record.of(contract))
    return resolve_record(contract, record_on(contract, local_date(contract, instant)))


def month_start(month: str) -> date:
    """The first day of `YYYY-MM` (EngineError naming `month` when it is not a month)."""
    month_bounds(month, zone("UTC"))
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def terms_for_month(subject: Contract | Organisation, month: str) -> ContractTerms:
    """The terms a month's report uses: the version in force for that month (`YYYY-MM`)."""
    contract = _contract(subject)
    return resolve_record(contract, record_on(contract, month_start(month)))


def fee_for_month(subject: Contract | Organisation, month: str) -> Decimal | None:
    return record_on(_contract(subject), month_start(month)).monthly_fee


def form_policy(organisation: Organisation) -> Policy:
    """The policy whose severity names and descriptions a form shows: the one in force, or
    the built-in one while the contract's terms are broken (the ticket is still taken; its
    clock says the terms are invalid)."""
    try:
        return _contract(organisation).terms.policy
    except InvalidTerms:
        return load_builtin()


def severity_levels(subject: Contract | Organisation, instant: datetime) -> tuple[int, ...]:
    """The severity levels a ticket reported at `instant` may have: those of the contract's
    policy in force then; the built-in policy's while the terms are broken (what the forms
    offer then, `form_policy`)."""
    try:
        policy = terms_at(subject, instant).policy
    except InvalidTerms:
        policy = load_builtin()
    return policy.levels


def ticket_terms(ticket: Any) -> ContractTerms:
    """The terms a ticket is measured by: those in force at its report time."""
    return terms_at(ticket.organisation.contract, ticket.reported_at)


def terms_of_tickets(tickets: Sequence[Any]) -> list[ContractTerms | InvalidTerms]:
    """`ticket_terms` of each ticket (or the error of its broken terms), reading the versions
    of all their contracts in one query at most."""
    prefetch_versions(t.organisation.contract for t in tickets)
    answers: list[ContractTerms | InvalidTerms] = []
    for ticket in tickets:
        try:
            answers.append(ticket_terms(ticket))
        except InvalidTerms as error:
            answers.append(error)
    return answers


# What a ticket's clock says while its contract's terms are broken (`Ticket.standing`): no
# target, no due time, no warnings, until a valid version is in force (`add_version` then
# measures the open tickets again).
TERMS_ERROR = "terms_error"


def terms_error_clock(severity: int | None) -> clocks.ClockResult:
    """The clock of a ticket whose terms are broken: running, nothing counted, nothing due."""
    return clocks.ClockResult(
        severity=severity,
        severity_agreed=False,
        dispute_open=False,
        target=None,
        target_seconds=None,
        used_seconds=0,
        state=clocks.ClockState.RUNNING,
        standing=clocks.Standing.NO_SEVERITY,
        due_at=None,
        breached=False,
        breached_at=None,
    )


# --- changing the terms ---------------------------------------------------------------------


def current_text(contract: Contract) -> str:
    """The policy of the latest version as TOML, its own overrides folded in: what a new
    version starts from."""
    versions = _versions(contract)
    latest = versions[-1] if versions else None
    record = Record.of(latest) if latest is not None else Record.of(contract)
    if latest is not None and latest.policy_text and _no_overrides(record):
        return latest.policy_text
    data = dict(record.policy_data) if isinstance(record.policy_data, dict) else {}
    if record.support_hours is not None:
        data["support_hours"] = record.support_hours
    if record.penalties is not None:
        data["penalties"] = record.penalties
    if record.reporting_timezone:
        data["reporting_timezone"] = record.reporting_timezone
    try:
        return to_toml(data)
    except ValueError:
        return json.dumps(data, indent=2)


def _no_overrides(record: Record) -> bool:
    return (
        record.support_hours is None and record.penalties is None and not record.reporting_timezone
    )


def earliest_effective(contract: Contract, now: datetime) -> date:
    """The first day a new version may take effect: next month, in the contract's reporting
    time zone, so a change never re-measures what the month has already counted (one side
    could otherwise wipe a breach out); this month when the stored terms are broken, since
    nothing could be measured by them."""
    return _earliest(contract, reporting_zone(contract), now)


def _earliest(contract: Contract, zone_name: str, now: datetime) -> date:
    tz = zone(zone_name)
    this_month, next_month = month_bounds(month_of(to_epoch(now), tz), tz)
    return epoch_to_local(this_month if _broken(contract, now) else next_month, tz).date()


def _broken(contract: Contract, now: datetime) -> bool:
    try:
        terms_at(contract, now)
    except InvalidTerms:
        return True
    return False


def add_version(
    contract: Contract,
    *,
    policy_text: str,
    effective_from: date,
    monthly_fee: Decimal | None,
    note: str,
    actor: User | None,
    source: str = "policy",
    now: datetime | None = None,
) -> ContractVersion:
    """Append a version of the contract's terms, in force from `effective_from`; run it in the
    caller's transaction. `actor` None is the command line (`accord policy load`).

    Refused (`TermsRefused`, naming the field): a person who is not a vendor admin or support
    manager; a policy the engine refuses (with its line); a date that is not the first of a
    month, is before the current month, or falls in a month whose report is frozen; a change of
    the reporting time zone (months could then overlap); a negative fee; no note."""
    at = now or timezone.now()
    if actor is not None and not is_manager(actor):
        raise TermsRefused("", "only a vendor admin or a support manager changes contract terms")
    try:
        policy = parse_policy(policy_text, source)
    except PolicyError as error:
        raise TermsRefused(error.field or "policy", error.problem, error.line) from None
    data = policy_to_data(policy)
    record = Record(None, effective_from, policy.id, data, None, None, "", monthly_fee)
    try:
        terms = resolve_record(contract, record)
    except InvalidTerms as error:
        raise TermsRefused(error.field or "policy", error.problem) from None
    try:
        current_zone: str | None = reporting_zone(contract)
    except InvalidTerms:
        current_zone = None  # broken stored terms: the new version repairs them
    if current_zone is not None and terms.reporting_timezone != current_zone:
        raise TermsRefused(
            "reporting_timezone",
            f"this contract's months are measured in {current_zone}; a new version cannot "
            f"change that (it would make months overlap); the policy says "
            f"{terms.reporting_timezone}",
        )
    if effective_from.day != 1:
        raise TermsRefused("effective_from", "a version takes effect on the first day of a month")
    earliest = _earliest(contract, terms.reporting_timezone, at)
    if effective_from < earliest:
        raise TermsRefused(
            "effective_from",
            f"must be {earliest:%Y-%m-%d} or later: the months so far keep the terms they "
            "were measured by",
        )
    frozen = max(
        (found for finder in _FROZEN_MONTH_FINDERS if (found := finder(contract, effective_from))),
        default=None,
    )
    if frozen is not None:
        raise TermsRefused(
            "effective_from",
            f"the report of {frozen} is frozen: a new version starts after {frozen}",
        )
    if monthly_fee is not None and monthly_fee < 0:
        raise TermsRefused("monthly_fee", "must be 0 or more")
    if not note.strip():
        raise TermsRefused("note", "say why the terms change (both sides read it)")
    versions = _versions(Contract.objects.select_for_update().get(pk=contract.pk))
    number = max((v.number for v in versions), default=0) + 1
    version = ContractVersion.objects.create(
        contract=contract,
        number=number,
        effective_from=effective_from,
        policy_id=policy.id,
        policy_text=policy_text,
        policy_data=data,
        monthly_fee=monthly_fee,
        note=note.strip()[:500],
        created_by=actor,
        created_at=at,
    )
    latest_from = max((v.effective_from for v in versions if v.effective_from), default=None)
    if latest_from is None or effective_from >= latest_from:
        # The newest in force from the latest date: the contract's columns follow it.
        contract.policy_id = policy.id
        contract.policy_data = data
        contract.support_hours = None
        contract.penalties = None
        contract.reporting_timezone = ""
        contract.monthly_fee = monthly_fee
        contract.terms_from = effective_from
        contract.save(update_fields=list(TERMS_FIELDS))
    contract.__dict__.pop("_accord_versions", None)
    contract.__dict__.pop("terms", None)
    since = from_epoch(local_to_epoch(effective_from, 0, zone(terms.reporting_timezone)))
    for react in _VERSION_ADDED:
        react(contract, since, at)
    return version


def set_first_terms(contract: Contract) -> None:
    """Set-up code (the demo) that shapes a new contract's columns before anything is measured
    makes them its first version's terms too. Refused once the customer has a ticket or a
    report (`on_terms(in_use=...)`): from then on a change is a new version."""
    if contract.versions.exclude(number=1).exists() or any(
        in_use(contract) for in_use in _IN_USE_CHECKS
    ):
        raise TermsRefused("", "the contract's terms are in use: add a new version instead")
    contract.versions.filter(number=1).update(
        policy_id=contract.policy_id,
        policy_text="",
        policy_data=contract.policy_data,
        support_hours=contract.support_hours,
        penalties=contract.penalties,
        reporting_timezone=contract.reporting_timezone,
        monthly_fee=contract.monthly_fee,
    )
    contract.__dict__.pop("_accord_versions", None)


def first_version_of(
    contract: Contract, *, policy_text: str = "", now: datetime | None = None
) -> ContractVersion:
    """The first version of a new contract: its columns as they are (no validation beyond the
    caller's; `create_organisation` passes a built-in policy and its text)."""
    return ContractVersion.objects.create(
        contract=contract,
        number=1,
        effective_from=None,
        policy_id=contract.policy_id,
        policy_text=policy_text,
        policy_data=contract.policy_data,
        support_hours=contract.support_hours,
        penalties=contract.penalties,
        reporting_timezone=contract.reporting_timezone,
        monthly_fee=contract.monthly_fee,
        note="The contract's first terms.",
        created_at=now or timezone.now(),
    )
