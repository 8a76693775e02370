"""Exact numbers from contract data: decimals written as strings, percentages as fractions.

A float cannot hold 99.9 exactly, so every figure a contract states (a target, a tier bound, a
credit, a fee) is written as a string and read as a Decimal or a Fraction; a figure handed over
as a Python value must already be exact (`exact_fraction`, `check_decimal` refuse floats).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from accord.engine.errors import EngineError

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?", re.ASCII)


def parse_decimal(value: object, field: str) -> Decimal:
    """A non-negative decimal written as a string, such as "99.9"."""
    if isinstance(value, bool) or value is None:
        raise EngineError(field, 'must be a decimal number written as a string, such as "99.9"')
    if isinstance(value, int | float):
        raise EngineError(
            field,
            f'must be written as a string, such as "{value}", not as the number {value!r} '
            "(a float cannot hold 99.9 exactly)",
        )
    if not isinstance(value, str) or not _NUMBER.fullmatch(value):
        raise EngineError(field, f'{value!r} is not a decimal number such as "99.9"')
    return Decimal(value)


def parse_percent(value: object, field: str) -> Fraction:
    """A percentage from 0 to 100 written as a string, as an exact fraction of 100."""
    percent = parse_decimal(value, field)
    if percent > 100:
        raise EngineError(field, f"must be between 0 and 100, not {value}")
    return Fraction(percent)


def format_fraction(value: Fraction, places: int = 3) -> str:
    """An exact fraction as a decimal string: in full when it has a finite decimal form of at
    most `places` decimals ("1234.5", "60"), else floored to `places` decimals ("33.333")."""
    value = Fraction(value)
    scaled = value * 10**places
    units = scaled.numerator // scaled.denominator
    sign = "-" if units < 0 else ""
    whole, part = divmod(abs(units), 10**places)
    digits = f"{part:0{places}d}".rstrip("0") if places else ""
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def format_decimal(value: Decimal) -> str:
    """`Decimal("10.50")` as "10.5", `Decimal("100")` as "100": no exponent, no trailing 0s."""
    return format(value.normalize(), "f")


def exact_fraction(value: object, field: str) -> Fraction | None:
    """An exact number (Fraction, int or Decimal) as a Fraction; None stays None."""
    if value is None:
        return None
    if isinstance(value, float):
        raise EngineError(field, f"must be exact (a Fraction), not the float {value!r}")
    if isinstance(value, bool) or not isinstance(value, Fraction | int | Decimal):
        raise EngineError(field, f"must be a Fraction, not {value!r}")
    return Fraction(value)


def check_decimal(value: object, field: str, *, cents: bool = False) -> Decimal:
    """A finite Decimal (or int), 0 or more; with `cents`, in whole cents."""
    if isinstance(value, float):
        raise EngineError(field, f"must be a Decimal, not the float {value!r}")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise EngineError(field, f"must be a Decimal, not {value!r}")
    number = Decimal(value)
    if not number.is_finite() or number < 0:
        raise EngineError(field, f"must be a finite number, 0 or more, not {value}")
    if cents and number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise EngineError(field, f"must be in whole cents (at most 2 decimal places), not {value}")
    return number
