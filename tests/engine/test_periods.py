"""Service periods other than the calendar month (accord.engine.periods), against a naive
reference that walks the calendar one day at a time."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.engine.errors import EngineError
from accord.engine.periods import PeriodKind, PeriodRule
from accord.engine.timeutil import local_to_epoch, zone

ZONES = ("UTC", "America/Los_Angeles", "Europe/Berlin", "Australia/Sydney")


def starts_a_period(rule: PeriodRule, day: date) -> bool:
    """The definition, read literally: does a period start on this date?"""
    if rule.kind is PeriodKind.MONTH:
        return day.day == 1
    if rule.kind is PeriodKind.QUARTER:
        return day.day == 1 and day.month in (1, 4, 7, 10)
    if rule.kind is PeriodKind.FISCAL_QUARTER:
        return day.day == 1 and (day.month - rule.fiscal_start_month) % 3 == 0
    return day.day == min(rule.anchor_day, monthrange(day.year, day.month)[1])


def naive_first_day(rule: PeriodRule, day: date) -> date:
    while not starts_a_period(rule, day):
        day -= timedelta(days=1)
    return day


def naive_next_first_day(rule: PeriodRule, first: date) -> date:
    day = first + timedelta(days=1)
    while not starts_a_period(rule, day):
        day += timedelta(days=1)
    return day


rules = st.builds(
    PeriodRule,
    kind=st.sampled_from(list(PeriodKind)),
    timezone=st.sampled_from(ZONES),
    anchor_day=st.integers(1, 31),
    fiscal_start_month=st.integers(1, 12),
)
days = st.dates(min_value=date(1971, 1, 1), max_value=date(2999, 12, 1))


@given(rules, days, st.integers(0, 86_399))
def test_the_period_containing_an_instant_is_the_one_the_calendar_walk_finds(
    rule: PeriodRule, day: date, second: int
) -> None:
    tz = zone(rule.timezone)
    instant = local_to_epoch(day, second, tz)
    period = rule.containing(instant)
    first = naive_first_day(rule, day)
    following = naive_next_first_day(rule, first)
    assert period.start == local_to_epoch(first, 0, tz)
    assert period.end == local_to_epoch(following, 0, tz)
    assert period.start <= instant < period.end
    # The label names the same period back.
    assert rule.bounds(period.label) == period


@given(rules, days, st.integers(1, 400))
def test_periods_between_two_instants_tile_them_without_gaps(
    rule: PeriodRule, day: date, length_days: int
) -> None:
    tz = zone(rule.timezone)
    start = local_to_epoch(day, 0, tz)
    end = start + length_days * 86_400
    periods = rule.between(start, end)
    assert periods[0].start <= start < periods[0].end
    assert periods[-1].start < end <= periods[-1].end
    for before, after in zip(periods, periods[1:], strict=False):
        assert before.end == after.start
    assert len({period.label for period in periods}) == len(periods)


@pytest.mark.parametrize(
    ("rule", "label", "first", "following"),
    [
        (PeriodRule(PeriodKind.QUARTER), "2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        (PeriodRule(PeriodKind.QUARTER), "2027-Q1", date(2027, 1, 1), date(2027, 4, 1)),
        # Anchor 31: the cycle starts on the last day of shorter months.
        (
            PeriodRule(PeriodKind.BILLING_CYCLE, anchor_day=31),
            "2027-01-31",
            date(2027, 1, 31),
            date(2027, 2, 28),
        ),
        (
            PeriodRule(PeriodKind.BILLING_CYCLE, anchor_day=31),
            "2027-02-28",
            date(2027, 2, 28),
            date(2027, 3, 31),
        ),
        (
            PeriodRule(PeriodKind.BILLING_CYCLE, anchor_day=15),
            "2026-12-15",
            date(2026, 12, 15),
            date(2027, 1, 15),
        ),
        # A fiscal year from July is named by the year it ends in.
        (
            PeriodRule(PeriodKind.FISCAL_QUARTER, fiscal_start_month=7),
            "FY2027-Q1",
            date(2026, 7, 1),
            date(2026, 10, 1),
        ),
        (
            PeriodRule(PeriodKind.FISCAL_QUARTER, fiscal_start_month=7),
            "FY2027-Q3",
            date(2027, 1, 1),
            date(2027, 4, 1),
        ),
        (
            PeriodRule(PeriodKind.FISCAL_QUARTER, fiscal_start_month=1),
            "FY2026-Q4",
            date(2026, 10, 1),
            date(2027, 1, 1),
        ),
    ],
)
def test_labels_name_the_periods_a_contract_means(
    rule: PeriodRule, label: str, first: date, following: date
) -> None:
    period = rule.bounds(label)
    tz = zone(rule.timezone)
    assert (period.start, period.end) == (
        local_to_epoch(first, 0, tz),
        local_to_epoch(following, 0, tz),
    )
    assert rule.label_of(first) == label


@pytest.mark.parametrize(
    ("rule", "label", "words"),
    [
        (PeriodRule(PeriodKind.QUARTER), "2026-10", 'such as "2026-Q4"'),
        (PeriodRule(PeriodKind.MONTH), "2026-13", 'such as "2026-10"'),
        (PeriodRule(PeriodKind.BILLING_CYCLE, anchor_day=15), "2026-10-14", "2026-10-15"),
        (PeriodRule(PeriodKind.FISCAL_QUARTER), "FY2026-Q5", "FY2027-Q1"),
        (PeriodRule(PeriodKind.QUARTER), "9999-Q1", "supported range"),
    ],
)
def test_a_wrong_label_is_refused_with_what_a_right_one_looks_like(
    rule: PeriodRule, label: str, words: str
) -> None:
    with pytest.raises(EngineError, match="period") as refused:
        rule.bounds(label)
    assert words in str(refused.value)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"kind": "fortnight"}, "period"),
        ({"anchor_day": 0}, "period.anchor_day"),
        ({"anchor_day": 32}, "period.anchor_day"),
        ({"fiscal_start_month": 13}, "period.fiscal_start_month"),
        ({"timezone": "Mars/Olympus"}, "period.timezone"),
    ],
)
def test_a_wrong_rule_names_its_field(options: dict[str, object], field: str) -> None:
    with pytest.raises(EngineError) as refused:
        PeriodRule(**options)  # type: ignore[arg-type]
    assert refused.value.field == field
