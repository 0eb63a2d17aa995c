"""Grouping reports into incidents: an incident is one event, however many sources heard it;
a continuing attack is many events; the order reports came in never matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain.incidents.grouping import DEFAULT_RULES, Footprint, group, share
from ceasefire.domain.taxonomy import CATEGORY_INFO, Category
from ceasefire.domain.validation import Accepted, IngestRules, parse_report

from ..conftest import examples

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
    source: str | None = None,
    **extra: Any,
) -> Any:
    fields: dict[str, Any] = {
        "source_id": source or f"src-{name}",
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


def test_five_sources_reporting_one_strike_are_one_incident() -> None:
    reports = [report(f"m{i}", km_north=i * 0.2, minutes=i) for i in range(5)]
    assert len(group(reports)) == 1


def test_far_apart_in_space_or_time_or_kind_are_separate() -> None:
    reports = [
        report("a"),
        report("b", km_north=10),  # 10 km away
        report("c", minutes=90),  # an hour and a half later
        report("d", category="small_arms"),  # another family of violation
    ]
    assert names(group(reports), reports) == [{"a"}, {"b"}, {"c"}, {"d"}]


def test_a_chain_of_reports_does_not_make_one_incident() -> None:
    """a-b and b-c are within reach, a-c is not: two events. Single linkage made them one."""
    chain = [
        report("a"),
        report("b", km_north=1.8, minutes=1),
        report("c", km_north=3.6, minutes=2),
    ]
    assert names(group(chain), chain) == [{"a", "b"}, {"c"}]
    wide = [report("x", uncertainty_m=1500), report("y", km_north=3.5, uncertainty_m=1500)]
    assert len(group(wide)) == 1  # uncertainty circles still count


def test_two_shellings_an_hour_apart_stay_apart_whatever_falls_between() -> None:
    between = [report("a"), report("b", minutes=25), report("c", minutes=50)]
    assert names(group(between), between) == [{"a", "b"}, {"c"}]


def test_one_source_at_different_times_is_different_events() -> None:
    same = [
        report("p1", source="patrol-1"),
        report("p2", source="patrol-1", minutes=12, km_north=0.2),
        report("p3", source="patrol-1", minutes=24),
    ]
    assert names(group(same), same) == [{"p1"}, {"p2"}, {"p3"}]


def test_a_report_that_updates_another_joins_it_wherever_it_places_the_event() -> None:
    first = report("p1", source="patrol-1")
    fix = report("p1b", source="patrol-1", km_north=8, minutes=40, updates="p1")
    other = report("p2", source="patrol-1", minutes=15)
    assert names(group([first, fix, other]), [first, fix, other]) == [{"p1", "p1b"}, {"p2"}]


def test_an_incident_is_bounded_by_its_first_report() -> None:
    """Every member within reach of the first report: at most the link time after it."""
    reports = [report(f"r{i}", minutes=i * 8, source=f"s{i}") for i in range(10)]
    incidents = names(group(reports), reports)
    assert incidents == [{"r0", "r1", "r2", "r3"}, {"r4", "r5", "r6", "r7"}, {"r8", "r9"}]


@pytest.mark.parametrize("category", [c.value for c in Category])
def test_every_category_groups(category: str) -> None:
    """Each family has its rule: a category without one stopped every import that held it."""
    assert {info.family for info in CATEGORY_INFO.values()} <= DEFAULT_RULES.keys()
    reports = [report("a", category=category), report("b", minutes=5, category=category)]
    assert names(group(reports), reports) == [{"a", "b"}]


def test_reports_without_coordinates_stand_alone() -> None:
    reports = [report("a"), report("p", lon=None, lat=None, place="Horlivka")]
    assert names(group(reports), reports) == [{"a"}, {"p"}]


# -- properties ------------------------------------------------------------------------------

reports_spec = st.lists(
    st.tuples(
        st.integers(0, 6),  # spot
        st.floats(0, 8),  # km
        st.integers(0, 240),  # minutes
        st.sampled_from(["artillery", "mortar", "small_arms", "drone_strike"]),
        st.integers(0, 5),  # source
    ),
    min_size=1,
    max_size=40,
)


def made(spec: list[Any]) -> list[Any]:
    return [
        report(f"r{i}", km_north=km + 20 * spot, minutes=m, category=c, source=f"s{s}")
        for i, (spot, km, m, c, s) in enumerate(spec)
    ]


@settings(max_examples=examples(150))
@given(reports_spec, st.randoms(use_true_random=False))
def test_the_result_depends_only_on_the_set_of_reports(spec: list[Any], rng: Any) -> None:
    reports = made(spec)
    shuffled = reports[:]
    rng.shuffle(shuffled)
    assert group(shuffled) == group(reports)
    assert sorted(i for incident in group(reports) for i in incident) == sorted(
        r.report_id for r in reports
    )


@settings(max_examples=examples(150))
@given(reports_spec)
def test_incidents_are_bounded_and_hold_one_report_per_source(spec: list[Any]) -> None:
    reports = {r.report_id: r for r in made(spec)}
    for incident in group(reports.values()):
        members = sorted(
            (reports[i] for i in incident), key=lambda r: (r.observed_start, r.report_id)
        )
        first = Footprint.of(members[0])
        for other in members[1:]:
            assert share(first, Footprint.of(other), DEFAULT_RULES) is not None
        sources = [r.source_id for r in members]
        assert len(sources) == len(set(sources))
