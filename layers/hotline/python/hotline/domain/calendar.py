"""The city's working-day calendar (R-SLA-1, R-SLA-4).

Statutory holidays and make-up working days (调休) come from `chinesecalendar`; the city's
own overrides win over it. A year the library has no data for must not crash a deadline:
Monday–Friday stands in, and the observer hears of it once per year so ops get an alarm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)

FallbackObserver = Callable[[int], None]


def _log_fallback(year: int) -> None:
    log.warning("no statutory calendar data for %s: counting Monday-Friday as working days", year)


@dataclass
class WorkingCalendar:
    timezone: ZoneInfo
    office_start: time
    office_end: time
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    on_fallback: FallbackObserver = _log_fallback
    published_years: frozenset[int] = frozenset()
    _fallback_years: set[int] = field(default_factory=set, repr=False)

    @classmethod
    def build(
        cls,
        tz: str,
        office_start: time,
        office_end: time,
        extra_holidays: Iterable[date] = (),
        extra_workdays: Iterable[date] = (),
        on_fallback: FallbackObserver = _log_fallback,
        published_years: Iterable[int] = (),
    ) -> WorkingCalendar:
        return cls(
            ZoneInfo(tz),
            office_start,
            office_end,
            frozenset(extra_holidays),
            frozenset(extra_workdays),
            on_fallback,
            frozenset(published_years),
        )

    def has_statutory_data(self, year: int) -> bool:
        """The library knows the year's holidays, or the city entered them itself."""
        if year in self.published_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def missing_years(self, today: date) -> list[int]:
        """Years a deadline may soon fall in without holiday data: this one always, and from
        December 1st the next one too (the State Council publishes in the autumn)."""
        years = [today.year] + ([today.year + 1] if today.month == 12 else [])
        return [y for y in years if not self.has_statutory_data(y)]

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_holidays:
            return False
        if day in self.extra_workdays:
            return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if day.year not in self._fallback_years:
                self._fallback_years.add(day.year)
                self.on_fallback(day.year)
            return day.weekday() < 5

    def local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; give an offset")
        return instant.astimezone(self.timezone)

    def in_office_hours(self, instant: datetime) -> bool:
        t = self.local(instant)
        return self.is_working_day(t.date()) and self.office_start <= t.time() < self.office_end

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def last_office_moment(self, instant: datetime) -> datetime:
        """`instant` if the office is open then, else the last moment it was open before."""
        t = self.local(instant)
        if self.in_office_hours(t):
            return t
        day = t.date()
        if not (self.is_working_day(day) and t.time() >= self.office_end):
            day -= timedelta(days=1)
            while not self.is_working_day(day):
                day -= timedelta(days=1)
        return datetime.combine(day, self.office_end, self.timezone) - timedelta(minutes=1)

    def clock_start(self, instant: datetime) -> datetime:
        """When a working-day clock started at `instant` really starts: now, or next opening."""
        t = self.local(instant)
        if self.in_office_hours(t):
            return t
        day = t.date()
        if not (self.is_working_day(day) and t.time() < self.office_start):
            day = self.next_working_day(day)
        return datetime.combine(day, self.office_start, self.timezone)

    def add_working_days(self, instant: datetime, n: int) -> datetime:
        """Same clock time on the n-th following working day, counted from the clock start."""
        if n < 0:
            raise ValueError("working days to add must be non-negative")
        start = self.clock_start(instant)
        day = start.date()
        for _ in range(n):
            day = self.next_working_day(day)
        return datetime.combine(day, start.timetz().replace(tzinfo=None), self.timezone)

    def next_opening_by(self, instant: datetime, by: time) -> datetime:
        """The latest moment off-hours work may wait for: `by` on the next working day."""
        t = self.local(instant)
        day = t.date()
        if not (self.is_working_day(day) and t.time() < self.office_start):
            day = self.next_working_day(day)
        return datetime.combine(day, by, self.timezone)
