"""Generated scenarios: reproducible from their seed, at the profile's rate, on the side of
the line the fire is aimed at, and read back by ingest with duplicate reports grouped."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import Engine

from ceasefire.domain.geo.loaded_agreement import LoadedAgreement, loaded
from ceasefire.domain.scenario import Profile, generate, parse_profile
from ceasefire.domain.validation import REPORT_FIELDS, IngestRules
from ceasefire.export.report_formats import csv_text
from ceasefire.services.agreements import load_into_record, read_agreement_file
from ceasefire.services.ingest import ingest_files
from ceasefire.services.yaml_files import bundled, find, read_yaml
from ceasefire.store.agreement_store import agreement_named
from ceasefire.store.db import reading
from ceasefire.store.incident_store import all_memberships

KYIV = ZoneInfo("Europe/Kyiv")
START = datetime(2025, 4, 19, tzinfo=KYIV)
END = datetime(2025, 4, 21, tzinfo=KYIV)
NOW = datetime(2026, 11, 25, tzinfo=UTC)


@pytest.fixture(scope="module")
def agreement() -> LoadedAgreement:
    return loaded("korea-model-demo", 1, read_agreement_file("korea-model-demo"))


def profile(name: str) -> Profile:
    data, problem = read_yaml("scenarios", find("scenarios", name))
    assert problem is None
    parsed = parse_profile(data, name)
    assert not isinstance(parsed, list), parsed
    return parsed


def test_every_bundled_profile_reads() -> None:
    assert set(bundled("scenarios")) >= {"quiet-truce", "truce-with-violations", "escalation"}
    for name in bundled("scenarios"):
        profile(name)


def test_same_seed_same_reports_at_the_profiles_rate(agreement: LoadedAgreement) -> None:
    truce = profile("truce-with-violations")
    g, c = agreement.geography, agreement.classifier
    first = generate(truce, g, c, START, END, 7, KYIV)
    assert generate(truce, g, c, START, END, 7, KYIV) == first
    assert generate(truce, g, c, START, END, 8, KYIV) != first
    events = {r["external_id"].split("-")[0] for r in first}
    expected = truce.violations_per_day / truce.violations_per_event * 2
    assert abs(len(events) - expected) < 6 * math.sqrt(expected) + 0.02 * expected
    counted = sum(
        r.get(k) or 0
        for r in first
        if r["external_id"].endswith("-0")
        for k in ("explosions", "projectiles", "bursts", "shots")
    )
    assert abs(counted / 2 - truce.violations_per_day) < 0.15 * truce.violations_per_day


def test_fire_lands_on_the_side_it_is_aimed_at(agreement: LoadedAgreement) -> None:
    rows = generate(
        profile("truce-with-violations"),
        agreement.geography,
        agreement.classifier,
        START,
        END,
        3,
        KYIV,
    )
    complaints = [r for r in rows if r["source_kind"] == "party_complaint"]
    assert complaints
    lon = np.array([r["lon"] for r in complaints])
    lat = np.array([r["lat"] for r in complaints])
    found = agreement.classifier.classify(lon, lat)
    holders = [agreement.classifier.parties[i] if i >= 0 else None for i in found.party]
    # A complaint comes from the party fired upon, about the other: the point is on its side.
    same = sum(
        h == r["source_id"].removeprefix("liaison-")
        for h, r in zip(holders, complaints, strict=True)
    )
    assert same / len(complaints) > 0.95  # the few others: a complaint's jitter across the line


def test_a_profile_with_problems_is_refused_with_key_paths() -> None:
    problems = parse_profile(
        {"categories": {"rain": 1}, "firing_party": {"RU": 1}, "violations_per_day": -1}, "bad.yaml"
    )
    assert isinstance(problems, list)
    text = "\n".join(problems)
    assert "categories.rain" in text
    assert "firing_party" in text
    assert "violations_per_day" in text
    assert "reports_per_event" in text


def test_ingested_scenario_groups_duplicate_reports(engine: Engine, tmp_path: Path) -> None:
    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
    with reading(engine) as connection:
        stored = agreement_named(connection, "korea-model-demo")
    assert stored is not None
    rows = generate(
        profile("quiet-truce"), stored.geography, stored.classifier, START, END, 5, KYIV
    )
    path = tmp_path / "quiet.csv"
    path.write_text(csv_text(rows, REPORT_FIELDS))
    outcome = ingest_files(engine, [path], rules=IngestRules(now=NOW, zone=KYIV), clock=lambda: NOW)
    assert outcome.ok
    events = {r["external_id"].split("-")[0] for r in rows}
    with reading(engine) as connection:
        incidents = {m.incident for m in all_memberships(connection).values()}
    assert len(rows) > len(events)  # some events were reported more than once
    assert len(incidents) <= len(events)  # and those reports were grouped
    assert len(incidents) >= 0.8 * len(events)
