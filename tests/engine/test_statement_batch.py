"""Property tests of `statements_many`: each answer equals `statements.statement` of the same
input (the statement, line by line, or the same refusal), on random schedules (tiers with and
without credit, percent and fixed breach penalties, caps of either kind, currencies) and
batches of fees, uptimes and breach counts that repeat as a fleet's do."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.engine.credits import BreachPenalty, Cap, PenaltySchedule, Tier, TierTable
from accord.engine.errors import EngineError
from accord.engine.statement_batch import statements_many
from accord.engine.statements import Statement, statement

TIERS = TierTable(
    (
        Tier(Fraction(999, 10), True, Fraction(9995, 100), False, Decimal("0")),
        Tier(Fraction(99), True, Fraction(999, 10), False, Decimal("10")),
        Tier(Fraction(95), True, Fraction(99), False, Decimal("25.5"), "Bronze"),
        Tier(None, False, Fraction(95), False, Decimal("50")),
    )
)

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=3)
penalty = st.one_of(
    st.builds(lambda p: ("percent", p), percents),
    st.builds(lambda a: ("amount", a), money),
)
caps = st.one_of(
    st.none(),
    st.builds(lambda p: Cap(percent=p), percents),
    st.builds(lambda a: Cap(amount=a), money),
    st.builds(lambda p, a: Cap(percent=p, amount=a), percents, money),
)


@st.composite
def schedules(draw: Any) -> PenaltySchedule:
    severities = draw(st.lists(st.integers(1, 4), unique=True, max_size=4))
    kinds = draw(st.lists(penalty, min_size=len(severities), max_size=len(severities)))
    penalties = tuple(
        BreachPenalty(s, **{kind: value})
        for s, (kind, value) in zip(severities, kinds, strict=True)
    )
    currency = draw(st.sampled_from(["USD", "EUR"]))
    return PenaltySchedule(TIERS, penalties, draw(caps), currency)


# Few distinct values, so that a batch repeats them as a fleet does (tier bounds among them:
# the batch matches tiers by cross-multiplying); a few refused ones.
uptime = st.one_of(
    st.sampled_from([Fraction(1), Fraction(9991, 10000), Fraction(995, 1000), Fraction(94, 100)]),
    # The tiers' bounds themselves, and just either side of one.
    st.sampled_from([Fraction(999, 1000), Fraction(99, 100), Fraction(95, 100)]),
    st.sampled_from([Fraction(9995, 10000), Fraction(999, 1000) - Fraction(1, 10**12)]),
    st.fractions(min_value=0, max_value=1, max_denominator=10**6),
    st.sampled_from([1, Decimal("0.995")]),
)
bad_uptime = st.sampled_from([0.5, Fraction(3, 2), "99.9", None])
fee = st.one_of(st.none(), st.sampled_from([Decimal("1500.00"), Decimal("999.99")]), money)
bad_fee = st.sampled_from([Decimal(0), 1500.0, "1500", Decimal("-1")])
modules = st.sampled_from(["Release Manager", "Reporting", "Deployments"])


@st.composite
def inputs(draw: Any) -> tuple[Any, Any, Any]:
    refused = draw(st.integers(0, 19)) == 0
    monthly_fee = draw(bad_fee if refused and draw(st.booleans()) else fee)
    names = draw(st.lists(modules, unique=True, max_size=3))
    uptimes = {name: draw(uptime) for name in names}
    if refused and names and draw(st.booleans()):
        uptimes[names[0]] = draw(bad_uptime)
    breaches = draw(st.dictionaries(st.integers(1, 5), st.integers(0, 3), max_size=4))
    if refused and draw(st.booleans()):
        breaches[draw(st.sampled_from([0, True]))] = draw(st.sampled_from([-1, 1, False]))
    return monthly_fee, uptimes, breaches


def _reference(schedule: PenaltySchedule, item: tuple[Any, Any, Any]) -> Statement | str:
    fee, uptimes, breaches = item
    try:
        return statement(
            schedule=schedule, monthly_fee=fee, module_uptimes=uptimes, breaches=breaches
        )
    except EngineError as error:
        return f"refused: {error}"


def _same(answer: Statement | EngineError) -> Statement | str:
    return f"refused: {answer}" if isinstance(answer, EngineError) else answer


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=schedules(), batch=st.lists(inputs(), max_size=30))
def test_each_answer_is_the_statement_of_its_input(
    schedule: PenaltySchedule, batch: list[tuple[Any, Any, Any]]
) -> None:
    batch = batch + batch[::2]  # the same mappings and value objects again, as a fleet's
    answers = statements_many(schedule, batch)
    assert [_same(a) for a in answers] == [_reference(schedule, item) for item in batch]
    # Equal as printed too (a Decimal's exponent is part of what the page shows).
    assert [repr(_same(a)) for a in answers] == [repr(_reference(schedule, i)) for i in batch]


def test_a_schedule_that_is_not_one_is_refused() -> None:
    with pytest.raises(EngineError, match="schedule"):
        statements_many("USD", [])  # type: ignore[arg-type]
