"""The spot report states what the plan decided on an incident, and never a running clock as a
decision: phase 3 due in 72 hours is a clock until then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ceasefire.domain.enforcement.decisions import DecisionKind
from ceasefire.domain.enforcement.plan import Plan, parse_plan
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.incidents.attribution import Placement
from ceasefire.domain.incidents.story import IncidentStory, Terms, tell
from ceasefire.domain.publishing.daily import RecordState
from ceasefire.domain.publishing.period import Period
from ceasefire.domain.publishing.spot import SpotReport, spot_report
from ceasefire.domain.reports import SourceKind
from ceasefire.domain.taxonomy import Category, Severity
from ceasefire.domain.validation import Accepted, IngestRules, parse_report
from ceasefire.geofiles.gazetteer import bundled_gazetteer
from ceasefire.publish.map_layers import MapLayers
from ceasefire.publish.render import render_spot

PLANS = Path(__file__).resolve().parents[2] / "src" / "ceasefire" / "data" / "plans"
T = datetime(2025, 4, 1, 6, 0, tzinfo=UTC)  # the first (minor) violation: phase 1
ASSAULT = T + timedelta(hours=5)  # a ground offensive: phase 2 at once, phase 3 at T + 72 h


def plan() -> Plan:
    loaded = parse_plan(yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text()))
    assert isinstance(loaded, Plan), loaded
    return loaded


def assault_story() -> IncidentStory:
    fields: dict[str, Any] = {
        "source_id": "osce",
        "source_kind": "monitor_patrol",
        "external_id": "assault",
        "observed_start": ASSAULT.isoformat(),
        "lon": 37.9,
        "lat": 48.3,
        "category": "ground_assault",
        "alleged_party": "RU",
    }
    accepted = parse_report(fields, IngestRules(now=ASSAULT + timedelta(days=30), zone=UTC))
    assert isinstance(accepted, Accepted), accepted
    where = {accepted.report.report_id: Placement("UA", False, False, False, "Donetsk", 3000.0)}
    sources = {accepted.source.source_id: accepted.source}
    return tell(7, [accepted.report], sources, where, [], Terms(parties=("RU", "UA")))


def violation(name: str, at: datetime, severity: str, category: str) -> Violation:
    return Violation(name, "RU", at, at, Severity(severity), Category(category), "Donetsk")


def report_at(hours_after_t: float) -> SpotReport:
    story = assault_story()
    violations = [
        violation("INC-1", T, "minor", "small_arms"),
        violation(story.label, ASSAULT, "grave", "ground_assault"),
    ]
    return spot_report(
        story,
        {"osce": SourceKind.MONITOR_PATROL},
        Period(ASSAULT, ASSAULT + timedelta(minutes=1), UTC),
        bundled_gazetteer(),
        lambda lon, lat: None,
        [plan()],
        violations,
        RecordState(2, "ab" * 32),
        T + timedelta(hours=hours_after_t),
    )


def phases(decisions: tuple[Any, ...]) -> list[int]:
    return [d.phase for d in decisions if d.kind is DecisionKind.PHASE_ENTERED]


def test_a_running_clock_is_due_not_decided_until_its_time() -> None:
    before = report_at(10)
    assert phases(before.decisions) == [2]
    assert phases(before.due) == [3]
    phase3 = [d for d in before.due if d.kind is DecisionKind.PHASE_ENTERED]
    assert min(d.effective_at for d in phase3) == T + timedelta(hours=72)
    # the cure period's end is a clock too: its assessment is due, not yet made
    (cure,) = [d for d in before.due if d.kind is DecisionKind.CURE_ASSESSED]
    assert cure.effective_at == T + timedelta(hours=24)
    after = report_at(80)
    assert phases(after.decisions) == [2, 3]
    # what is still running then: the stand-down after a week's quiet
    assert [d.kind for d in after.due] == [DecisionKind.STOOD_DOWN]


def test_the_report_says_so_in_words() -> None:
    layers = MapLayers([], [], None, "", None, None, "")
    for output_format in ("md", "html"):
        text = render_spot(report_at(10), layers, output_format, "spot").body.decode()
        decided, _, clocks = text.partition("Clocks running on its evidence")
        assert "phase 2" in decided
        assert "phase 3" not in decided
        assert "phase 3" in clocks
        assert "if nothing changes" in clocks
