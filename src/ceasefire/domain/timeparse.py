"""Reading times people write: ISO 8601 with or without an offset, or a date alone.

A date alone is a whole day in the zone given; a time without an offset is read in that zone
too. Callers choose the zone and say which one they used, so nothing is guessed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Moment:
    """A parsed time in UTC; `date_only` when the text named a day, not an instant."""

    at: datetime
    date_only: bool


def parse_moment(text: str, zone: tzinfo) -> Moment:
    """Parse ISO 8601; raise ValueError with a reason a person can act on.

    >>> parse_moment("2025-04-19T15:00Z", UTC).at.isoformat()
    '2025-04-19T15:00:00+00:00'
    >>> from zoneinfo import ZoneInfo
    >>> m = parse_moment("2025-04-20", ZoneInfo("Europe/Kyiv"))
    >>> m.at.isoformat(), m.date_only
    ('2025-04-19T21:00:00+00:00', True)
    """
    cleaned = text.strip()
    if _DATE_ONLY.match(cleaned):
        day = date.fromisoformat(cleaned)
        return Moment(start_of_day(day, zone), date_only=True)
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 time (write 2025-04-20T14:35+03:00 or 2025-04-20)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return Moment(parsed.astimezone(UTC), date_only=False)


def start_of_day(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def end_of_day(moment: Moment, zone: tzinfo) -> datetime:
    """The first instant after the day a date-only moment names (local midnight, in UTC)."""
    local_day = moment.at.astimezone(zone).date()
    return start_of_day(local_day + timedelta(days=1), zone)


def add_months(moment: datetime, months: int, zone: tzinfo) -> datetime:
    """The same local wall-clock time `months` later, clamped to the month's last day."""
    local = moment.astimezone(zone)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, _days_in_month(year, month))
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
