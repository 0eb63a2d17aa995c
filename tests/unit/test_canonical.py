"""Canonical encoding: a report survives the round trip through its log payload unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.canonical import canonical_json, report_content, report_from_content
from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import Accepted, IngestRules, parse_report

from ..conftest import NOW

RULES = IngestRules(now=NOW, zone=UTC)

fields = st.fixed_dictionaries(
    {
        "source_id": st.just("s1"),
        "source_kind": st.sampled_from(["sensor", "monitor_patrol"]),
        "external_id": st.text("abc123", min_size=1, max_size=8),
        "observed_start": st.datetimes(
            min_value=datetime(2014, 1, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
            max_value=datetime(2026, 1, 1),  # noqa: DTZ001
            timezones=st.just(UTC),
        ).map(lambda d: d.isoformat()),
        "lon": st.floats(22.0, 41.5),
        "lat": st.floats(44.0, 53.0),
        "category": st.sampled_from([c.value for c in Category]),
        "explosions": st.integers(0, 500),
        "text": st.text(st.characters(exclude_characters="\x00"), max_size=40),
        "bearing_deg": st.one_of(st.none(), st.floats(0, 359.9)),
    }
)


@given(fields)
def test_round_trip_through_payload(values: dict[str, Any]) -> None:
    result = parse_report(values, RULES)
    assert isinstance(result, Accepted)
    report = result.report
    payload = canonical_json(report_content(report))
    rebuilt = report_from_content(json.loads(payload), report.received_at)
    assert rebuilt == report
    assert canonical_json(report_content(rebuilt)) == payload


def test_encoding_is_independent_of_the_zone_a_time_was_given_in() -> None:
    base = {
        "source_id": "s",
        "source_kind": "sensor",
        "lon": 37.0,
        "lat": 48.0,
        "category": "explosion",
    }
    utc = parse_report(base | {"observed_start": "2025-04-20T11:35Z"}, RULES)
    kyiv = parse_report(base | {"observed_start": "2025-04-20T14:35+03:00"}, RULES)
    assert isinstance(utc, Accepted)
    assert isinstance(kyiv, Accepted)
    assert canonical_json(report_content(utc.report)) == canonical_json(report_content(kyiv.report))
    assert utc.report.observed_start + timedelta(0) == kyiv.report.observed_start


STANDARD = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)

# Any JSON value Python holds, with the floats and integers where orjson and the standard
# library part ways: exponents, |x| < 1e-4 or >= 1e16, integers beyond 64 bits, and text with
# lone surrogates (a JSON file may spell one as an escape).
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e-5, -1e-7, 1e-4, 9999999999999998.0, 1e16, 1e300, 5e-324, -0.0])
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_canonical_text_is_the_standard_librarys_whatever_the_content(
    content: dict[str, Any],
) -> None:
    # The log's hashes were computed over the standard library's text: a faster writer must
    # give the very same text, or `verify` would fail on a record it wrote itself.
    assert canonical_json(content) == STANDARD.encode(content)


def test_content_beyond_json_is_refused_as_before() -> None:
    # orjson would write these (a time as RFC 3339 text, NaN as null); the record never took
    # them and still does not.
    for content in ({"at": datetime(2025, 4, 20, tzinfo=UTC)}, {"x": float("nan")}):
        try:
            canonical_json(content)
        except (TypeError, ValueError):
            continue
        raise AssertionError(f"{content!r} was encoded")
