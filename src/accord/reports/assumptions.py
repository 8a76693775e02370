"""The assumptions printed on every report: how its month, maintenance, impacts, outages,
support hours and tickets were read, then the contract's own (`terms.assumptions`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.engine.numbers import format_fraction
from accord.engine.policy import ContractTerms
from accord.engine.timeutil import from_epoch, zone

if TYPE_CHECKING:
    from accord.reports.build import Month


def assumptions(terms: ContractTerms, period: Month) -> list[str]:
    tz = terms.reporting_timezone
    maintenance = terms.maintenance
    counted = ", ".join(
        f"{impact.replace('_', ' ').capitalize()} "
        + ("in full" if weight == 1 else f"{format_fraction(weight)} of its time")
        for impact, weight in terms.impact_weights.items()
    )
    cutoff = from_epoch(period.cutoff).astimezone(zone(tz))
    lines = [
        f"The month is {period.name} in {tz}: {(period.end - period.start) // 60:,} minutes.",
        (
            f"Scheduled maintenance is read in {maintenance.timezone}"
            + (
                " (US Pacific wall-clock time: PST in winter, PDT in summer)"
                if maintenance.timezone == "America/Los_Angeles"
                else ""
            )
            + (
                "; maintenance time is excluded from eligible minutes."
                if terms.maintenance_mode == "exclude"
                else "; maintenance time counts as up time."
            )
        ),
        (
            f"What counts against uptime: {counted}; any other impact does not count."
            if counted
            else "No impact counts against uptime."
        ),
        (
            f"Outages shorter than {terms.min_outage_seconds} seconds do not count."
            if terms.min_outage_seconds
            else "Every outage counts, however short."
        ),
        (
            "Ad-hoc maintenance is excluded only when announced at least "
            f"{terms.adhoc_notice_hours} hours ahead."
        ),
        f"Support hours: {terms.support_calendar.describe()}.",
        *(
            f"Severity {level} counts on its own calendar: {calendar.describe()}."
            for level, calendar in sorted(terms.clock_rules.calendars.items())
            if calendar != terms.support_calendar
        ),
        (
            f"Tickets: those reported in the month, those still open at the previous cut-off "
            f"and those met by it and reopened since, their clocks as at the cut-off "
            f"{cutoff:%Y-%m-%d %H:%M} {cutoff.tzname()}; a breach counts in one report only."
        ),
        *terms.assumptions,
    ]
    return lines
