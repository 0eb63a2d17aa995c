"""Grouping reports into incidents: one event, however many heard it; order never matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.incidents.grouping import DEFAULT_RULES, Grouper, group
from ceasefire.domain.taxonomy import CATEGORY_INFO, Category
from ceasefire.domain.validation import Accepted, IngestRules, parse_report

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RULES = IngestRules(now=NOW, zone=UTC)
T = datetime(2025, 4, 20, 11, 0, tzinfo=UTC)
KM_LAT = 1 / 111.2  # a kilometre north, in degrees


def report(
    name: str,
    *,
    km_north: float = 0.0,
    minutes: float = 0.0,
    category: str = "artillery",
    **extra: Any,
) -> Any:
    fields: dict[str, Any] = {
        "source_id": f"src-{name}",
        "source_kind": "monitor_patrol",
        "external_id": name,
        "observed_start": (T + timedelta(minutes=minutes)).isoformat(),
        "lon": 37.9,
        "lat": 48.3 + km_north * KM_LAT,
        "uncertainty_m": 300,
        "category": category,
    } | extra
    result = parse_report(fields, RULES)
    assert isinstance(result, Accepted), result
    return result.report


def names(incidents: list[frozenset[str]], reports: list[Any]) -> list[set[str]]:
    by_id = {r.report_id: r.external_id for r in reports}
    return sorted(({by_id[i] for i in incident} for incident in incidents), key=lambda s: min(s))


def test_thirteen_reports_of_one_strike_are_one_incident() -> None:
    reports = [report(f"m{i}", km_north=i * 0.1, minutes=i) for i in range(10)]
    reports += [report(f"s{i}", km_north=0.5, minutes=2, category="explosion") for i in range(3)]
    assert len(group(reports)) == 1


def test_far_apart_in_space_or_time_or_kind_are_separate() -> None:
    reports = [
        report("a"),
        report("b", km_north=10),  # 10 km away
        report("c", minutes=90),  # an hour and a half later
        report("d", category="small_arms"),  # another family of violation
    ]
    assert names(group(reports), reports) == [{"a"}, {"b"}, {"c"}, {"d"}]


def test_links_chain_and_circles_count() -> None:
    """a-b and b-c are within 2 km, a-c is not: one incident (single linkage); wide
    uncertainty circles bring 3 km apart reports within reach."""
    chain = [report("a"), report("b", km_north=1.8), report("c", km_north=3.6)]
    assert len(group(chain)) == 1
    apart = [report("x"), report("y", km_north=3.5)]
    assert len(group(apart)) == 2
    wide = [report("x", uncertainty_m=1500), report("y", km_north=3.5, uncertainty_m=1500)]
    assert len(group(wide)) == 1


@pytest.mark.parametrize("category", [c.value for c in Category])
def test_every_category_groups(category: str) -> None:
    """Each family has its rule: a category without one stopped every import that held it."""
    assert {info.family for info in CATEGORY_INFO.values()} <= DEFAULT_RULES.keys()
    reports = [report("a", category=category), report("b", minutes=5, category=category)]
    assert names(group(reports), reports) == [{"a", "b"}]


def test_reports_without_coordinates_stand_alone() -> None:
    reports = [report("a"), report("p", lon=None, lat=None, place="Horlivka")]
    assert names(group(reports), reports) == [{"a"}, {"p"}]


events = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.floats(0, 8),
        st.integers(0, 240),
        st.sampled_from(["artillery", "mortar", "small_arms", "drone_strike"]),
    ),
    min_size=1,
    max_size=40,
)


@given(events, st.randoms(use_true_random=False))
def test_any_order_one_by_one_or_at_once_gives_the_same_incidents(
    spec: list[Any], rng: Any
) -> None:
    reports = [
        report(f"r{i}", km_north=km + 20 * cluster, minutes=m, category=c)
        for i, (cluster, km, m, c) in enumerate(spec)
    ]
    batch = group(reports)
    shuffled = reports[:]
    rng.shuffle(shuffled)
    one_by_one = Grouper()
    for r in shuffled:
        one_by_one.add(r)
        one_by_one.add(r)  # a repeat changes nothing
    assert one_by_one.incidents() == batch
    assert sorted(i for incident in batch for i in incident) == sorted(r.report_id for r in reports)
