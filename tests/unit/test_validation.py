"""Validation: every rule of the import schema, each with the message a user sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ceasefire.domain.reports import GeoPrecision, TimePrecision
from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import Accepted, FieldError, IngestRules, parse_report

BASE: dict[str, Any] = {
    "source_id": "smm-p7",
    "source_kind": "monitor_patrol",
    "observed_start": "2025-04-20T14:35+03:00",
    "lon": "37.9512",
    "lat": "48.3011",
    "category": "explosion",
}


def accept(rules: IngestRules, **changes: Any) -> Accepted:
    result = parse_report(BASE | changes, rules)
    assert isinstance(result, Accepted), result
    return result


def errors(rules: IngestRules, **changes: Any) -> dict[str, str]:
    fields = {k: v for k, v in (BASE | changes).items() if v is not None}
    result = parse_report(fields, rules)
    assert isinstance(result, list), f"expected rejection, got {result}"
    return {e.field: e.reason for e in result}


def test_minimal_report_gets_documented_defaults(rules: IngestRules) -> None:
    report = accept(rules).report
    assert report.observed_start == datetime(2025, 4, 20, 11, 35, tzinfo=UTC)
    assert report.observed_end == report.observed_start
    assert report.time_precision is TimePrecision.EXACT
    assert report.geo_precision is GeoPrecision.EXACT
    assert report.uncertainty_m == 1_000
    assert report.category is Category.EXPLOSION
    assert report.received_at == rules.now
    assert report.external_id.startswith("sha256:")


def test_same_content_without_external_id_gets_same_identity(rules: IngestRules) -> None:
    first, second = accept(rules), accept(rules)
    assert first.report.report_id == second.report.report_id
    assert accept(rules, text="other").report.report_id != first.report.report_id


def test_date_only_start_is_that_whole_local_day(rules: IngestRules) -> None:
    report = accept(rules, observed_start="2025-04-20").report
    assert report.time_precision is TimePrecision.DAY
    assert report.observed_start == datetime(2025, 4, 19, 21, 0, tzinfo=UTC)
    assert report.observed_end == datetime(2025, 4, 20, 21, 0, tzinfo=UTC)


def test_date_only_end_includes_that_day(rules: IngestRules) -> None:
    report = accept(rules, observed_start="2025-04-18", observed_end="2025-04-20").report
    assert report.observed_end - report.observed_start == timedelta(days=3)


@pytest.mark.parametrize(
    ("precision", "length"),
    [("week", timedelta(days=7)), ("month", timedelta(days=30))],
)
def test_coarse_precision_widens_window(
    rules: IngestRules, precision: str, length: timedelta
) -> None:
    report = accept(rules, observed_start="2025-04-01", time_precision=precision).report
    assert report.observed_end - report.observed_start == length


def test_lat_out_of_range_says_swapped(rules: IngestRules) -> None:
    problems = errors(rules, lon="48.3", lat="137.9")
    assert "look swapped" in problems["lat"]


def test_swap_inside_range_caught_by_area_of_interest(rules: IngestRules) -> None:
    problems = errors(rules, lon="48.3011", lat="37.9512")
    assert "look swapped" in problems["lon/lat"]
    assert "area of interest" in problems["lon/lat"]


def test_point_outside_area_but_not_swapped_is_accepted(rules: IngestRules) -> None:
    assert accept(rules, lon="13.4", lat="52.5").report.lon == 13.4


def test_missing_coordinates_and_place(rules: IngestRules) -> None:
    problems = errors(rules, lon=None, lat=None)
    assert problems == {"lon/lat": "missing: give coordinates (lon, lat) or a place name"}


def test_place_name_alone_is_enough(rules: IngestRules) -> None:
    report = accept(rules, lon=None, lat=None, place="Horlivka").report
    assert report.lon is None
    assert report.place == "Horlivka"


def test_one_coordinate_missing(rules: IngestRules) -> None:
    assert "give both" in errors(rules, lat=None)["lat"]


@pytest.mark.parametrize(
    ("lon", "reason"),
    [("237.9", "out of range"), ("east", "not a number"), ("nan", "not a number")],
)
def test_bad_longitude(rules: IngestRules, lon: str, reason: str) -> None:
    assert reason in errors(rules, lon=lon)["lon"]


def test_future_beyond_skew_is_rejected(rules: IngestRules) -> None:
    soon = (rules.now + timedelta(minutes=4)).isoformat()
    later = (rules.now + timedelta(minutes=6)).isoformat()
    accept(rules, observed_start=soon)
    assert "in the future" in errors(rules, observed_start=later)["observed_start"]


def test_end_before_start(rules: IngestRules) -> None:
    problems = errors(rules, observed_end="2025-04-20T14:00+03:00")
    assert "before observed_start" in problems["observed_end"]


def test_unknown_category_lists_valid_ones(rules: IngestRules) -> None:
    reason = errors(rules, category="bombardment")["category"]
    assert "'bombardment'" in reason
    assert "explosion" in reason
    assert "movement_restriction" in reason


def test_not_iso_time(rules: IngestRules) -> None:
    assert "ISO 8601" in errors(rules, observed_start="20.04.2025 14:35")["observed_start"]


def test_all_errors_of_a_record_are_reported_together(rules: IngestRules) -> None:
    problems = errors(
        rules, source_kind="rumour", explosions="-1", category=None, bearing_deg="400"
    )
    assert set(problems) == {"source_kind", "explosions", "category", "bearing_deg"}


def test_counts_casualties_and_lists(rules: IngestRules) -> None:
    report = accept(
        rules,
        explosions="12",
        shots=3.0,
        civilians_killed="1",
        injured="2",
        links="https://a.example/1 | https://a.example/2",
        attachments=["9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"],
        alleged_party="ru",
    ).report
    assert (report.explosions, report.shots) == (12, 3)
    assert (report.killed, report.civilians_killed, report.injured) == (1, 1, 2)
    assert report.links == ("https://a.example/1", "https://a.example/2")
    assert report.attachments[0].startswith("9f86")
    assert report.alleged_party == "RU"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"killed": "1", "civilians_killed": "2"}, "civilians_killed"),
        ({"distance_min_m": "5000", "distance_max_m": "3000"}, "distance_max_m"),
        ({"links": "ftp://x"}, "links"),
        ({"attachments": "abc"}, "attachments"),
        ({"alleged_party": "Russian army"}, "alleged_party"),
        ({"source_id": "bad id!"}, "source_id"),
        ({"explosions": "2.5"}, "explosions"),
        ({"explosions": True}, "explosions"),
    ],
)
def test_field_rules(rules: IngestRules, changes: dict[str, Any], field: str) -> None:
    assert field in errors(rules, **changes)


def test_field_error_reads_as_field_then_reason() -> None:
    assert str(FieldError("lat", "missing")) == "lat: missing"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("20250420", "not an ISO 8601 time"),
        ("2025-W16", "not an ISO 8601 time"),
        ("2025-04-20T14", "not an ISO 8601 time"),
        ("0001-01-01", "outside 1900-2100"),
        ("9999-12-31T00:00Z", "outside 1900-2100"),
        ("2025-02-30", "not a valid date"),
        ("2025-03-30T03:30", "does not exist"),  # Kyiv springs forward 03:00 -> 04:00
        ("2025-10-26T03:30", "ambiguous"),  # Kyiv falls back 04:00 -> 03:00
    ],
)
def test_times_that_would_be_misread_are_refused(
    rules: IngestRules, value: str, reason: str
) -> None:
    assert reason in errors(rules, observed_start=value)["observed_start"]


def test_the_same_local_times_with_an_offset_are_fine(rules: IngestRules) -> None:
    report = accept(rules, observed_start="2025-10-26T03:30+02:00").report
    assert report.observed_start == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)


def test_week_precision_is_seven_local_days_across_a_clock_change(rules: IngestRules) -> None:
    report = accept(rules, observed_start="2025-03-28", time_precision="week").report
    assert report.observed_end == datetime(2025, 4, 3, 21, 0, tzinfo=UTC)  # midnight, +03:00


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"explosions": "3000000000"}, "explosions", "too large"),
        ({"uncertainty_m": str(10**23)}, "uncertainty_m", "too large"),
        ({"text": "a\x00b"}, "text", "NUL"),
        ({"links": ["https://a.example/\x00"]}, "links", "NUL"),
    ],
)
def test_values_no_database_can_hold_are_refused(
    rules: IngestRules, changes: dict[str, Any], field: str, reason: str
) -> None:
    assert reason in errors(rules, **changes)[field]
