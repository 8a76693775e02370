"""The report's plots as inline SVG, drawn on the server from the report's own figures: the same
markup in the page and in the PDF, no script, readable in black and white (each state has its
own pattern of fill and outline, not only a colour) and described in words for screen readers.
"""

from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from accord.reports import schema

CELL = 14  # one day of the strip
GAP = 2
STRIP_HEIGHT = 18


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def uptime_strip(module: schema.ModuleUptime) -> str:
    """One cell per day of the month: full and pale when the day had no downtime, hatched
    mid-tone when it had some but the day stayed at or above target, dark when below."""
    days = module.daily
    width = len(days) * (CELL + GAP)
    below = [d for d in days if not d.met]
    with_downtime = [d for d in days if d.met and d.downtime_seconds != "0"]
    description = (
        f"{module.module_name}: {len(days)} days, "
        f"{len(below)} below target, {len(with_downtime)} with some downtime"
    )
    cells = []
    for index, day in enumerate(days):
        if not day.met:
            state, fill = "below", "#7a1f1f"
        elif day.downtime_seconds != "0":
            state, fill = "downtime", "url(#hatch)"
        else:
            state, fill = "up", "#cfe6d4"
        x = index * (CELL + GAP)
        cells.append(
            f'<rect x="{x}" y="0" width="{CELL}" height="{STRIP_HEIGHT}" fill="{fill}" '
            f'stroke="#333" stroke-width="0.5" class="{state}">'
            f"<title>{_attr(day.date)}: {day.uptime_percent}%</title></rect>"
        )
    labels = []
    for index, day in enumerate(days):
        number = int(day.date[-2:])
        if number == 1 or number % 5 == 0:
            x = index * (CELL + GAP) + CELL / 2
            labels.append(
                f'<text x="{x}" y="{STRIP_HEIGHT + 11}" font-size="9" '
                f'text-anchor="middle">{number}</text>'
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="strip" role="img" '
        f'aria-label="{_attr(description)}" width="{width}" height="{STRIP_HEIGHT + 14}" '
        f'viewBox="0 0 {width} {STRIP_HEIGHT + 14}">'
        '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse">'
        '<rect width="4" height="4" fill="#f3d9a4"/>'
        '<path d="M0,4 L4,0" stroke="#8a5a00" stroke-width="1"/></pattern></defs>'
        f"<title>{_attr(description)}</title>{''.join(cells)}{''.join(labels)}</svg>"
    )


def used_distribution(summary: schema.SeveritySummary) -> str:
    """Each ticket's support time used as a percent of its target, one dot per ticket on a
    horizontal scale, with the target (100%) drawn as a line; dots past it are breaches."""
    values = [Decimal(v) for v in summary.used_percent_of_target]
    width, height, left, right = 420, 44, 10, 10
    top = max([Decimal(200), *values])
    scale = (width - left - right) / top
    target_x = left + float(100 * scale)
    description = (
        f"Severity {summary.severity}: {len(values)} tickets; "
        f"{sum(1 for v in values if v > 100)} used more than the target of {summary.target}"
    )
    dots = []
    for index, value in enumerate(sorted(values)):
        x = left + float(value * scale)
        y = 14 + (index % 4) * 5  # a little jitter so equal values stay visible
        over = value > 100
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y}" r="3" fill="{"#7a1f1f" if over else "#fff"}" '
            f'stroke="#222" stroke-width="1"><title>{value}% of target</title></circle>'
        )
    ticks = []
    for percent in range(0, int(top) + 1, 50 if top <= 400 else 100):
        x = left + float(percent * scale)
        ticks.append(
            f'<line x1="{x:.1f}" y1="34" x2="{x:.1f}" y2="37" stroke="#555"/>'
            f'<text x="{x:.1f}" y="44" font-size="8" text-anchor="middle">{percent}%</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="distribution" role="img" '
        f'aria-label="{_attr(description)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{_attr(description)}</title>'
        f'<line x1="{left}" y1="34" x2="{width - right}" y2="34" stroke="#555"/>'
        f"{''.join(ticks)}"
        f'<line x1="{target_x:.1f}" y1="4" x2="{target_x:.1f}" y2="34" stroke="#000" '
        f'stroke-width="1.5" stroke-dasharray="3,2"/>'
        f'<text x="{target_x + 3:.1f}" y="9" font-size="8">target</text>'
        f"{''.join(dots)}</svg>"
    )
