"""One hour of minute aggregates of one check from one location, packed into a few bytes.

A minute aggregate is (checks, failures, latency sum in ms, latency maximum in ms). An hour is
four columns of 60 values: checks and failures as 16-bit, the maximum and `sum - maximum` as
32-bit unsigned integers (`sum - maximum` is 0 whenever a minute holds one check, as with
one-minute checks). The columns are byte-shuffled (all lowest bytes first, then the next ones),
so the mostly-zero high bytes and the repeated counts compress to almost nothing, then
zlib-compressed. A minute without results has `checks` 0.

Layout: one version byte (1), then the zlib stream of 60 x (2 + 2 + 4 + 4) = 720 bytes. A
healthy check probed every minute packs into about 80-100 bytes an hour; see
docs/monitoring.md for measured figures.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

MINUTES = 60
VERSION = 1
_U16_MAX = 2**16 - 1
_U32_MAX = 2**32 - 1


class Minute(NamedTuple):
    """One minute of an hour (0-59) and its aggregate."""

    minute: int
    checks: int
    failures: int
    latency_sum_ms: int
    latency_max_ms: int


def _shuffle(column: np.ndarray) -> bytes:
    return bytes(column.view(np.uint8).reshape(MINUTES, column.itemsize).T.tobytes())


def _unshuffle(raw: bytes, dtype: str) -> np.ndarray:
    size = np.dtype(dtype).itemsize
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(size, MINUTES)
    return np.ascontiguousarray(planes.T).view(dtype).reshape(MINUTES)


def pack(minutes: Iterable[Minute]) -> bytes:
    """The packed hour. Minutes given twice are added together (as the database row would)."""
    checks = np.zeros(MINUTES, dtype=np.uint64)
    failures = np.zeros(MINUTES, dtype=np.uint64)
    total = np.zeros(MINUTES, dtype=np.uint64)
    peak = np.zeros(MINUTES, dtype=np.uint64)
    for m in minutes:
        if not 0 <= m.minute < MINUTES:
            raise ValueError(f"minute {m.minute} is not 0-59")
        checks[m.minute] += m.checks
        failures[m.minute] += m.failures
        total[m.minute] += m.latency_sum_ms
        peak[m.minute] = max(int(peak[m.minute]), m.latency_max_ms)
    rest = total - np.minimum(total, peak)
    columns = [
        (np.minimum(checks, _U16_MAX).astype("<u2")),
        (np.minimum(failures, _U16_MAX).astype("<u2")),
        (np.minimum(peak, _U32_MAX).astype("<u4")),
        (np.minimum(rest, _U32_MAX).astype("<u4")),
    ]
    raw = b"".join(_shuffle(column) for column in columns)
    return bytes([VERSION]) + zlib.compress(raw, 9)


def unpack(data: bytes) -> list[Minute]:
    """The minutes of a packed hour that hold results, in order."""
    data = bytes(data)
    if not data or data[0] != VERSION:
        raise ValueError("not a packed hour (unknown version)")
    raw = zlib.decompress(data[1:])
    if len(raw) != MINUTES * 12:
        raise ValueError("not a packed hour (wrong length)")
    checks = _unshuffle(raw[0:120], "<u2")
    failures = _unshuffle(raw[120:240], "<u2")
    peak = _unshuffle(raw[240:480], "<u4")
    rest = _unshuffle(raw[480:720], "<u4")
    return [
        Minute(int(i), int(checks[i]), int(failures[i]), int(peak[i]) + int(rest[i]), int(peak[i]))
        for i in np.flatnonzero(checks)
    ]
