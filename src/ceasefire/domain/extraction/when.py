"""Reading when an event happened from a report's prose.

Writers say when in many ways: a date in full, a time of day, "yesterday", "last night". Only
some of these fix a moment by themselves; the rest are relative to when the report was written,
so they are read against a reference time the caller passes in, never against the clock, and
without one they give a flag instead of a guess. A day is the local day in the zone given, and a
wall-clock time the clocks skip or repeat (daylight saving) is refused as `timeparse` refuses
it: the day is kept and the analyst is told.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from ceasefire.domain.extraction.found import CERTAIN, LIKELY, PLAUSIBLE, Flag, Found, Span
from ceasefire.domain.reports import TimePrecision
from ceasefire.domain.timeparse import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MONTH_NAMES,
    WEEKDAY_NAMES,
    add_days,
    start_of_day,
)

FIELD = "observed_start"
_SETTLE = "--reference-time would settle it"
_EN = " ".join(MONTH_NAMES).lower()
_UK = "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня"
_RU = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
_LANGUAGE = {**dict.fromkeys(_UK.split(), "Ukrainian"), **dict.fromkeys(_RU.split(), "Russian")}
_MONTHS = {name: n for names in (_EN, _UK, _RU) for n, name in enumerate(names.split(), 1)}
_MONTHS |= {name[:3]: n for n, name in enumerate(_EN.split(), 1)} | {"sept": 9}
_WEEKDAYS = [day.lower() for day in WEEKDAY_NAMES]
_COUNTS = "a one two three four five six seven eight nine ten eleven twelve"
_NUMBERS = {word: max(n, 1) for n, word in enumerate(_COUNTS.split())} | {"an": 1}
# Parts of a day, as (first day, first hour, last day, last hour) relative to the reference day.
_PARTS = {
    "last night": (-1, 18, 0, 6),
    "overnight": (-1, 18, 0, 6),
    "this morning": (0, 6, 0, 12),
    "this afternoon": (0, 12, 0, 18),
    "this evening": (0, 18, 1, 0),
}


def _alt(words: Iterable[str]) -> str:
    """Longest first, so that "march" is tried before "mar"."""
    return "|".join(sorted(words, key=len, reverse=True))


_WD = rf"(?:(?P<wd>{_alt(_WEEKDAYS)}),?\s+)?"
_DAY = r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\b"
_MON = rf"(?P<month>{_alt(_MONTHS)})\b\.?"
_YEAR = r",?\s+(?P<year>\d{4})\b(?:\s*(?:року|р\.|года|г\.))?"
_DMY = rf"{_WD}{_DAY}(?:\s+of)?\s+{_MON}"
_MDY = rf"\b{_WD}{_MON}\s+{_DAY}"
_ISO_MOMENT = re.compile(
    r"(?<!\d)(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})"
)


def _clock_pattern(tag: str) -> str:
    """One time of day; `tag` keeps the names apart when a window holds two."""
    return (
        rf"(?<![\d:.,])(?P<{tag}h>[01]?\d|2[0-3])(?::(?P<{tag}m>[0-5]\d)(?::[0-5]\d)?)?"
        rf"(?:\s*(?P<{tag}ap>[ap])\.?m\b\.?)?(?!\d)"
    )


_WINDOWS = (
    re.compile(
        rf"\b(?:between|from|з|із|від|с|от)\s+{_clock_pattern('a')}\s*"
        rf"(?:and|to|until|till|до|-|–)\s*{_clock_pattern('b')}",
        re.IGNORECASE,
    ),
    re.compile(rf"{_clock_pattern('a')}\s*[-–]\s*{_clock_pattern('b')}", re.IGNORECASE),
)
_SINGLE = re.compile(_clock_pattern("a"), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class When:
    """When an event happened: a UTC interval and how precisely the text fixed it."""

    start: datetime
    end: datetime
    precision: TimePrecision

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end < self.start:
            raise ValueError(f"a When needs aware times, start <= end: {self.start}, {self.end}")


@dataclass(frozen=True, slots=True)
class _Context:
    reference: datetime | None
    zone: tzinfo

    def local_reference(self) -> datetime:
        assert self.reference is not None
        return self.reference.astimezone(self.zone)

    def describe(self) -> str:
        return f"{self.local_reference():%Y-%m-%d %H:%M} {self.zone}"


@dataclass(frozen=True, slots=True)
class _Reading:
    """One phrase that says when: its value (None if it needs a reference), or the reason."""

    span: Span
    words: str
    found: Found[When] | None
    day: date | None = None  # the local day, when the phrase names a day a time can sit on
    problem: str = ""


@dataclass(frozen=True, slots=True)
class _Clock:
    span: Span
    words: str
    start: time
    end: time | None
    zone: tzinfo | None = None  # the zone written after the time ("14:35 UTC"), if any


# Zones written after a time of day; the caller's zone otherwise.
_ZONE_AFTER = re.compile(
    r"\s*(?:\(\s*)?(?P<zone>UTC|GMT|Z|MSK|Moscow time|Kyiv time|Kiev time|EET|EEST)\b\)?",
    re.IGNORECASE,
)
_MOSCOW = timezone(timedelta(hours=3), "MSK")


def _zone_named(words: str) -> tzinfo | None:
    """UTC for UTC, GMT and Z; Moscow's fixed +03:00; None (the caller's zone) for Kyiv's."""
    name = words.upper()
    if name in ("UTC", "GMT", "Z"):
        return UTC
    if name in ("MSK", "MOSCOW TIME"):
        return _MOSCOW
    return None


# A reader gives a reading, the reason the words are not a date, or None to pass them over.
_Reader = Callable[[re.Match[str], _Context], "_Reading | str | None"]


def _day(day: date, zone: tzinfo) -> When:
    start = start_of_day(day, zone)
    return When(start, add_days(start, 1, zone), TimePrecision.DAY)


def _reading(
    m: re.Match[str], value: When, rule: str, confidence: float, day: date | None = None
) -> _Reading:
    span = Span(m.start(), m.end())
    return _Reading(span, m[0], Found(value, span, rule, confidence), day)


def _unresolved(m: re.Match[str], problem: str = "") -> _Reading:
    """Kept as a mention, so that a later date is seen as a second one and the first is named."""
    problem = problem or f"'{m[0]}' is relative to when the report was written: {_SETTLE}"
    return _Reading(Span(m.start(), m.end()), m[0], None, problem=problem)


def _date_of(m: re.Match[str], year: int) -> date | None:
    """None for a day that does not exist, so "31 February" is reported, not rolled over."""
    month = _MONTHS.get(m["month"].lower()) or int(m["month"])
    try:
        day = date(year, month, int(m["day"]))
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= year <= LATEST_YEAR else None


def _absolute(rule: str) -> _Reader:
    """A date with its year states itself: certain, unless its weekday contradicts it."""

    def read(m: re.Match[str], ctx: _Context) -> _Reading | str:
        day = _date_of(m, int(m["year"]))
        if day is None:
            return f"'{m[0]}' looks like a date but is not a real one; it was ignored"
        language = _LANGUAGE.get(m["month"].lower())
        full_rule = rule + (f" ({language} month name)" if language else "")
        actual = _WEEKDAYS[day.weekday()].title()
        named = (m.groupdict().get("wd") or actual).title()
        if named != actual:  # the day or the weekday is wrong: only a person can say which
            full_rule += f", but that day was a {actual}, not a {named}"
        confidence = CERTAIN if named == actual else PLAUSIBLE
        return _reading(m, _day(day, ctx.zone), full_rule, confidence, day)

    return read


def _yearless(m: re.Match[str], ctx: _Context) -> _Reading | str | None:
    """Reports tell of the past, so a missing year is the one that keeps the day behind the
    reference (a day ahead is allowed for reports written just before midnight)."""
    if m["month"] == "may":
        return None  # lower-case "may" after a number is the verb far more often than the month
    if ctx.reference is None:
        return _unresolved(m, f"'{m[0]}' gives no year and there is no reference time: {_SETTLE}")
    latest = ctx.local_reference().date() + timedelta(days=1)
    for year in range(latest.year, latest.year - 8, -1):  # 29 February needs a leap year
        day = _date_of(m, year)
        if day is not None and day <= latest:
            rule = f"no year given: {year} puts it on or before the reference {ctx.describe()}"
            return _reading(m, _day(day, ctx.zone), rule, LIKELY, day)
    return f"'{m[0]}' looks like a date but is not a real one; it was ignored"


def _month(m: re.Match[str], ctx: _Context) -> _Reading:
    year, month = int(m["year"]), _MONTHS[m["month"].lower()]
    start = start_of_day(date(year, month, 1), ctx.zone)
    end = start_of_day(date(year + month // 12, month % 12 + 1, 1), ctx.zone)
    return _reading(m, When(start, end, TimePrecision.MONTH), "a month and year, no day", CERTAIN)


def _iso_moment(m: re.Match[str], ctx: _Context) -> _Reading | str:
    """Read whole, so that its offset is not dropped and the time misread as local."""
    offset = "+00:00" if m[3] == "Z" else m[3]
    try:
        at = datetime.fromisoformat(f"{m[1]}T{m[2]}{offset}").astimezone(UTC)
    except ValueError:
        return f"'{m[0]}' looks like a time but is not a real one; it was ignored"
    rule = "an ISO date and time with its UTC offset"
    return _reading(m, When(at, at, TimePrecision.EXACT), rule, CERTAIN)


# "the day before yesterday" and "yesterday" as English, Ukrainian and Russian write them.
_TWO_DAYS_BACK = ("the day before", "day before", "позавчора", "позавчера")
_ONE_DAY_BACK = ("yesterday", "вчора", "учора", "вчера")


def _days_back(m: re.Match[str], ctx: _Context) -> _Reading:
    words = m[0].lower()
    back = 2 if words.startswith(_TWO_DAYS_BACK) else 1 if words.startswith(_ONE_DAY_BACK) else 0
    day = ctx.local_reference().date() - timedelta(days=back)
    rule = f"'{m[0]}' from the reference {ctx.describe()}"
    return _reading(m, _day(day, ctx.zone), rule, LIKELY, day)


def _weekday(m: re.Match[str], ctx: _Context) -> _Reading:
    """A weekday named in a report is a past one; the reference day itself would be "today"."""
    today = ctx.local_reference().date()
    back = (today.weekday() - _WEEKDAYS.index(m["weekday"].lower()) - 1) % 7 + 1
    day = today - timedelta(days=back)
    rule = f"'{m[0]}': the last {m['weekday'].title()} before the reference day {ctx.describe()}"
    return _reading(m, _day(day, ctx.zone), rule, LIKELY, day)


def _wall(day: date, hour: int, zone: tzinfo) -> datetime:
    """A conventional bound such as 18:00; no zone moves its clocks at these hours."""
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def _part_of_day(m: re.Match[str], ctx: _Context) -> _Reading:
    first_day, first_hour, last_day, last_hour = _PARTS[re.sub(r"\s+", " ", m[0].lower())]
    today = ctx.local_reference().date()
    start = _wall(today + timedelta(days=first_day), first_hour, ctx.zone)
    end = _wall(today + timedelta(days=last_day), last_hour, ctx.zone)
    rule = f"'{m[0]}' from the reference {ctx.describe()}, {first_hour:02}:00-{last_hour:02}:00"
    return _reading(m, When(start, end, TimePrecision.DAY), rule, PLAUSIBLE)


def _ago(m: re.Match[str], ctx: _Context) -> _Reading:
    """Elapsed time from the reference, not wall-clock time: an hour ago is 3600 s ago."""
    count = _NUMBERS.get(m["n"].lower()) or int(m["n"])
    unit = timedelta(minutes=1) if m["unit"].lower().startswith("min") else timedelta(hours=1)
    at = ctx.local_reference().astimezone(UTC) - count * unit  # elapsed time, not wall clock
    rule = f"'{m[0]}' from the reference {ctx.describe()}"
    return _reading(m, When(at, at, TimePrecision.EXACT), rule, LIKELY)


def _i(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Tried in this order; a later pattern never reads words an earlier one has read. Phrases
# relative to the reference come last and without a reference are only noted.
def _day_range(m: re.Match[str], ctx: _Context) -> _Reading | str:
    """`2-3 March 2025`, `between 2 and 3 March 2025`, `the night of 2 to 3 March 2025`: the
    whole of both days, never only the last."""
    last = _date_of(m, int(m["year"]))
    if last is None or not 1 <= int(m["first"]) < last.day:
        return f"'{m[0]}' looks like a range of days but is not one; it was ignored"
    first = last.replace(day=int(m["first"]))
    start = start_of_day(first, ctx.zone)
    value = When(start, add_days(start_of_day(last, ctx.zone), 1, ctx.zone), TimePrecision.DAY)
    return _reading(m, value, "a range of days written in full: all of them", CERTAIN)


_DAY_RANGE = (
    r"(?:\b(?:between|from|the night of|night of)\s+)?(?<!\d)(?P<first>[0-3]?\d)(?:st|nd|rd|th)?"
    r"\s*(?:-|–|and|to)\s*" + _DAY + r"(?:\s+of)?\s+" + _MON + _YEAR
)
_READERS: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (_ISO_MOMENT, _iso_moment),
    (_i(_DAY_RANGE), _day_range),
    (_i(_DMY + _YEAR), _absolute("a date written in full")),
    (_i(_MDY + _YEAR), _absolute("a date written in full, month first")),
    (_i(r"(?<!\d)(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)"), _absolute("an ISO date")),
    (
        _i(r"(?<![\d./])(?P<day>\d{1,2})(?P<sep>[./])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})\b"),
        _absolute("a numeric date read day first, European style (09.10.2018 is 9 October)"),
    ),
    (_i(rf"\b(?P<month>{_alt(_EN.split())})\s+(?P<year>\d{{4}})\b"), _month),
    (_i(_DMY), _yearless),
    (_i(_MDY), _yearless),
)
_RELATIVE: tuple[tuple[re.Pattern[str], _Reader], ...] = (
    (
        _i(
            r"(?<!\w)(?:(?:the\s+)?day\s+before\s+yesterday|yesterday|today|позавчора|позавчера"
            r"|вчора|учора|вчера|сьогодні|сегодня)(?!\w)"
        ),
        _days_back,
    ),
    (_i(r"\b(?:last\s+night|overnight|this\s+(?:morning|afternoon|evening))\b"), _part_of_day),
    (_i(rf"\b(?:on\s+|(?=last\s))(?:last\s+)?(?P<weekday>{_alt(_WEEKDAYS)})\b"), _weekday),
    (_i(rf"\b(?P<n>\d{{1,3}}|{_alt(_NUMBERS)})\s+(?P<unit>hours?|minutes?|mins?)\s+ago\b"), _ago),
)


def find_when(
    text: str, *, reference: datetime | None, zone: tzinfo
) -> tuple[Found[When] | None, list[Flag]]:
    """Read when the event in `text` happened; what the text does not settle becomes a flag.

    Reports lead with the event, so the first phrase in reading order is taken; any other date or
    time lowers the confidence and is named, since a later one is often when it was reported.
    """
    if reference is not None and reference.utcoffset() is None:
        raise ValueError("the reference time must be timezone-aware")
    ctx = _Context(reference, zone)
    flags: list[Flag] = []
    taken: list[Span] = []
    readings = _readings(text, ctx, flags, taken)
    clocks = _clocks(text, taken)
    if readings:
        found = _from_readings(readings, clocks, ctx, flags)
    else:
        found = _from_clocks(clocks, ctx, flags)
    if found is None and not flags:
        flags.append(Flag(FIELD, "no date or time in the text; enter when it happened by hand"))
    if found and reference and found.value.start > reference + timedelta(days=1):
        at = f"{found.value.start:%Y-%m-%d %H:%M} UTC"
        reason = f"{at} is after the reference time {ctx.describe()}: check the date or reference"
        flags.append(Flag(FIELD, reason))
    return found, flags


def _overlaps(span: Span, taken: Iterable[Span]) -> bool:
    return any(span.start < other.end and other.start < span.end for other in taken)


def _readings(text: str, ctx: _Context, flags: list[Flag], taken: list[Span]) -> list[_Reading]:
    """Every date phrase once: a span read by an earlier, stricter pattern is not read again."""
    readings: list[_Reading] = []
    for pattern, read in (*_READERS, *_RELATIVE):
        for m in pattern.finditer(text):
            span = Span(m.start(), m.end())
            if _overlaps(span, taken):
                continue
            relative = (pattern, read) in _RELATIVE
            reading = _unresolved(m) if relative and ctx.reference is None else read(m, ctx)
            if isinstance(reading, str):
                flags.append(Flag(FIELD, reading))
            if reading is not None:
                taken.append(span)
            if isinstance(reading, _Reading):
                readings.append(reading)
    return sorted(readings, key=lambda r: r.span)


def _clock_time(m: re.Match[str], tag: str) -> time | None:
    """Bare numbers ("12 explosions", "3-5 km") carry neither minutes nor am/pm: not times."""
    hour, minutes, half = int(m[f"{tag}h"]), m[f"{tag}m"], m[f"{tag}ap"]
    if minutes is None and half is None:
        return None
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.lower() == "p" else 0)
    return time(hour, int(minutes or 0))


def _clocks(text: str, taken: list[Span]) -> list[_Clock]:
    """Times of day outside the date phrases; a window is read before its two ends alone."""
    clocks: list[_Clock] = []
    for pattern in (*_WINDOWS, _SINGLE):
        for m in pattern.finditer(text):
            span = Span(m.start(), m.end())
            start = _clock_time(m, "a")
            end = _clock_time(m, "b") if pattern is not _SINGLE else None
            if start is None or (end is None and pattern is not _SINGLE):
                continue
            if not _overlaps(span, taken + [c.span for c in clocks]):
                named = _ZONE_AFTER.match(text, m.end())
                if named is not None:
                    span = Span(span.start, named.end())
                zone = _zone_named(named["zone"]) if named else None
                clocks.append(_Clock(span, text[span.start : span.end], start, end, zone))
    return sorted(clocks, key=lambda c: c.span)


def _nearest(clock: _Clock, readings: list[_Reading]) -> _Reading:
    """A time belongs to the date phrase closest to it, before or after."""

    def distance(reading: _Reading) -> int:
        return max(reading.span.start - clock.span.end, clock.span.start - reading.span.end, 0)

    return min(readings, key=distance)


def _from_readings(
    readings: list[_Reading], clocks: list[_Clock], ctx: _Context, flags: list[Flag]
) -> Found[When] | None:
    """The first date that can be read, with the time nearest it; the rest are named."""
    usable = [r for r in readings if r.found is not None]
    if not usable:
        flags.extend(Flag(FIELD, r.problem) for r in readings)
        return None
    chosen = usable[0]
    assert chosen.found is not None
    own = [c for c in clocks if _nearest(c, readings) is chosen]
    takes_clock = chosen.found.value.precision is TimePrecision.DAY
    used = own[0] if own and takes_clock else None
    found = chosen.found if used is None else _with_clock(chosen, used, ctx, flags)
    other_dates = [
        r.words for r in readings if r.found is None or r.found.value != chosen.found.value
    ]
    other_times = [
        c.words for c in own if used is None or (c.start, c.end) != (used.start, used.end)
    ]
    return _capped(found, other_dates, other_times, flags)


def _with_clock(reading: _Reading, clock: _Clock, ctx: _Context, flags: list[Flag]) -> Found[When]:
    """A day with a time is a moment; a part of a day with a time is the moment within it."""
    assert reading.found is not None
    day = reading.day if reading.day is not None else _latest_day(clock, ctx)
    window = _clock_on(day, clock, clock.zone or ctx.zone)
    if window is None:
        flags.append(_clock_change_flag(clock, day, ctx.zone))
        return reading.found
    value, part = When(*window, TimePrecision.EXACT), reading.found.value
    if reading.day is None and not part.start <= value.start <= part.end:
        flags.append(Flag(FIELD, f"'{clock.words}' is not in '{reading.words}': kept the latter"))
        return reading.found
    span = Span(min(reading.span.start, clock.span.start), max(reading.span.end, clock.span.end))
    rule = f"{reading.found.rule}, with the time of day '{clock.words}'"
    confidence = reading.found.confidence if reading.day is not None else LIKELY
    return Found(value, span, rule, confidence)


def _from_clocks(clocks: list[_Clock], ctx: _Context, flags: list[Flag]) -> Found[When] | None:
    """A time with no date is most likely the last time the clock showed it before the report."""
    if not clocks:
        return None
    clock = clocks[0]
    if ctx.reference is None:
        reason = f"a time of day ('{clock.words}') but no date and no reference time: {_SETTLE}"
        flags.append(Flag(FIELD, reason))
        return None
    day = _latest_day(clock, ctx)
    which = "the reference day" if day == ctx.local_reference().date() else "the day before it"
    rule = (
        f"time of day on {which} (the latest {clock.start:%H:%M} not after the reference "
        f"{ctx.describe()})"
    )
    window = _clock_on(day, clock, clock.zone or ctx.zone)
    if window is None:
        flags.append(_clock_change_flag(clock, day, ctx.zone))
        found = Found(_day(day, ctx.zone), clock.span, f"{rule}; only the day", PLAUSIBLE)
    else:
        found = Found(When(*window, TimePrecision.EXACT), clock.span, rule, LIKELY)
    others = [c.words for c in clocks[1:] if (c.start, c.end) != (clock.start, clock.end)]
    return _capped(found, [], others, flags)


def _latest_day(clock: _Clock, ctx: _Context) -> date:
    """The reference day if the time has already come on it, else the day before."""
    local = ctx.local_reference()
    return local.date() - timedelta(days=1 if clock.start > local.time() else 0)


def _clock_on(day: date, clock: _Clock, zone: tzinfo) -> tuple[datetime, datetime] | None:
    """The clock's start (and end, the next day if it is earlier) on `day`, or None if the
    clocks skip or repeat either."""
    start = _local(day, clock.start, zone)
    if clock.end is None:
        return None if start is None else (start, start)
    end_day = day + timedelta(days=1) if clock.end < clock.start else day
    end = _local(end_day, clock.end, zone)
    return None if start is None or end is None else (start, end)


def _local(day: date, at: time, zone: tzinfo) -> datetime | None:
    """As `timeparse._localize`: a wall-clock time shown twice or never is not a moment."""
    first = datetime.combine(day, at, tzinfo=zone)
    if first.utcoffset() != first.replace(fold=1).utcoffset():
        return None
    back = first.astimezone(UTC).astimezone(zone)
    return first.astimezone(UTC) if (back.date(), back.time()) == (day, at) else None


def _clock_change_flag(clock: _Clock, day: date, zone: tzinfo) -> Flag:
    clash = f"'{clock.words}' on {day} is skipped or repeated by a clock change in {zone}"
    return Flag(FIELD, f"{clash}: kept only the day; its UTC offset would place it")


def _capped(
    found: Found[When], other_dates: list[str], other_times: list[str], flags: list[Flag]
) -> Found[When]:
    """Another date or time in the text may be the event's, so the first is no more than
    likely."""
    for kind, others in (("dates", other_dates), ("times", other_times)):
        if others:
            listed = ", ".join(f"'{words}'" for words in dict.fromkeys(others))
            reason = f"other {kind} in the text ({listed}): took the first; check it is the event's"
            flags.append(Flag(FIELD, reason))
    if other_dates or other_times:
        return replace(found, confidence=min(found.confidence, LIKELY))
    return found
