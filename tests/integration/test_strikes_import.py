"""The missile-attacks dataset imported: day-only rows keep day precision, rows located by a
region name stay place names (never a point on the front), reconnaissance flights are skipped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from ceasefire.domain.reports import GeoPrecision, TimePrecision
from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.store.db import reading
from ceasefire.store.report_store import ReportFilter, list_reports
from tests.conftest import FIXTURES, shared_file

NOW = datetime(2026, 11, 25, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")
RULES = IngestRules(now=NOW, zone=KYIV)


def test_synthetic_rows_with_every_quirk(engine: Engine, tmp_path: Path) -> None:
    outcome = ingest_files(
        engine,
        [FIXTURES / "missile_attacks_synthetic.csv"],
        rules=RULES,
        clock=lambda: NOW,
        rejects_dir=tmp_path,
    )
    (summary,) = outcome.files
    assert (summary.accepted, sum(summary.skipped.values()), len(summary.rejections)) == (5, 1, 0)
    assert outcome.added == 5
    with reading(engine) as connection:
        found = {r.text.split(":")[0]: r for r in list_reports(connection, ReportFilter())}
    shahed = found["Shahed-136/131"]
    assert shahed.category is Category.DRONE_STRIKE
    assert shahed.projectiles == 123
    assert shahed.time_precision is TimePrecision.EXACT
    assert shahed.observed_start == datetime(2025, 3, 20, 18, 0, tzinfo=KYIV)
    assert shahed.lon is None
    assert shahed.geo_precision is GeoPrecision.COUNTRY
    assert shahed.alleged_party == "RU"
    molniya = found["Молнія"]
    assert molniya.time_precision is TimePrecision.DAY  # a date, never a made-up time
    assert molniya.observed_start == datetime(2025, 3, 22, tzinfo=KYIV)
    assert molniya.observed_end == datetime(2025, 3, 23, tzinfo=KYIV)
    cruise = found["X-101/X-555 and Kalibr"]
    assert cruise.category is Category.MISSILE_STRIKE
    assert cruise.observed_start == datetime(2025, 3, 23, 3, 30, tzinfo=KYIV)
    assert cruise.projectiles == 0  # `nan`: not reported
    assert (cruise.place, cruise.geo_precision) == ("Odesa oblast", GeoPrecision.PROVINCE)
    assert found["Lancet"].place == "Ukraine"
    again = ingest_files(
        engine,
        [FIXTURES / "missile_attacks_synthetic.csv"],
        rules=RULES,
        clock=lambda: NOW,
        rejects_dir=tmp_path,
    )
    assert (again.added, again.repeats) == (0, 5)  # identified by content: nothing twice


def test_the_real_file_is_read_whole(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = shared_file("real/strikes/missile_attacks_daily_shared.csv")
    outcome = ingest_files(
        sqlite_engine, [path], rules=RULES, clock=lambda: NOW, rejects_dir=tmp_path
    )
    (summary,) = outcome.files
    assert summary.rejections == []
    assert summary.accepted + sum(summary.skipped.values()) == 3448
    with reading(sqlite_engine) as connection:
        found = list_reports(connection, ReportFilter())
    assert all(r.lon is None for r in found)
    assert sum(r.time_precision is TimePrecision.DAY for r in found) > 1000
