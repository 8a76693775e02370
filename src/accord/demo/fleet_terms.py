"""The fleet's contracts: the built-in policy and three variants of it, each set up the way the
contract-terms rules set terms (`accord.accounts.terms`): a new contract's own columns made its
first version (`set_first_terms`), or a later version added from a month's first day
(`add_version`).

- `standard`: the built-in policy as it is;
- `extended-hours`: support Monday-Friday 07:00-19:00 in the region's time zone (the clocks of
  Severity 2-4 count more hours a day);
- `negotiated`: the customer's own penalty schedule (steeper tiers, an amount per breached
  ticket, a cap in money), Severity 1 measured around the clock, pausing allowed;
- `upgraded`: the built-in policy, then from the seventh month of the history a second version
  with a 99.95% uptime target and a fee 10% higher.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from accord.accounts.models import Contract
from accord.accounts.terms import add_version, set_first_terms
from accord.demo.history import KOALA_PENALTIES, NORTHWIND_SUPPORT_HOURS, negotiate
from accord.demo.timeline import history_months
from accord.engine.timeutil import epoch_to_local, from_epoch, month_bounds, zone
from accord.policies import BUILTIN_POLICY, builtin_text

VARIANTS = ("standard", "extended-hours", "negotiated", "upgraded")

# The demo's Koala Bank schedule (its credit tiers), in USD with smaller amounts.
NEGOTIATED_PENALTIES = {
    **KOALA_PENALTIES,
    "currency": "USD",
    "breach_penalties": [
        {"severity": 1, "amount": "1000.00"},
        {"severity": 2, "amount": "400.00"},
        {"severity": 3, "amount": "150.00"},
    ],
    "cap": {"amount": "2500.00"},
}
NEGOTIATED_ASSUMPTIONS = [
    "This contract runs the Severity 1 return-to-service clock around the clock (24x7); the "
    "other severities count support hours only.",
    "This contract sets its own penalty schedule: credit tiers per module (99.5-99.9%: 5%, "
    "99.0-99.5%: 10%, below 99.0%: 20%), USD 1,000 / 400 / 150 per breached Severity 1 / 2 / 3 "
    "ticket, at most USD 2,500 a month.",
    "This contract lets support pause the clock while waiting for information only the "
    "customer can give; the customer's next comment resumes it.",
]
UPGRADED_TARGET = "99.95"
UPGRADE_MONTH = 6  # the history's month (0: the oldest) from which the second version applies


def set_terms(contract: Contract, variant: str, fee: Decimal, now: datetime) -> None:
    """Give a new contract (no ticket yet) the variant's terms and `fee`."""
    contract.monthly_fee = fee
    if variant == "extended-hours":
        contract.support_hours = NORTHWIND_SUPPORT_HOURS
    elif variant == "negotiated":
        negotiate(contract, NEGOTIATED_PENALTIES, NEGOTIATED_ASSUMPTIONS)
    elif variant != "standard" and variant != "upgraded":
        raise ValueError(f"unknown contract variant {variant!r}")
    contract.save()
    set_first_terms(contract)
    contract.__dict__.pop("terms", None)
    if variant == "upgraded":
        _upgrade(contract, fee, now)


def _upgrade(contract: Contract, fee: Decimal, now: datetime) -> None:
    """The second version, agreed in the month before it applies (so the rules allow its date:
    the next month's first day)."""
    tz_name = contract.terms.reporting_timezone
    month = history_months(now, tz_name)[UPGRADE_MONTH]
    start = month_bounds(month, zone(tz_name))[0]
    text = builtin_text(BUILTIN_POLICY).replace(
        'target_percent = "99.9"', f'target_percent = "{UPGRADED_TARGET}"', 1
    )
    add_version(
        contract,
        policy_text=text,
        effective_from=epoch_to_local(start, zone(tz_name)).date(),
        monthly_fee=(fee * Decimal("1.1")).quantize(Decimal("0.01")),
        note=f"Upgraded to a {UPGRADED_TARGET}% uptime target.",
        actor=None,
        now=from_epoch(start) - timedelta(days=10),
    )
    contract.__dict__.pop("terms", None)
