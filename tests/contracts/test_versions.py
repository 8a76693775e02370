"""Contract versions with effective dates: a change applies from its month, earlier months
keep their terms, a ticket keeps the terms of its report time, and an invalid or re-measuring
change is refused naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from accord.accounts.models import ContractVersion
from accord.accounts.terms import (
    TermsRefused,
    add_version,
    fee_for_month,
    terms_at,
    terms_for_month,
)
from accord.core.errors import Immutable
from accord.helpdesk import services as helpdesk
from accord.policies import builtin_text
from accord.reports.build import build_report
from accord.reports.models import ReportVersion

pytestmark = pytest.mark.django_db

TEXT = builtin_text("plutora-standard")
EIGHT_HOURS = TEXT.replace("target = { hours = 4 }", "target = { hours = 8 }", 1)
MID_JANUARY = datetime(2027, 1, 15, 18, tzinfo=UTC)  # 10:00 in Los Angeles
# The line of the Severity 1 target in the built-in policy, as error messages name it.
TARGET_LINE = next(n for n, line in enumerate(TEXT.splitlines(), 1) if "hours = 4 }" in line)


def amend(world: Any, text: str = EIGHT_HOURS, **changes: Any) -> ContractVersion:
    fields: dict[str, Any] = {
        "policy_text": text,
        "effective_from": date(2027, 2, 1),
        "monthly_fee": Decimal("2000.00"),
        "note": "Renewal: Severity 1 within 8 hours",
        "actor": world.manager,
        "now": MID_JANUARY,
    }
    fields.update(changes)
    return add_version(world.acme.contract, **fields)


def report(world: Any, at: datetime) -> Any:
    return helpdesk.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=helpdesk.NewTicket(module=world.module, summary="Exports fail", severity=1),
        now=at,
    )


def test_every_contract_has_its_first_version(world: Any) -> None:
    (first,) = world.acme.contract.versions.all()
    assert first.number == 1 and first.effective_from is None
    assert first.policy_data == world.acme.contract.policy_data
    with pytest.raises(Immutable):
        first.save()
    with pytest.raises(Immutable):
        first.delete()


def test_a_change_applies_from_its_month_and_earlier_months_keep_their_terms(world: Any) -> None:
    amend(world)
    january = report(world, datetime(2027, 1, 29, 18, tzinfo=UTC))
    february = report(world, datetime(2027, 2, 1, 18, tzinfo=UTC))
    assert january.target_seconds == 4 * 3600  # the terms in force when it was reported
    assert february.target_seconds == 8 * 3600
    # Recomputed later (in February), the January ticket keeps its terms.
    helpdesk.recompute_clock(january, now=datetime(2027, 2, 2, tzinfo=UTC))
    assert january.target_seconds == 4 * 3600
    # The boundary is midnight in the reporting time zone (Los Angeles), not UTC.
    late_january = datetime(2027, 2, 1, 7, 59, tzinfo=UTC)
    assert terms_at(world.acme, late_january).clock_rules.targets[1].seconds == 4 * 3600
    assert terms_at(world.acme, late_january + timedelta(minutes=1)).clock_rules.targets[
        1
    ].seconds == (8 * 3600)
    assert fee_for_month(world.acme, "2027-01") is None
    assert fee_for_month(world.acme, "2027-02") == Decimal("2000.00")
    assert terms_for_month(world.acme, "2026-12").clock_rules.targets[1].seconds == 4 * 3600
    after = datetime(2027, 4, 1, tzinfo=UTC)
    assert build_report(world.acme, "2027-01", now=after).statement.monthly_fee is None
    assert build_report(world.acme, "2027-02", now=after).statement.monthly_fee == "2000.00"


def test_a_version_for_this_month_is_refused_so_what_it_counted_stands(world: Any) -> None:
    """One side must not re-measure a month already under way (a manager relaxing Severity 1
    to 8 hours would wipe out this month's breaches): a version starts next month at the
    earliest, and the open ticket keeps the terms it was reported under."""
    ticket = report(world, datetime(2027, 1, 12, 18, tzinfo=UTC))
    assert ticket.target_seconds == 4 * 3600
    with pytest.raises(TermsRefused, match="effective_from: must be 2027-02-01 or later"):
        amend(world, effective_from=date(2027, 1, 1))
    amend(world, effective_from=date(2027, 2, 1))
    ticket.refresh_from_db()
    assert ticket.target_seconds == 4 * 3600


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"effective_from": date(2027, 2, 3)}, "effective_from: a version takes effect on the"),
        ({"effective_from": date(2026, 12, 1)}, "effective_from: must be 2027-02-01 or later"),
        ({"note": " "}, "note: "),
        ({"monthly_fee": Decimal("-1")}, "monthly_fee: must be 0 or more"),
        (
            {"text": TEXT.replace("target = { hours = 4 }", "target = { hours = -4 }", 1)},
            f"severities.0.target.hours: line {TARGET_LINE}: "
            "Input should be greater than or equal to 0",
        ),
        (
            {"text": TEXT.replace('reporting_timezone = "region"', 'reporting_timezone = "UTC"')},
            "reporting_timezone: this contract's months are measured in America/Los_Angeles",
        ),
        ({"text": "id = 'x'\nname = \n"}, "policy: line 2: not valid TOML"),
    ],
)
def test_a_change_that_would_break_or_re_measure_is_refused(
    world: Any, changes: dict[str, Any], message: str
) -> None:
    if "text" in changes:
        changes["policy_text"] = changes.pop("text")
    with pytest.raises(TermsRefused) as refused:
        amend(world, **changes)
    assert str(refused.value).startswith(message), str(refused.value)
    assert world.acme.contract.versions.count() == 1


def test_a_month_whose_report_is_frozen_is_never_re_measured(world: Any) -> None:
    ReportVersion.objects.create(
        organisation=world.acme,
        month="2027-01",
        version=1,
        data={},
        content_hash="0" * 64,
        reason="frozen at the cut-off",
        created_at=MID_JANUARY,
    )
    with pytest.raises(TermsRefused, match="effective_from: must be 2027-02-01 or later"):
        amend(world, effective_from=date(2027, 1, 1))
    assert amend(world, effective_from=date(2027, 2, 1)).number == 2


def test_only_vendor_admins_and_managers_change_terms(world: Any) -> None:
    for person in (world.agent, world.acme_admin):
        with pytest.raises(TermsRefused, match="only a vendor admin or a support manager"):
            amend(world, actor=person)
    assert amend(world, actor=world.vendor_admin).created_by == world.vendor_admin


def test_a_pending_version_does_not_change_the_terms_in_force(world: Any) -> None:
    amend(world, effective_from=date(2027, 3, 1))
    contract = type(world.acme.contract).objects.get(pk=world.acme.contract.pk)
    assert contract.terms_from == date(2027, 3, 1)  # the columns hold the latest version
    assert terms_at(contract, MID_JANUARY).clock_rules.targets[1].seconds == 4 * 3600
    # A correction of the pending version from an earlier month keeps the later one's date.
    amend(world, effective_from=date(2027, 2, 1), monthly_fee=Decimal("1500.00"))
    assert fee_for_month(world.acme, "2027-02") == Decimal("1500.00")
    assert fee_for_month(world.acme, "2027-03") == Decimal("2000.00")


def test_set_up_shapes_the_first_version_only_before_anything_is_measured(world: Any) -> None:
    from accord.accounts.terms import set_first_terms

    contract = world.acme.contract
    contract.monthly_fee = Decimal("750.00")
    contract.save()
    set_first_terms(contract)
    assert contract.versions.get().monthly_fee == Decimal("750.00")
    report(world, MID_JANUARY)
    with pytest.raises(TermsRefused, match="in use: add a new version"):
        set_first_terms(contract)
