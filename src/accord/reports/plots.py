"""The report's plots as inline SVG, drawn on the server from the report's own figures: the same
markup in the page and in the PDF, no script, readable in black and white (each state has its
own fill and marking, not only a colour) and described in words for screen readers.

Each plot is a handful of elements whatever the month holds: one `<path>` per state (the days
below target are one path, the hatching of the days with some downtime another, a severity's
breaching tickets one path of dots), no pattern fills, no element per day or per ticket. A PDF
has to draw every element; 31 rectangles with a pattern fill each took WeasyPrint ~40 ms a
strip, one path per state takes ~2 ms (docs/performance.md, "Monthly reports").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape

from accord.reports import schema

CELL = 14  # one day of the strip
GAP = 2
STRIP_HEIGHT = 18
HATCH = 4  # distance between the hatching lines of a day with some downtime

UP, DOWNTIME, BELOW = "#cfe6d4", "#f3d9a4", "#7a1f1f"


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _cells(xs: Iterable[float]) -> str:
    """One path of day cells (a closed rectangle per day)."""
    return "".join(f"M{_number(x)},0h{CELL}v{STRIP_HEIGHT}h-{CELL}z" for x in xs)


def _hatching(xs: Iterable[float]) -> str:
    """Diagonal lines (bottom left to top right) inside each cell, as one path."""
    parts = []
    for x in xs:
        for c in range(HATCH, CELL + STRIP_HEIGHT, HATCH):
            # The line u + v = c, clipped to the cell (u across, v up from the bottom).
            u0, u1 = max(0, c - STRIP_HEIGHT), min(CELL, c)
            parts.append(
                f"M{_number(x + u0)},{STRIP_HEIGHT - (c - u0)}"
                f"L{_number(x + u1)},{STRIP_HEIGHT - (c - u1)}"
            )
    return "".join(parts)


def _day_list(days: list[schema.DayUptime]) -> str:
    return ", ".join(str(int(d.date[-2:])) for d in days)


def uptime_strip(module: schema.ModuleUptime) -> str:
    """One cell per day of the month: pale when the day had no downtime, hatched mid-tone when
    it had some but the day stayed at or above target, dark when below. The day numbers are
    drawn once under all the strips (`day_axis`)."""
    days = module.daily
    width = len(days) * (CELL + GAP)
    below = [d for d in days if not d.met]
    with_downtime = [d for d in days if d.met and d.downtime_seconds != "0"]
    description = (
        f"{module.module_name}: {len(days)} days, {len(below)} below target"
        + (f" (day {_day_list(below)})" if below else "")
        + f", {len(with_downtime)} with some downtime"
        + (f" (day {_day_list(with_downtime)})" if with_downtime else "")
    )
    x_of = {d.date: index * (CELL + GAP) for index, d in enumerate(days)}
    up = [x_of[d.date] for d in days if d.met and d.downtime_seconds == "0"]
    some = [x_of[d.date] for d in with_downtime]
    dark = [x_of[d.date] for d in below]
    paths = []
    for xs, fill in ((up, UP), (some, DOWNTIME), (dark, BELOW)):
        if xs:
            paths.append(f'<path d="{_cells(xs)}" fill="{fill}" stroke="#333" stroke-width="0.5"/>')
    if some:
        paths.append(f'<path d="{_hatching(some)}" stroke="#8a5a00" stroke-width="1" fill="none"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="strip" role="img" '
        f'aria-label="{_attr(description)}" width="{width}" height="{STRIP_HEIGHT}" '
        f'viewBox="0 0 {width} {STRIP_HEIGHT}"><title>{_attr(description)}</title>'
        f"{''.join(paths)}</svg>"
    )


def day_axis(days: int) -> str:
    """The day numbers under the strips (1, 5, 10, ...): drawn once, not under each strip
    (text in an SVG is laid out letter by letter in a PDF)."""
    width = days * (CELL + GAP)
    marks = [n for n in range(1, days + 1) if n == 1 or n % 5 == 0]
    ticks = "".join(f"M{(n - 1) * (CELL + GAP) + CELL / 2:g},0v3" for n in marks)
    labels = "".join(
        f'<text x="{(n - 1) * (CELL + GAP) + CELL / 2:g}" y="12">{n}</text>' for n in marks
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="axis" aria-hidden="true" '
        f'width="{width}" height="14" viewBox="0 0 {width} 14">'
        f'<path d="{ticks}" stroke="#555"/>'
        f'<g font-size="9" text-anchor="middle">{labels}</g></svg>'
    )


def _dots(points: Iterable[tuple[float, int]]) -> str:
    """Circles of radius 3 as one path (two half arcs each)."""
    return "".join(f"M{x - 3:.1f},{y}a3,3 0 1,0 6,0a3,3 0 1,0 -6,0z" for x, y in points)


WIDTH, LEFT, RIGHT = 420, 10, 14


def _step(top: Decimal) -> int:
    return 50 if top <= 300 else 100 if top <= 1000 else 500


def scale_top(summaries: Iterable[schema.SeveritySummary]) -> Decimal:
    """The right end of the shared scale of the severities' plots: 200% of the target, or the
    first mark of the axis at or past the most a ticket used, so every dot lies on the
    labelled scale (never past its last label, never cut off at the edge)."""
    most = max([Decimal(200), *(Decimal(v) for s in summaries for v in s.used_percent_of_target)])
    step = _step(most)
    return Decimal(math.ceil(most / step) * step)  # Decimal's // truncates towards zero


def _x(percent: Decimal | int, top: Decimal) -> float:
    return LEFT + float(percent * (WIDTH - LEFT - RIGHT) / top)


def used_distribution(summary: schema.SeveritySummary, top: Decimal | None = None) -> str:
    """Each ticket's support time used as a percent of its target, one dot per ticket on a
    horizontal scale from 0 to `top` percent (shared by the severities, labelled once by
    `percent_axis`), with the target (100%) drawn as a dashed line; dots past it (dark) are
    breaches."""
    values = sorted(Decimal(v) for v in summary.used_percent_of_target)
    top = top if top is not None else scale_top([summary])
    height = 30
    over = sum(1 for v in values if v > 100)
    description = (
        f"Severity {summary.severity}: {len(values)} tickets; "
        f"{over} used more than the target of {summary.target}"
        + (f" (up to {values[-1]}% of it)" if over else "")
    )
    # A little jitter so equal values stay visible.
    points = [(_x(v, top), 8 + (i % 4) * 5, v > 100) for i, v in enumerate(values)]
    within = _dots((x, y) for x, y, breached in points if not breached)
    beyond = _dots((x, y) for x, y, breached in points if breached)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="distribution" role="img" '
        f'aria-label="{_attr(description)}" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}"><title>{_attr(description)}</title>'
        f'<path d="M{LEFT},{height - 1}H{WIDTH - RIGHT}" stroke="#555"/>'
        f'<path d="M{_x(100, top):.1f},0V{height}" stroke="#000" stroke-width="1.5" '
        f'stroke-dasharray="3,2"/>'
        + (f'<path d="{within}" fill="#fff" stroke="#222"/>' if within else "")
        + (f'<path d="{beyond}" fill="{BELOW}" stroke="#222"/>' if beyond else "")
        + "</svg>"
    )


def percent_axis(top: Decimal) -> str:
    """The scale under the severities' plots: 0%, 100% (the target), ... `top`."""
    step = _step(top)
    percents = range(0, int(top) + 1, step)
    ticks = "".join(f"M{_x(p, top):.1f},0v3" for p in percents)
    labels = "".join(f'<text x="{_x(p, top):.1f}" y="12">{p}%</text>' for p in percents)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="axis" aria-hidden="true" '
        f'width="{WIDTH}" height="14" viewBox="0 0 {WIDTH} 14">'
        f'<path d="{ticks}" stroke="#555"/>'
        f'<g font-size="8" text-anchor="middle">{labels}</g></svg>'
    )
