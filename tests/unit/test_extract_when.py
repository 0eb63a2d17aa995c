"""Reading when an event happened from report prose, against a reference time and a zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.extraction.found import CERTAIN, LIKELY, PLAUSIBLE, Found
from ceasefire.domain.extraction.when import When, find_when
from ceasefire.domain.reports import TimePrecision
from ceasefire.domain.timeparse import add_days, start_of_day

KYIV = ZoneInfo("Europe/Kyiv")
# Thursday 5 February 2026, 19:30 in Kyiv (UTC+2 in winter).
REF = datetime(2026, 2, 5, 17, 30, tzinfo=UTC)
ACLED = "On 9 October 2018, NAF rebel forces fired at UAF positions near Stanytsia Luhanska."
OSCE = "At 14:35, while in Zolote, the patrol heard 12 undetermined explosions 3-5 km south-west."
# 9 October 2018 in Kyiv, summer time (UTC+3).
OCT9 = (datetime(2018, 10, 8, 21, tzinfo=UTC), datetime(2018, 10, 9, 21, tzinfo=UTC))
UK_MONTHS = "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня"
RU_MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
EN_MONTHS = [
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
]  # fmt: skip


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def read(text: str, reference: datetime | None = REF) -> tuple[Found[When], list[str]]:
    found, flags = find_when(text, reference=reference, zone=KYIV)
    assert found is not None, flags
    assert all(flag.field == "observed_start" for flag in flags)
    return found, [flag.reason for flag in flags]


def refused(text: str, reference: datetime | None = REF) -> list[str]:
    found, flags = find_when(text, reference=reference, zone=KYIV)
    assert found is None
    assert flags
    return [flag.reason for flag in flags]


# 1. Absolute dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "evidence", "rule_words"),
    [
        (ACLED, "9 October 2018", "in full"),
        ("Shelling was reported on 9 Oct 2018 near Avdiivka.", "9 Oct 2018", "in full"),
        ("On October 9, 2018, shelling hit Marinka.", "October 9, 2018", "month first"),
        ("On the 9th of October 2018 the SMM heard shots.", "9th of October 2018", "in full"),
        ("Event date 2018-10-09: artillery near Shchastia.", "2018-10-09", "ISO"),
        ("Date: 09.10.2018. Mortar fire near Zaitseve.", "09.10.2018", "day first"),
        ("Date: 09/10/2018. Mortar fire near Zaitseve.", "09/10/2018", "day first"),
        ("On Tuesday, 9 October 2018, the SMM saw craters.", "Tuesday, 9 October 2018", "full"),
    ],
)
def test_an_absolute_date_is_the_whole_local_day(text: str, evidence: str, rule_words: str) -> None:
    for reference in (REF, None):
        found, flags = read(text, reference)
        assert (found.value.start, found.value.end) == OCT9
        assert found.value.precision is TimePrecision.DAY
        assert found.span.of(text) == evidence
        assert rule_words in found.rule
        assert found.confidence == CERTAIN
        assert flags == []


def test_a_weekday_that_does_not_match_the_date_lowers_confidence() -> None:
    found, _ = read("On Monday, 9 October 2018, shelling near Stanytsia Luhanska.")
    assert (found.value.start, found.value.end) == OCT9
    assert "Tuesday, not a Monday" in found.rule
    assert found.confidence == PLAUSIBLE


def test_a_date_that_does_not_exist_is_flagged_not_read() -> None:
    (reason,) = refused("On 31 February 2024 the patrol heard explosions.")
    assert "'31 February 2024'" in reason
    assert "not a real" in reason


def test_an_iso_time_with_an_offset_keeps_its_offset() -> None:
    text = "Logged 2018-10-09T14:35Z: two explosions near Zolote."
    found, flags = read(text)
    assert found.value.start == found.value.end == utc(2018, 10, 9, 14, 35)
    assert found.value.precision is TimePrecision.EXACT
    assert found.span.of(text) == "2018-10-09T14:35Z"
    assert flags == []


def test_a_month_and_year_is_the_whole_month() -> None:
    text = "In October 2024, shelling intensified near Pokrovsk."
    found, _ = read(text)
    assert found.value.start == utc(2024, 9, 30, 21)  # 1 October, summer time
    assert found.value.end == utc(2024, 10, 31, 22)  # 1 November, winter time
    assert found.value.precision is TimePrecision.MONTH
    assert found.span.of(text) == "October 2024"


# 2. Day and month without a year -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("On 9 October, NAF forces fired at UAF positions.", date(2025, 10, 9)),
        ("On 4 February, NAF forces fired at UAF positions.", date(2026, 2, 4)),
        ("On 6 February, NAF forces fired at UAF positions.", date(2026, 2, 6)),  # a day after
        ("On 7 February, NAF forces fired at UAF positions.", date(2025, 2, 7)),
        ("On February 4, NAF forces fired at UAF positions.", date(2026, 2, 4)),
    ],
)
def test_a_date_without_a_year_takes_the_year_before_the_reference(text: str, day: date) -> None:
    found, flags = read(text)
    assert found.value.start == start_of_day(day, KYIV)
    assert found.value.end == add_days(found.value.start, 1, KYIV)
    assert found.value.precision is TimePrecision.DAY
    assert found.span.of(text) == text.split(",")[0].removeprefix("On ")
    assert found.confidence == LIKELY
    assert str(day.year) in found.rule
    assert "2026-02-05 19:30 Europe/Kyiv" in found.rule
    assert flags == []


def test_a_date_without_a_year_and_no_reference_is_not_guessed() -> None:
    (reason,) = refused("On 9 October, NAF forces fired at UAF positions.", None)
    assert "'9 October'" in reason
    assert "no year" in reason
    assert "--reference-time" in reason


def test_lower_case_may_after_a_number_is_the_verb() -> None:
    (reason,) = refused("Officials said 3 may have been wounded.")
    assert reason.startswith("no date or time")


# 3. Times ----------------------------------------------------------------------------------


def test_a_time_alone_is_the_latest_such_time_before_the_reference() -> None:
    found, flags = read(OSCE)
    assert found.value.start == found.value.end == utc(2026, 2, 5, 12, 35)
    assert found.value.precision is TimePrecision.EXACT
    assert found.span.of(OSCE) == "14:35"
    assert found.confidence == LIKELY
    assert "the latest 14:35 not after the reference 2026-02-05 19:30 Europe/Kyiv" in found.rule
    assert flags == []


def test_a_time_later_than_the_reference_means_the_day_before() -> None:
    found, _ = read("At 21:00 the SMM heard bursts of small-arms fire near Svitlodarsk.")
    assert found.value.start == utc(2026, 2, 4, 19)
    assert "day before" in found.rule


def test_a_twelve_hour_time() -> None:
    text = "At 2:35 pm the patrol heard an explosion near Popasna."
    found, _ = read(text)
    assert found.value.start == utc(2026, 2, 5, 12, 35)
    assert found.span.of(text) == "2:35 pm"


def test_a_window_alone_and_an_hour_with_am() -> None:
    text = "From 06:10 to 06:40 the patrol heard bursts; at 9 am it saw a crater."
    found, flags = read(text)
    assert found.value.start == utc(2026, 2, 5, 4, 10)
    assert found.value.end == utc(2026, 2, 5, 4, 40)
    assert found.span.of(text) == "From 06:10 to 06:40"
    assert any("'9 am'" in flag for flag in flags)


def test_a_time_without_date_or_reference_is_not_guessed() -> None:
    (reason,) = refused(OSCE, None)
    assert "'14:35'" in reason
    assert "--reference-time" in reason


def test_a_date_and_a_time_are_one_exact_moment() -> None:
    text = "On 9 October 2018 at 14:35, NAF forces fired at UAF positions near Stanytsia Luhanska."
    found, flags = read(text, None)
    assert found.value.start == found.value.end == utc(2018, 10, 9, 11, 35)
    assert found.value.precision is TimePrecision.EXACT
    assert found.confidence == CERTAIN
    assert found.span.of(text) == "9 October 2018 at 14:35"
    assert "14:35" in found.rule
    assert "in full" in found.rule
    assert flags == []


def test_a_time_before_its_date_is_spanned_from_the_first_word() -> None:
    text = "At 14:35 on 9 October 2018 the patrol heard 12 explosions 3-5 km south-west."
    found, _ = read(text)
    assert found.value.start == utc(2018, 10, 9, 11, 35)
    assert found.span.of(text) == "14:35 on 9 October 2018"


def test_a_window_has_a_start_and_an_end() -> None:
    text = "On 9 October 2018, between 19:40 and 20:15, the SMM heard 30 explosions near Zolote."
    found, _ = read(text)
    assert found.value.start == utc(2018, 10, 9, 16, 40)
    assert found.value.end == utc(2018, 10, 9, 17, 15)
    assert found.value.precision is TimePrecision.EXACT
    assert found.span.of(text) == "9 October 2018, between 19:40 and 20:15"


def test_a_window_over_midnight_ends_the_next_day() -> None:
    text = "On 9 October 2018, from 23:40 to 00:15, the SMM heard shelling near Horlivka."
    found, _ = read(text)
    assert found.value.start == utc(2018, 10, 9, 20, 40)
    assert found.value.end == utc(2018, 10, 9, 21, 15)


def test_a_time_the_clocks_skip_keeps_only_the_day() -> None:
    # Kyiv moved from 03:00 to 04:00 on 29 March 2026; 03:30 never happened.
    found, flags = read("On 29 March 2026 at 03:30 the patrol heard an explosion.", None)
    assert found.value.precision is TimePrecision.DAY
    assert found.value.start == start_of_day(date(2026, 3, 29), KYIV)
    assert any("clock change" in flag and "Europe/Kyiv" in flag for flag in flags)


def test_a_time_the_clocks_repeat_keeps_only_the_day() -> None:
    # Kyiv moved back from 04:00 to 03:00 on 25 October 2026; 03:30 happened twice.
    found, flags = read("On 25 October 2026 at 03:30 the patrol heard an explosion.", None)
    assert found.value.precision is TimePrecision.DAY
    assert any("clock change" in flag for flag in flags)


# 4. Relative to the reference --------------------------------------------------------------


@pytest.mark.parametrize(
    ("phrase", "start", "end", "precision", "confidence"),
    [
        ("today", utc(2026, 2, 4, 22), utc(2026, 2, 5, 22), TimePrecision.DAY, LIKELY),
        ("yesterday", utc(2026, 2, 3, 22), utc(2026, 2, 4, 22), TimePrecision.DAY, LIKELY),
        (
            "the day before yesterday",
            utc(2026, 2, 2, 22),
            utc(2026, 2, 3, 22),
            TimePrecision.DAY,
            LIKELY,
        ),
        ("last night", utc(2026, 2, 4, 16), utc(2026, 2, 5, 4), TimePrecision.DAY, PLAUSIBLE),
        ("overnight", utc(2026, 2, 4, 16), utc(2026, 2, 5, 4), TimePrecision.DAY, PLAUSIBLE),
        ("this morning", utc(2026, 2, 5, 4), utc(2026, 2, 5, 10), TimePrecision.DAY, PLAUSIBLE),
        ("on Tuesday", utc(2026, 2, 2, 22), utc(2026, 2, 3, 22), TimePrecision.DAY, LIKELY),
        ("last Tuesday", utc(2026, 2, 2, 22), utc(2026, 2, 3, 22), TimePrecision.DAY, LIKELY),
        ("on Thursday", utc(2026, 1, 28, 22), utc(2026, 1, 29, 22), TimePrecision.DAY, LIKELY),
        ("two hours ago", utc(2026, 2, 5, 15, 30), utc(2026, 2, 5, 15, 30),
         TimePrecision.EXACT, LIKELY),
        ("30 minutes ago", utc(2026, 2, 5, 17), utc(2026, 2, 5, 17), TimePrecision.EXACT, LIKELY),
    ],
)  # fmt: skip
def test_a_relative_phrase_is_read_from_the_reference(
    phrase: str, start: datetime, end: datetime, precision: TimePrecision, confidence: float
) -> None:
    text = f"Residents said shelling hit Avdiivka {phrase}, damaging two houses."
    found, flags = read(text)
    assert (found.value.start, found.value.end, found.value.precision) == (start, end, precision)
    assert found.span.of(text) == phrase
    assert found.confidence == confidence
    assert "2026-02-05 19:30 Europe/Kyiv" in found.rule
    assert flags == []
    (reason,) = refused(text, None)
    assert f"'{phrase}'" in reason
    assert "--reference-time" in reason


def test_yesterday_with_a_time_is_that_moment() -> None:
    text = "Yesterday at 22:10 the SMM heard four explosions near Donetsk airport."
    found, _ = read(text)
    assert found.value.start == utc(2026, 2, 4, 20, 10)
    assert found.value.precision is TimePrecision.EXACT
    assert found.span.of(text) == "Yesterday at 22:10"


def test_last_night_with_a_time_is_that_moment_within_the_night() -> None:
    text = "Last night at 23:10 the patrol heard heavy-machine-gun fire."
    found, _ = read(text)
    assert found.value.start == utc(2026, 2, 4, 21, 10)
    assert found.confidence == LIKELY


# 5-6. Several dates, dates after the reference ---------------------------------------------


def test_of_several_dates_the_first_is_taken_and_the_others_named() -> None:
    text = "On 10 March 2024, shelling damaged a school in Toretsk [reported on 12 March]."
    for reference in (REF, None):
        found, flags = read(text, reference)
        assert found.value.start == start_of_day(date(2024, 3, 10), KYIV)
        assert found.span.of(text) == "10 March 2024"
        assert found.confidence == LIKELY
        assert any("'12 March'" in flag for flag in flags)


def test_without_a_reference_a_later_absolute_date_is_taken_and_the_relative_one_named() -> None:
    text = "Yesterday, NAF forces fired at UAF positions (incident of 9 October 2018)."
    found, flags = read(text, None)
    assert (found.value.start, found.value.end) == OCT9
    assert found.confidence == LIKELY
    assert any("'Yesterday'" in flag for flag in flags)


def test_the_same_date_twice_is_one_date() -> None:
    found, flags = read("On 9 October 2018 ... Later on 9 October 2018 the SMM returned.")
    assert found.confidence == CERTAIN
    assert flags == []


def test_of_several_times_the_first_is_taken_and_the_others_named() -> None:
    found, flags = read("At 14:35 the patrol heard 3 explosions and at 15:10 two more.")
    assert found.value.start == utc(2026, 2, 5, 12, 35)
    assert any("'15:10'" in flag for flag in flags)


def test_a_date_after_the_reference_is_kept_and_flagged() -> None:
    found, flags = read("On 9 October 2030, NAF forces fired at UAF positions.")
    assert found.value.start == start_of_day(date(2030, 10, 9), KYIV)
    assert any("after the reference time 2026-02-05 19:30" in flag for flag in flags)


# 7. Ukrainian and Russian ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "name"),
    [(n, name) for names in (UK_MONTHS, RU_MONTHS) for n, name in enumerate(names.split(), 1)],
)
def test_cyrillic_month_names(month: int, name: str) -> None:
    for written in (name, name.upper()):
        text = f"Обстріл 5 {written} 2026 року біля Торецька."
        found, _ = read(text, None)
        assert found.value.start == start_of_day(date(2026, month, 5), KYIV)
        assert found.span.of(text).startswith(f"5 {written} 2026")
        assert ("Ukrainian" if name in UK_MONTHS else "Russian") in found.rule


@pytest.mark.parametrize(
    "text", ["Обстріл 5 лютого 2026 о 14:35 біля Торецька.", "Обстрел 5 февраля 2026 в 14:35."]
)
def test_cyrillic_date_and_time(text: str) -> None:
    found, _ = read(text, None)
    assert found.value.start == utc(2026, 2, 5, 12, 35)
    assert found.span.of(text).endswith("14:35")
    assert found.confidence == CERTAIN


# 8. Nothing, and numbers that are not dates ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The patrol heard 12 undetermined explosions 3-5 km south-west of Zolote.",
        "The SMM saw four 152mm artillery pieces and a 2S19 near Kalynove, 12.5 km away.",
    ],
)
def test_numbers_that_are_not_dates_give_nothing(text: str) -> None:
    for reference in (REF, None):
        (reason,) = refused(text, reference)
        assert reason.startswith("no date or time in the text")


def test_a_naive_reference_is_an_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        find_when(ACLED, reference=datetime(2026, 2, 5, 19, 30), zone=KYIV)  # noqa: DTZ001


# Properties --------------------------------------------------------------------------------

ZONES = [KYIV, ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Lord_Howe")]


@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    zone=st.sampled_from(ZONES),
    language=st.sampled_from([EN_MONTHS, UK_MONTHS.split(), RU_MONTHS.split()]),
)
def test_any_written_date_is_its_local_day(day: date, zone: ZoneInfo, language: list[str]) -> None:
    text = f"On {day.day} {language[day.month - 1]} {day.year}, shelling was reported."
    found, flags = find_when(text, reference=None, zone=zone)
    assert found is not None
    assert found.value.start == start_of_day(day, zone)
    assert found.value.end == start_of_day(day + timedelta(days=1), zone)
    assert flags == []


@given(
    reference=st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
        max_value=datetime(2050, 1, 1),  # noqa: DTZ001
    ),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    zone=st.sampled_from(ZONES),
)
def test_a_time_alone_is_before_the_reference_and_within_a_day(
    reference: datetime, hour: int, minute: int, zone: ZoneInfo
) -> None:
    reference = reference.replace(tzinfo=UTC)
    text = f"At {hour:02}:{minute:02} the patrol heard 4 explosions."
    found, flags = find_when(text, reference=reference, zone=zone)
    assert found is not None
    if found.value.precision is TimePrecision.DAY:  # a time the clocks skip or repeat
        assert any("clock change" in flag.reason for flag in flags)
        return
    local = found.value.start.astimezone(zone)
    assert (local.hour, local.minute) == (hour, minute)
    assert found.value.start <= reference
    wall = reference.astimezone(zone).replace(tzinfo=None) - local.replace(tzinfo=None)
    assert timedelta(0) <= wall < timedelta(hours=24)
    assert reference - found.value.start < timedelta(hours=25)
