"""Reading times people write: ISO 8601 with or without an offset, or a date alone.

A date alone is a whole day in the zone given; a time without an offset is read in that zone
too. Callers choose the zone and say which one they used, so nothing is guessed silently. Only
the common ISO forms are accepted: a compact `20250420` or a week date `2025-W16` would read as
an instant at midnight, which is never what the writer meant. A local time that the clocks skip
or repeat (daylight saving) is refused unless it carries its offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
)
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
# English names of months and weekdays, in calendar order: written here, not taken from the
# locale (`calendar.month_name` follows LC_TIME), so a report reads the same on any machine.
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FORMS = "write 2025-04-20T14:35+03:00, 2025-04-20T11:35Z or 2025-04-20"


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
        day = _checked_date(cleaned)
        return Moment(start_of_day(day, zone), date_only=True)
    if not _DATE_TIME.match(cleaned):
        raise ValueError(f"{text!r} is not an ISO 8601 time ({_FORMS})")
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid time ({exc})") from None
    _check_year(parsed.year, text)
    if parsed.tzinfo is None:
        parsed = _localize(parsed, zone, text)
    return Moment(parsed.astimezone(UTC), date_only=False)


def _checked_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date ({exc})") from None
    _check_year(day.year, text)
    return day


def _check_year(year: int, text: str) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"{text!r}: year {year} is outside {EARLIEST_YEAR}-{LATEST_YEAR}")


def _localize(naive: datetime, zone: tzinfo, text: str) -> datetime:
    """The wall-clock time in `zone`, refusing times the clocks skip or show twice."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        raise ValueError(
            f"{text!r} is ambiguous or does not exist in {zone} (a daylight-saving change): "
            "give its UTC offset"
        )
    round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(
            f"{text!r} does not exist in {zone} (the clocks skip it): give its UTC offset"
        )
    return first


def start_of_day(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def end_of_day(moment: Moment, zone: tzinfo) -> datetime:
    """The first instant after the day a date-only moment names (local midnight, in UTC)."""
    return add_days(moment.at, 1, zone)


def add_days(moment: datetime, days: int, zone: tzinfo) -> datetime:
    """The same local wall-clock time `days` later: a week is seven local days, whatever
    daylight saving does in between."""
    local = moment.astimezone(zone)
    later = (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=zone)
    return later.astimezone(UTC)


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


_RELATIVE = re.compile(r"^(?:now)?\s*([+-])\s*(\d{1,5})\s*([dhm])$")
_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1}
_UNIT_S = {"d": 86_400, "h": 3_600, "m": 60}


def parse_relative(text: str, now: datetime, zone: tzinfo) -> Moment | None:
    """`now`, `today`, `yesterday`, `tomorrow` (whole days in `zone`), or an offset from now:
    `-3d`, `-36h`, `+90m`, `now-2d`; None when `text` is none of these (a command line's
    convenience, so that a command in the README works whatever today's date is).

    >>> now = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    >>> parse_relative("-2d", now, UTC).at.isoformat()
    '2026-12-05T10:30:00+00:00'
    >>> parse_relative("yesterday", now, UTC).at.isoformat()
    '2026-12-06T00:00:00+00:00'
    >>> parse_relative("today", now, UTC).date_only
    True
    """
    cleaned = text.strip().lower()
    if cleaned == "now":
        return Moment(now, date_only=False)
    if cleaned in _DAYS:
        day = now.astimezone(zone).date() + timedelta(days=_DAYS[cleaned])
        return Moment(start_of_day(day, zone), date_only=True)
    match = _RELATIVE.match(cleaned)
    if match is None:
        return None
    sign, amount, unit = match.groups()
    seconds = int(amount) * _UNIT_S[unit] * (1 if sign == "+" else -1)
    return Moment(now + timedelta(seconds=seconds), date_only=False)
