"""Many months' penalty statements under one schedule: `statements.statement` of each input,
with the work that does not depend on the customer done once per distinct value.

A fleet shares its figures: most customers of a region have the same module uptimes, the same
few breach counts and a handful of fees. Here a module's tier line (tier match, detail text)
is computed once per distinct (module, uptime), a severity's breach line once per distinct
count, a percent line's amount once per distinct (fee, percent); the cap and the totals are
then computed per input by the same code as `statement`. Each answer equals `statement`'s
(a property test holds them equal), and an input `statement` refuses gives the same
`EngineError` in its place instead of a statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from accord.engine.credits import PenaltySchedule, Tier
from accord.engine.errors import EngineError
from accord.engine.statements import (
    Rule,
    Statement,
    StatementLine,
    _breach_credit,
    _check_count,
    _check_fee,
    _check_uptime,
    _finish,
    _percent_amount,
    _tier_credit,
)

# (monthly fee, module uptimes, breached tickets per severity): `statement`'s arguments.
StatementInput: TypeAlias = tuple[Decimal | None, Mapping[str, Fraction], Mapping[int, int]]


class _Lines:
    """The lines of one schedule, memoised on the exact values that decide them."""

    def __init__(self, schedule: PenaltySchedule) -> None:
        self.schedule = schedule
        self.bounds = [_bounds(tier) for tier in schedule.uptime_tiers.tiers]
        # Keyed by numerator and denominator: hashing a Fraction costs a modular inverse.
        self.uptime: dict[tuple[str, int, int], tuple[Decimal, str] | None] = {}
        self.breach: dict[tuple[int, int], tuple[str, str, Decimal | None, Decimal | None] | None]
        self.breach = {}
        self.amounts: dict[tuple[Decimal, Decimal], Decimal | None] = {}
        self.made: dict[tuple[object, ...], StatementLine] = {}
        self.finished: dict[tuple[object, ...], Statement] = {}
        self.sets: dict[tuple[object, ...], tuple[tuple[object, ...], list[StatementLine]]] = {}

    def amount(self, fee: Decimal | None, percent: Decimal) -> Decimal | None:
        # The rounded amount depends on the values alone (the quantum is a cent).
        if fee is None:
            return None
        key = (fee, percent)
        if key not in self.amounts:
            self.amounts[key] = _percent_amount(fee, percent)
        return self.amounts[key]

    def uptime_line(self, fee: Decimal | None, name: object, value: object) -> StatementLine | None:
        if type(value) is not Fraction or type(name) is not str:
            fraction = _check_uptime(name, value)  # refuses, or converts an int or Decimal
            assert isinstance(name, str)
        else:
            fraction = value
        key = (name, fraction.numerator, fraction.denominator)
        if key not in self.uptime:
            if fraction is value:
                _check_uptime(name, fraction)  # once per distinct value
            tier = _match(self.bounds, fraction.numerator, fraction.denominator)
            self.uptime[key] = _tier_credit(tier, name, fraction)
        credit = self.uptime[key]
        if credit is None:
            return None
        percent, detail = credit
        amount = self.amount(fee, percent)
        return self._line("uptime_tier", name, detail, 1, percent, amount)

    def breach_line(self, fee: Decimal | None, severity: int, count: int) -> StatementLine | None:
        key = (severity, count)
        if key not in self.breach:
            self.breach[key] = _breach_credit(self.schedule, severity, count)
        credit = self.breach[key]
        if credit is None:
            return None
        subject, detail, percent, fixed = credit
        amount = fixed if percent is None else self.amount(fee, percent)
        return self._line("breach", subject, detail, count, percent, amount)

    def _line(
        self,
        rule: Rule,
        subject: str,
        detail: str,
        quantity: int,
        percent: Decimal | None,
        amount: Decimal | None,
    ) -> StatementLine:
        # Lines are immutable: equal ones are one object.
        key = (rule, subject, detail, quantity, percent, amount)
        line = self.made.get(key)
        if line is None:
            line = StatementLine(rule, subject, detail, quantity, percent, amount)
            self.made[key] = line
        return line


# A tier's bounds as fractions of 1 (numerator, denominator, inclusive), for integer compares.
_Bound: TypeAlias = tuple[int, int, bool] | None


def _bounds(tier: Tier) -> tuple[Tier, _Bound, _Bound]:
    def of(percent: Fraction | None, inclusive: bool) -> _Bound:
        if percent is None:
            return None
        fraction = percent / 100
        return fraction.numerator, fraction.denominator, inclusive

    return tier, of(tier.lower, tier.lower_inclusive), of(tier.upper, tier.upper_inclusive)


def _match(bounds: list[tuple[Tier, _Bound, _Bound]], n: int, d: int) -> Tier | None:
    """`TierTable.match(Fraction(n, d))` (d > 0, the uptime checked) by cross-multiplying."""
    for tier, lower, upper in bounds:
        if lower is not None:
            a, b = n * lower[1], lower[0] * d
            if a < b or (a == b and not lower[2]):
                continue
        if upper is not None:
            a, b = n * upper[1], upper[0] * d
            if a > b or (a == b and not upper[2]):
                continue
        return tier
    return None


def statements_many(
    schedule: PenaltySchedule, inputs: Sequence[StatementInput]
) -> list[Statement | EngineError]:
    """`statement(schedule=schedule, monthly_fee=fee, module_uptimes=uptimes,
    breaches=breaches)` for each (fee, uptimes, breaches) of `inputs`, in order: the statement,
    or the `EngineError` it raises."""
    if not isinstance(schedule, PenaltySchedule):
        raise EngineError("schedule", "must be a PenaltySchedule")
    memo = _Lines(schedule)
    answers: list[Statement | EngineError] = []
    for monthly_fee, module_uptimes, breaches in inputs:
        try:
            answers.append(_one(memo, monthly_fee, module_uptimes, breaches))
        except EngineError as error:
            answers.append(error)
    return answers


def _one(memo: _Lines, monthly_fee: object, module_uptimes: object, breaches: object) -> Statement:
    # The checks and their order are `statements._check_inputs`'s: the same input is refused
    # with the same error.
    fee = _check_fee(monthly_fee)
    if not isinstance(module_uptimes, Mapping):
        raise EngineError("module_uptimes", "must map module names to uptime fractions")
    fee_key = None if fee is None else str(fee)  # the fee as written
    # The same uptime objects again (a fleet's public figures): their lines are known. The
    # memo holds the objects, so their ids stay theirs while it lives.
    values = tuple(module_uptimes.values())
    set_key = (fee_key, tuple(module_uptimes), tuple(map(id, values)))
    known = memo.sets.get(set_key)
    if known is None:
        found_lines = [memo.uptime_line(fee, n, v) for n, v in module_uptimes.items()]
        known = memo.sets[set_key] = (values, [x for x in found_lines if x is not None])
    if not isinstance(breaches, Mapping):
        raise EngineError("breaches", "must map severities to counts of breached tickets")
    counts = {severity: _check_count(severity, count) for severity, count in breaches.items()}
    lines = list(known[1])
    for severity in sorted(counts):
        line = memo.breach_line(fee, severity, counts[severity])
        if line is not None:
            lines.append(line)
    # Equal lines are one object (`_Lines._line`), and the fee is keyed as written.
    key = (fee_key, *map(id, lines))
    found = memo.finished.get(key)
    if found is None:
        found = memo.finished[key] = _finish(memo.schedule, fee, lines)
    return found
