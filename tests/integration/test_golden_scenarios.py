"""Golden scenarios (`tests/scenarios/*/scenario.yaml`): real patterns a mission sees, run from
reports to decisions through the whole pipeline (ingest, placement against the agreement,
grouping, attribution, violations, the plan), each with the decisions the plan's text requires
written out by hand."""

from __future__ import annotations

import importlib.util
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from ceasefire.domain.enforcement.decisions import DecisionKind
from ceasefire.domain.validation import IngestRules
from ceasefire.services.agreements import load_into_record
from ceasefire.services.enforcement import counting_from, run_plan
from ceasefire.services.incidents import incident_stories
from ceasefire.services.ingest import ingest_files
from ceasefire.services.plans import read_plan
from ceasefire.services.violations import violation_rows
from ceasefire.store.agreement_store import agreement_named
from ceasefire.store.db import make_engine, reading
from ceasefire.store.incident_check import membership_problem
from ceasefire.store.migrate import upgrade
from ceasefire.store.verify import verify

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
NAMES = sorted(p.parent.name for p in SCENARIOS.glob("*/scenario.yaml"))


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("make_reports", SCENARIOS / "make_reports.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_scenario_is_here_and_its_reports_are_what_the_generator_writes() -> None:
    made = _generator()
    assert set(NAMES) == set(made.SCENARIOS)
    for name, make in made.SCENARIOS.items():
        assert (SCENARIOS / name / "reports.csv").read_text() == made.csv_text(make()), name


@pytest.mark.parametrize("name", NAMES)
def test_golden_scenario(name: str, tmp_path: Path) -> None:
    spec = yaml.safe_load((SCENARIOS / name / "scenario.yaml").read_text())
    expect = spec["expect"]
    engine = make_engine(f"sqlite:///{tmp_path / 'scenario.db'}")
    upgrade(engine)
    load_into_record(engine, spec["agreement"], clock=lambda: NOW)
    outcome = ingest_files(
        engine,
        [SCENARIOS / name / "reports.csv"],
        rules=IngestRules(now=NOW, zone=UTC),
        clock=lambda: NOW,
    )
    assert outcome.ok
    with reading(engine) as connection:
        agreement = agreement_named(connection, spec["agreement"])
        stories = incident_stories(connection, agreement)
        assert membership_problem(connection) is None
        assert verify(connection).first_break is None
    assert len(stories) == expect["incidents"]
    if "incident_sizes" in expect:
        assert sorted(len(s.members) for s in stories) == sorted(expect["incident_sizes"])
    rows = violation_rows(stories)
    assert Counter(r["kind"] for r in rows) == Counter(expect["clauses"])
    per_party = Counter(s.attribution.party for s in stories if s.attribution and s.breaches)
    assert per_party == Counter(expect["violations"])
    plan = counting_from(read_plan(spec["plan"]), spec["counting"])
    result = run_plan(engine, plan, now=NOW)
    decided = [
        [d.party, d.kind.value, d.phase, d.effective_at.isoformat(), d.rule]
        for d in result.decisions
        if d.kind not in (DecisionKind.ACTION_REQUIRED, DecisionKind.CURE_ASSESSED)
    ]
    assert decided == expect["decisions"]
    # What the end of each cure period found (did the violations stop?), where the scenario
    # says: [party, time, rule].
    if "cure" in expect:
        assessed = [
            [d.party, d.effective_at.isoformat(), d.rule]
            for d in result.decisions
            if d.kind is DecisionKind.CURE_ASSESSED
        ]
        assert assessed == expect["cure"]
    for check in expect.get("statuses", {}).items():
        assert Counter(s.status.value for s in stories)[check[0]] == check[1]


def test_every_output_counts_the_persistent_series_alike(tmp_path: Path) -> None:
    """407 events: the daily reports (day by day), the period report, `violations list`,
    the map's columns and the summary all say 407 violations, all RU's."""
    from datetime import date, time, timedelta
    from zoneinfo import ZoneInfo

    from ceasefire.domain.incidents.disclosure import Role
    from ceasefire.domain.incidents.map_columns import map_columns
    from ceasefire.domain.publishing.period import daily_period, span_period
    from ceasefire.services.publishing import build_daily, build_period
    from ceasefire.services.violations import violation_count

    engine = make_engine(f"sqlite:///{tmp_path / 'series.db'}")
    upgrade(engine)
    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
    ingest_files(
        engine,
        [SCENARIOS / "persistent-shelling" / "reports.csv"],
        rules=IngestRules(now=NOW, zone=UTC),
        clock=lambda: NOW,
    )
    kyiv = ZoneInfo("Europe/Kyiv")
    with reading(engine) as connection:
        days = [
            build_daily(
                connection, daily_period(date(2025, 4, 1) + timedelta(days=k), time(0), kyiv), None
            )
            for k in range(7)
        ]
        whole = build_period(
            connection,
            span_period(datetime(2025, 3, 31, tzinfo=UTC), datetime(2025, 4, 8, tzinfo=UTC), kyiv),
            None,
        )
        stories = incident_stories(connection, agreement_named(connection, "korea-model-demo"))
    assert sum(day.total.violations for day in days) == 407
    assert whole.base.total.violations == 407
    assert sum(n for day in whole.days for _, n in day.by_party) == 407
    assert violation_count(violation_rows(stories)) == 407
    assert sum(map_columns(stories, Role.ANALYST)["violation"]) == 407
    assert Counter(s.violator for s in stories if s.is_violation) == {"RU": 407}
