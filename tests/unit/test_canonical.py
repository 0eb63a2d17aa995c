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
