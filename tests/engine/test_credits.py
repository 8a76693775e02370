"""Credits: tier matching on exact uptime, table validation, parsing, and the statement."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from accord.engine.availability import floor_percent
from accord.engine.credits import (
    BreachPenalty,
    Cap,
    PenaltySchedule,
    Tier,
    TierTable,
    parse_penalty_schedule,
    parse_tiers,
)
from accord.engine.errors import EngineError
from accord.engine.statements import StatementLine, statement

POLICY = Path(__file__).parents[2] / "src" / "accord" / "policies" / "plutora-standard.toml"


def tier(
    lower: str | None, lower_inclusive: bool, upper: str | None, upper_inclusive: bool, credit: str
) -> Tier:
    return Tier(
        None if lower is None else Fraction(lower),
        lower_inclusive,
        None if upper is None else Fraction(upper),
        upper_inclusive,
        Decimal(credit),
    )


def percent(text: str) -> Fraction:
    """An uptime fraction from a percent string: "99.9" -> 999/1000."""
    return Fraction(text) / 100


STANDARD = TierTable(
    (
        tier("99.0", True, "99.9", False, "10"),
        tier("95.0", True, "99.0", False, "25"),
        tier(None, False, "95.0", False, "50"),
    )
)


# --- matching ---------------------------------------------------------------------------------


def test_boundaries_are_matched_exactly_on_both_sides() -> None:
    assert STANDARD.match(percent("99.9")) is None  # upper 99.9 exclusive: met, no credit
    assert STANDARD.match(percent("99.9") - Fraction(1, 10**12)) is STANDARD.tiers[0]
    assert STANDARD.match(percent("99.0")) is STANDARD.tiers[0]  # lower 99.0 inclusive
    assert STANDARD.match(percent("99.0") - Fraction(1, 10**12)) is STANDARD.tiers[1]
    assert STANDARD.match(percent("95.0")) is STANDARD.tiers[1]
    assert STANDARD.match(percent("94.999")) is STANDARD.tiers[2]
    assert STANDARD.match(Fraction(0)) is STANDARD.tiers[2]
    assert STANDARD.match(Fraction(1)) is None


def test_the_same_bound_inclusive_on_the_other_side() -> None:
    flipped = TierTable(
        (tier("99.0", False, "99.9", True, "10"), tier(None, False, "99.0", True, "25"))
    )
    assert flipped.match(percent("99.9")) is flipped.tiers[0]  # upper 99.9 inclusive
    assert flipped.match(percent("99.9") + Fraction(1, 10**12)) is None
    assert flipped.match(percent("99.0")) is flipped.tiers[1]  # lower 99.0 exclusive
    assert flipped.match(percent("99.0") + Fraction(1, 10**12)) is flipped.tiers[0]


def test_uptime_displayed_as_99_900_by_rounding_but_below_gets_the_lower_tier() -> None:
    uptime = Fraction(998_999_5, 10**7)  # 99.89995%
    assert round(float(uptime * 100), 3) == 99.9  # what a rounding display would print
    assert floor_percent(uptime) == "99.899"  # what Accord prints
    assert STANDARD.match(uptime) is STANDARD.tiers[0]


def test_gap_between_tiers_earns_nothing() -> None:
    gapped = TierTable(
        (tier("99.0", True, "99.5", False, "10"), tier(None, False, "98.0", False, "25"))
    )
    assert gapped.match(percent("98.5")) is None
    schedule = PenaltySchedule(gapped)
    result = statement(
        schedule=schedule,
        monthly_fee=Decimal("1000"),
        module_uptimes={"Reporting": percent("98.5")},
        breaches={},
    )
    assert result.lines == ()
    assert (result.total_percent, result.total_amount, result.capped) == (
        Decimal(0),
        Decimal(0),
        False,
    )


def test_match_refuses_floats() -> None:
    with pytest.raises(EngineError) as caught:
        STANDARD.match(0.999)  # type: ignore[arg-type]
    assert caught.value.field == "uptime_fraction"


# --- table validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tiers",
    [
        # plain overlap
        (tier("99.0", True, "99.9", False, "10"), tier("98.0", True, "99.5", False, "25")),
        # two tiers sharing an inclusive bound hold 99.9 twice
        (tier("99.0", True, "99.9", True, "10"), tier("99.9", True, None, False, "0")),
        # unbounded tiers
        (tier(None, False, "95.0", False, "50"), tier(None, False, "90.0", True, "75")),
        (tier("99.0", True, None, False, "10"), tier("99.5", False, "99.6", False, "5")),
    ],
)
def test_overlapping_tiers_are_rejected_naming_both(tiers: tuple[Tier, Tier]) -> None:
    with pytest.raises(EngineError) as caught:
        TierTable(tiers)
    assert caught.value.field == "tiers[1]"
    assert "tiers[0]" in caught.value.problem


def test_tiers_sharing_a_bound_once_are_fine() -> None:
    table = TierTable(
        (tier("99.0", True, "99.9", False, "10"), tier("99.9", True, None, False, "0"))
    )
    assert table.match(percent("99.9")) is table.tiers[1]


def test_a_tier_with_no_room_is_rejected() -> None:
    with pytest.raises(EngineError) as caught:
        tier("99.9", True, "99.9", False, "10")
    assert caught.value.field == "upper"
    assert tier("99.9", True, "99.9", True, "10").contains(Fraction("99.9"))


# --- parsing tiers ------------------------------------------------------------------------------


def test_parse_tiers_reads_strings_and_flags() -> None:
    table = parse_tiers(
        [
            {
                "lower": "99.0",
                "lower_inclusive": True,
                "upper": "99.9",
                "upper_inclusive": False,
                "credit_percent": "10",
                "label": "Bronze",
            },
            {"upper": "99.0", "upper_inclusive": False, "credit_percent": "25"},
        ]
    )
    assert table.tiers[0] == Tier(
        Fraction("99.0"), True, Fraction("99.9"), False, Decimal("10"), "Bronze"
    )
    assert table.tiers[1].lower is None
    assert table.match(percent("98")) is table.tiers[1]


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            [{"lower": 99.9, "lower_inclusive": True, "credit_percent": "10"}],
            "tiers[0].lower",
            "string",
        ),
        (
            [{"lower": 99, "lower_inclusive": True, "credit_percent": "10"}],
            "tiers[0].lower",
            "string",
        ),
        ([{"lower": "99.9", "credit_percent": "10"}], "tiers[0].lower_inclusive", "required"),
        (
            [{"upper_inclusive": True, "credit_percent": "10"}],
            "tiers[0].upper_inclusive",
            "without",
        ),
        (
            [{"lower": "99.9", "lower_inclusive": "yes", "credit_percent": "1"}],
            "tiers[0].lower_inclusive",
            "true",
        ),
        (
            [{"upper": "99.9%", "upper_inclusive": True, "credit_percent": "1"}],
            "tiers[0].upper",
            "decimal",
        ),
        (
            [{"upper": "1e2", "upper_inclusive": True, "credit_percent": "1"}],
            "tiers[0].upper",
            "decimal",
        ),
        (
            [{"upper": "101", "upper_inclusive": True, "credit_percent": "1"}],
            "tiers[0].upper",
            "100",
        ),
        ([{"lower": "99.0", "lower_inclusive": True}], "tiers[0].credit_percent", "required"),
        ([{"credit_percent": 10}], "tiers[0].credit_percent", "string"),
        ([{"credit_percent": "10", "colour": "red"}], "tiers[0].colour", "not a field"),
        ([{"credit_percent": "10"}, "nope"], "tiers[1]", "object"),
        ({"credit_percent": "10"}, "tiers", "list"),
        (
            [
                {
                    "lower": "99.9",
                    "lower_inclusive": True,
                    "upper": "99.0",
                    "upper_inclusive": True,
                    "credit_percent": "1",
                }
            ],
            "tiers[0].upper",
            "above lower",
        ),
        (
            [
                {"lower": "99", "lower_inclusive": True, "credit_percent": "1"},
                {"lower": "99.5", "lower_inclusive": True, "credit_percent": "1"},
            ],
            "tiers[1]",
            "tiers[0]",
        ),
    ],
)
def test_parse_tiers_names_the_bad_field(data: object, field: str, words: str) -> None:
    with pytest.raises(EngineError) as caught:
        parse_tiers(data)
    assert caught.value.field == field
    assert words in caught.value.problem


# --- penalty schedules ---------------------------------------------------------------------------


def policy_penalties() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(POLICY.read_text())["penalties"]
    return data


def test_parse_the_built_in_policy_schedule() -> None:
    schedule = parse_penalty_schedule(policy_penalties())
    assert schedule.currency == "USD"
    assert len(schedule.uptime_tiers.tiers) == 3
    assert schedule.breach_penalty(3) == BreachPenalty(3, percent=Decimal("0.5"))
    assert schedule.breach_penalty(4) is None
    assert schedule.cap == Cap(percent=Decimal("30"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"breach_penalties": [{"severity": 1, "percent": "2", "amount": "10"}]},
            "penalties.breach_penalties[0]",
        ),
        ({"breach_penalties": [{"severity": 1}]}, "penalties.breach_penalties[0]"),
        (
            {"breach_penalties": [{"severity": "1", "percent": "2"}]},
            "penalties.breach_penalties[0].severity",
        ),
        (
            {"breach_penalties": [{"severity": 0, "percent": "2"}]},
            "penalties.breach_penalties[0].severity",
        ),
        (
            {"breach_penalties": [{"severity": 1, "percent": "2"}, {"severity": 1, "amount": "5"}]},
            "penalties.breach_penalties[1].severity",
        ),
        (
            {"breach_penalties": [{"severity": 1, "amount": "10.005"}]},
            "penalties.breach_penalties[0].amount",
        ),
        (
            {"breach_penalties": [{"severity": 1, "amount": 10.5}]},
            "penalties.breach_penalties[0].amount",
        ),
        ({"cap": {"percent": "30", "per": "month"}}, "penalties.cap.per"),
        ({"cap": {}}, "penalties.cap.percent"),
        ({"cap": {"percent": "130"}}, "penalties.cap.percent"),
        ({"currency": "usd"}, "penalties.currency"),
        ({"refund": "yes"}, "penalties.refund"),
        (
            {"uptime_tiers": [{"lower": 99.9, "lower_inclusive": True, "credit_percent": "5"}]},
            "penalties.uptime_tiers[0].lower",
        ),
    ],
)
def test_parse_penalty_schedule_names_the_bad_field(change: dict[str, Any], field: str) -> None:
    data = policy_penalties() | change
    with pytest.raises(EngineError) as caught:
        parse_penalty_schedule(data)
    assert caught.value.field == field


def test_parse_penalty_schedule_without_a_prefix() -> None:
    data = policy_penalties() | {"uptime_tiers": [{"lower": "99", "credit_percent": "5"}]}
    with pytest.raises(EngineError) as caught:
        parse_penalty_schedule(data, "")
    assert caught.value.field == "uptime_tiers[0].lower_inclusive"


# --- statements ----------------------------------------------------------------------------------

SCHEDULE = PenaltySchedule(
    STANDARD,
    (BreachPenalty(1, percent=Decimal("5")), BreachPenalty(2, amount=Decimal("250.00"))),
    Cap(percent=Decimal("30")),
)


def test_uptime_tier_line_names_its_rule_and_says_why() -> None:
    result = statement(
        schedule=SCHEDULE,
        monthly_fee=Decimal("10000.00"),
        module_uptimes={"Release Manager": percent("99.85"), "Reporting": percent("99.95")},
        breaches={},
    )
    assert result.lines == (
        StatementLine(
            rule="uptime_tier",
            subject="Release Manager",
            detail="Release Manager uptime 99.850% is in tier [99.0%, 99.9%): 10% credit",
            quantity=1,
            percent=Decimal("10"),
            amount=Decimal("1000.00"),
        ),
    )
    assert (result.total_amount, result.total_percent, result.capped) == (
        Decimal("1000.00"),
        Decimal("10.00"),
        False,
    )


def test_breach_penalties_by_severity() -> None:
    result = statement(
        schedule=SCHEDULE,
        monthly_fee=Decimal("10000"),
        module_uptimes={},
        breaches={2: 3, 1: 2, 3: 4, 4: 0},  # severity 3 has no penalty in this schedule
    )
    assert [(line.subject, line.quantity, line.percent, line.amount) for line in result.lines] == [
        ("severity 1", 2, Decimal("10"), Decimal("1000.00")),
        ("severity 2", 3, None, Decimal("750.00")),
    ]
    assert result.lines[0].detail == (
        "2 severity 1 tickets breached their return-to-service target: 5% of the monthly fee each"
    )
    assert result.lines[1].detail == (
        "3 severity 2 tickets breached their return-to-service target: 250.00 USD each"
    )
    assert result.total_amount == Decimal("1750.00")
    assert result.total_percent == Decimal("17.50")
    assert {line.rule for line in result.lines} == {"breach"}


def test_cap_limits_the_total_with_its_own_line() -> None:
    result = statement(
        schedule=SCHEDULE,
        monthly_fee=Decimal("10000"),
        module_uptimes={"Release Manager": percent("94"), "Stryka": percent("99.5")},
        breaches={1: 1},
    )
    assert [line.amount for line in result.lines] == [
        Decimal("5000.00"),
        Decimal("1000.00"),
        Decimal("500.00"),
        Decimal("-3500.00"),
    ]
    cap = result.lines[-1]
    assert (cap.rule, cap.subject) == ("cap", "cap")
    assert cap.detail == (
        "Credits of 6,500.00 USD exceed the cap of 30% of the monthly fee (3,000.00 USD): "
        "reduced to the cap"
    )
    assert result.capped is True
    assert result.total_amount == Decimal("3000.00")
    assert result.total_percent == Decimal("30.00")


def test_cap_of_percent_and_amount_takes_the_lower() -> None:
    schedule = PenaltySchedule(STANDARD, cap=Cap(percent=Decimal("30"), amount=Decimal("1000.00")))
    result = statement(
        schedule=schedule,
        monthly_fee=Decimal("10000"),
        module_uptimes={"Reporting": percent("96")},
        breaches={},
    )
    assert result.lines[-1].amount == Decimal("-1500.00")
    assert result.total_amount == Decimal("1000.00")
    assert "30% of the monthly fee or 1,000.00 USD, whichever is lower" in result.lines[-1].detail


def test_cap_not_reached_adds_no_line() -> None:
    result = statement(
        schedule=SCHEDULE,
        monthly_fee=Decimal("100"),
        module_uptimes={"Reporting": percent("96")},
        breaches={},
    )
    assert [line.rule for line in result.lines] == ["uptime_tier"]
    assert result.capped is False


def test_amounts_are_rounded_half_up_once_per_line() -> None:
    result = statement(
        schedule=PenaltySchedule(STANDARD, (BreachPenalty(3, percent=Decimal("0.5")),)),
        monthly_fee=Decimal("333.33"),
        module_uptimes={"Reporting": percent("99.5")},
        breaches={3: 3},
    )
    # 10% of 333.33 = 33.333 -> 33.33; 3 x 0.5% of 333.33 = 4.99995 -> 5.00 (not 3 x 1.67).
    assert [line.amount for line in result.lines] == [Decimal("33.33"), Decimal("5.00")]
    assert result.total_amount == Decimal("38.33")


def test_without_a_fee_percent_lines_have_no_amount() -> None:
    result = statement(
        schedule=PenaltySchedule(STANDARD, SCHEDULE.breach_penalties),
        monthly_fee=None,
        module_uptimes={"Reporting": percent("96")},
        breaches={2: 1},
    )
    assert [(line.percent, line.amount) for line in result.lines] == [
        (Decimal("25"), None),
        (None, Decimal("250.00")),
    ]
    assert result.total_amount is None
    assert result.total_percent == Decimal("25")


def test_without_a_fee_a_percent_cap_applies_to_percent_lines() -> None:
    result = statement(
        schedule=SCHEDULE,
        monthly_fee=None,
        module_uptimes={"A": percent("90"), "B": percent("99.5")},
        breaches={},
    )
    assert [line.percent for line in result.lines] == [Decimal("50"), Decimal("10"), Decimal("-30")]
    assert result.total_percent == Decimal("30")
    assert result.capped is True


def test_without_a_fee_a_cap_over_mixed_credits_needs_the_fee() -> None:
    with pytest.raises(EngineError) as caught:
        statement(
            schedule=SCHEDULE,
            monthly_fee=None,
            module_uptimes={"Reporting": percent("96")},
            breaches={2: 1},
        )
    assert caught.value.field == "monthly_fee"


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"monthly_fee": 1000.0}, "monthly_fee"),
        ({"monthly_fee": Decimal("-1")}, "monthly_fee"),
        ({"monthly_fee": Decimal("0")}, "monthly_fee"),
        ({"module_uptimes": {"Reporting": 0.999}}, "module_uptimes['Reporting']"),
        ({"module_uptimes": {"Reporting": Fraction(3, 2)}}, "module_uptimes['Reporting']"),
        ({"breaches": {1: -1}}, "breaches[1]"),
        ({"breaches": {"1": 1}}, "breaches['1']"),
    ],
)
def test_bad_statement_input_names_the_field(arguments: dict[str, Any], field: str) -> None:
    values: dict[str, Any] = {
        "schedule": SCHEDULE,
        "monthly_fee": Decimal("1000"),
        "module_uptimes": {},
        "breaches": {},
    }
    with pytest.raises(EngineError) as caught:
        statement(**(values | arguments))
    assert caught.value.field == field


def test_bad_schedule_objects_name_the_field() -> None:
    with pytest.raises(EngineError) as caught:
        BreachPenalty(1, percent=Decimal("1"), amount=Decimal("1"))
    assert caught.value.field == "percent"
    with pytest.raises(EngineError) as caught:
        Cap()
    assert caught.value.field == "percent"
    with pytest.raises(EngineError) as caught:
        Tier(Fraction(99), True, None, False, 10.0)  # type: ignore[arg-type]
    assert caught.value.field == "credit_percent"
    with pytest.raises(EngineError) as caught:
        Tier(99.0, True, None, False, Decimal(1))  # type: ignore[arg-type]
    assert caught.value.field == "lower"
