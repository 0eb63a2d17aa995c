"""Severity and automatic status of an incident, before review."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ceasefire.domain.incidents.assessment import (
    IncidentStatus,
    auto_status,
    incident_severity,
    report_severity,
)
from ceasefire.domain.reports import Reliability, Source, SourceKind
from ceasefire.domain.taxonomy import Severity
from ceasefire.domain.validation import Accepted, IngestRules, parse_report

RULES = IngestRules(now=datetime(2026, 1, 1, tzinfo=UTC), zone=UTC)


def report(**extra: Any) -> Any:
    fields: dict[str, Any] = {
        "source_id": "p1",
        "source_kind": "monitor_patrol",
        "observed_start": "2025-04-20T11:00Z",
        "lon": 37.9,
        "lat": 48.3,
        "category": "small_arms",
    } | extra
    result = parse_report(fields, RULES)
    assert isinstance(result, Accepted), result
    return result.report


@pytest.mark.parametrize(
    ("extra", "severity", "why"),
    [
        ({}, Severity.MINOR, []),
        ({"category": "artillery"}, Severity.MAJOR, []),
        ({"killed": "1"}, Severity.MAJOR, ["people killed"]),
        ({"civilians_killed": "1"}, Severity.GRAVE, ["civilians killed"]),
        (
            {"category": "shelling", "damaged_object": "energy"},
            Severity.GRAVE,
            ["strike on a protected object"],
        ),
        ({"weapon_class": "mlrs"}, Severity.MAJOR, ["heavy weapon"]),
        ({"category": "explosion", "explosions": "60"}, Severity.MAJOR, ["50 or more explosions"]),
    ],
)
def test_severity_is_raised_by_what_happened(
    extra: dict[str, Any], severity: Severity, why: list[str]
) -> None:
    assert report_severity(report(**extra)) == (severity, why)


def test_incident_takes_its_gravest_report() -> None:
    members = [report(external_id="a"), report(external_id="b", civilians_killed="2")]
    assert incident_severity(members) is Severity.GRAVE


def source(source_id: str, org: str, reliability: str) -> Source:
    return Source(source_id, SourceKind.MONITOR_PATROL, org, Reliability(reliability))


def test_corroboration_is_independent_organisations_never_one_source_however_rated() -> None:
    one = [report(source_id="p1", external_id="a"), report(source_id="p2", external_id="b")]
    same_org = {"p1": source("p1", "Mission", "C"), "p2": source("p2", "Mission", "C")}
    assert auto_status(one, same_org) is IncidentStatus.REPORTED  # two patrols, one mission
    two_orgs = {"p1": source("p1", "Mission", "C"), "p2": source("p2", "Camera network", "D")}
    assert auto_status(one, two_orgs) is IncidentStatus.CORROBORATED
    best = {"p1": source("p1", "Mission", "A")}
    assert auto_status([one[0]], best) is IncidentStatus.REPORTED  # one source, rated A
