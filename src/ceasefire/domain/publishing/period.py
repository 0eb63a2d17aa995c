"""Reporting periods: a day ends at the mission's cut-off in its own time zone.

The OSCE mission's daily report covered the 24 hours to 19:30 Kyiv time. A period is half-open,
[start, end): an event at the cut-off itself belongs to the next report. Periods are counted in
local wall-clock days, so the day daylight saving begins is 23 hours long, as readers expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

from ceasefire.domain.timeparse import add_days


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    zone: tzinfo

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def before(self) -> Period:
        """The period of the same length in local days that ends where this one starts."""
        days = round(self.hours / 24) or 1
        return Period(add_days(self.start, -days, self.zone), self.start, self.zone)


def daily_period(day: date, cutoff: time, zone: tzinfo) -> Period:
    """The 24 hours (local) to the cut-off on `day`."""
    end = datetime.combine(day, cutoff, tzinfo=zone).astimezone(UTC)
    return Period(add_days(end, -1, zone), end, zone)


def span_period(start: datetime, end: datetime, zone: tzinfo) -> Period:
    if end <= start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts")
    return Period(start.astimezone(UTC), end.astimezone(UTC), zone)
