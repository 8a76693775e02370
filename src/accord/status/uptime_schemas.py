"""The schemas of the uptime API (`accord.status.uptime_api`)."""

from __future__ import annotations

from ninja import Field, Schema

from accord.accounts.api import Clean, DayQuery, SlugQuery, UtcDateTime


class UptimeFilters(Clean):
    month: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
        description="YYYY-MM in each region's time zone; or give since and until",
    )
    since: DayQuery | None = Field(default=None, description="First day (the region's zone)")
    until: DayQuery | None = Field(default=None, description="Last day, inclusive")
    module: SlugQuery | None = Field(default=None, description="A module's slug")
    region: SlugQuery | None = Field(default=None, description="A region's code")


class ModuleRegionUptime(Schema):
    module: str = Field(description="Module slug")
    module_name: str
    region: str = Field(description="Region code")
    timezone: str = Field(description="The IANA zone the period's days are in")
    start: UtcDateTime
    end: UtcDateTime = Field(description="The first instant after the period, or now")
    period_seconds: int
    maintenance_seconds: int
    eligible_seconds: int
    downtime_seconds: str = Field(
        description='Exact, to three decimals (weighted partial outages): "90", "45.5"'
    )
    uptime_percent: str = Field(
        description='Floored to exactly three decimals, as the status page: "99.899"'
    )
    uptime_exact: str = Field(description='The uptime fraction "numerator/denominator"')
    target_percent: str
    met: bool


class UptimeList(Schema):
    count: int
    items: list[ModuleRegionUptime]
