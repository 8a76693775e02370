"""The peers, set up with the same calendar as the engine.

businesstimedelta 1.0.1 works on time-zone-aware datetimes (pytz); its `Rules.difference`
answers `elapsed` and `datetime + BusinessTimeDelta` answers `add`.

pandas' `CustomBusinessHour` works on naive local times, with opening and closing times (an
opening after the closing means overnight hours), a weekmask and holidays. It adds whole
business hours only (`n` is an integer) and has no elapsed-time API, so `elapsed` is computed
from pandas' calendar objects:
`CustomBusinessHour.rollforward` moves both ends into business hours (or onto a closing time),
`pd.date_range` with a `CustomBusinessDay` of the same weekmask and holidays counts the whole
business days between them, and the partial days are wall-clock offsets from the opening. The
sum (a business day's wall-clock length per whole day plus the partials) is ours; it is exact
for a calendar with one range per business day, in naive local time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

import businesstimedelta
import pandas as pd
import pytz
from pandas.tseries.offsets import CustomBusinessDay, CustomBusinessHour

WEEKMASK_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class BusinessTimeDeltaPeer:
    def __init__(
        self,
        timezone: str,
        opening: time,
        closing: time,
        weekdays: Iterable[int],
        holidays: Iterable[date],
    ) -> None:
        self.tz = pytz.timezone(timezone)
        workday = businesstimedelta.WorkDayRule(
            start_time=opening, end_time=closing, working_days=sorted(weekdays), tz=self.tz
        )
        rules: list[businesstimedelta.Rule] = [workday]
        closed_days = frozenset(holidays)
        if closed_days:
            # HolidayRule only asks `day in holidays`: a set is the fastest container it takes.
            # (Without any holiday it would search five years ahead and fail: leave it out.)
            rules.append(businesstimedelta.HolidayRule(closed_days, tz=self.tz))
        self.rules = businesstimedelta.Rules(rules)

    @staticmethod
    def instant(epoch: int) -> datetime:
        """The peer's input form: an aware datetime (UTC; the rules convert to local time)."""
        return datetime.fromtimestamp(epoch, pytz.utc)

    def elapsed(self, start: datetime, end: datetime) -> int:
        delta = self.rules.difference(start, end)
        return int(delta.timedelta.total_seconds())

    def add(self, start: datetime, seconds: int) -> datetime:
        due: datetime = start + businesstimedelta.BusinessTimeDelta(self.rules, seconds=seconds)
        return due


class PandasPeer:
    def __init__(
        self,
        timezone: str,
        opening: time,
        closing: time,
        weekdays: Iterable[int],
        holidays: Iterable[date],
    ) -> None:
        self.timezone = timezone
        days = sorted(weekdays)
        self.weekmask = " ".join(WEEKMASK_NAMES[day] for day in days)
        self.holidays = sorted(holidays)
        self.opening = pd.Timedelta(hours=opening.hour, minutes=opening.minute)
        closing_delta = pd.Timedelta(hours=closing.hour, minutes=closing.minute)
        # The wall-clock length of a business day (overnight hours wrap past midnight).
        self.day_seconds = int((closing_delta - self.opening).total_seconds()) % 86_400
        self.opening_text = opening.strftime("%H:%M")
        self.closing_text = closing.strftime("%H:%M")
        self.hour = self.business_hours(1)
        self.day = CustomBusinessDay(weekmask=self.weekmask, holidays=self.holidays)
        self._offsets: dict[int, CustomBusinessHour] = {}

    def business_hours(self, n: int) -> CustomBusinessHour:
        return CustomBusinessHour(
            n=n,
            start=self.opening_text,
            end=self.closing_text,
            weekmask=self.weekmask,
            holidays=self.holidays,
        )

    def prepare_hours(self, counts: Iterable[int]) -> None:
        """Build the offsets for these hour counts ahead of the timed loop (building one
        compiles its holiday calendar, which would otherwise dominate the time per case)."""
        for n in set(counts):
            self._offsets[n] = self.business_hours(n)

    def instant(self, epoch: int) -> pd.Timestamp:
        """The peer's input form: a naive local timestamp."""
        return pd.Timestamp(epoch, unit="s", tz="UTC").tz_convert(self.timezone).tz_localize(None)

    def epoch(self, local: pd.Timestamp) -> int:
        """A naive local answer back to epoch seconds. An answer inside a DST overlap is read as
        its first occurrence and one inside a DST gap as the first instant after the gap (the
        engine's reading of wall times, docs/calc.md convention 5)."""
        instant = local.tz_localize(self.timezone, ambiguous=True, nonexistent="shift_forward")
        return int(instant.timestamp())

    def elapsed(self, start: pd.Timestamp, end: pd.Timestamp) -> int:
        if end <= start:
            return 0
        first = self.hour.rollforward(start)
        last = self.hour.rollforward(end)
        # The business day an instant in business hours belongs to starts at its opening,
        # which for overnight hours (22:00-06:00) is the previous evening.
        first_day = (first - self.opening).normalize()
        last_day = (last - self.opening).normalize()
        whole_days = len(pd.date_range(first_day, last_day, freq=self.day, inclusive="left"))
        before_first = (first - first_day - self.opening) // pd.Timedelta(seconds=1)
        before_last = (last - last_day - self.opening) // pd.Timedelta(seconds=1)
        return int(whole_days * self.day_seconds + before_last - before_first)

    def add_hours(self, start: pd.Timestamp, hours: int) -> pd.Timestamp:
        due: pd.Timestamp = start + self._offsets[hours]
        return due
