"""VIINA's event_1pd rows imported: day precision, areas kept as areas, the most specific
label, the initiator as the alleged party only when one side initiated."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from ceasefire.domain.reports import GeoPrecision, ObjectClass, TimePrecision
from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import IngestRules
from ceasefire.ingest.formats import detect_format
from ceasefire.services.ingest import ingest_files
from ceasefire.store.db import reading
from ceasefire.store.report_store import ReportFilter, list_reports
from tests.conftest import FIXTURES

NOW = datetime(2026, 11, 25, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")
FILE = FIXTURES / "viina_event_1pd_synthetic.csv"


def test_viina_rows(engine: Engine, tmp_path: Path) -> None:
    assert detect_format(FILE, FILE.read_text()) == "viina"
    outcome = ingest_files(
        engine,
        [FILE],
        rules=IngestRules(now=NOW, zone=KYIV),
        clock=lambda: NOW,
        rejects_dir=tmp_path,
    )
    (summary,) = outcome.files
    assert (summary.accepted, len(summary.rejections)) == (4, 0)
    assert list(summary.skipped.values()) == [1]  # the arrest
    with reading(engine) as connection:
        found = {r.external_id: r for r in list_reports(connection, ReportFilter())}
    horlivka = found["SYN-1001"]
    assert horlivka.category is Category.ARTILLERY
    assert horlivka.time_precision is TimePrecision.DAY
    assert horlivka.observed_start == datetime(2025, 3, 20, tzinfo=KYIV)
    assert horlivka.observed_end == datetime(2025, 3, 21, tzinfo=KYIV)
    assert (horlivka.geo_precision, horlivka.alleged_party) == (GeoPrecision.NEAR, "RU")
    oblast = found["SYN-1002"]
    assert (oblast.category, oblast.geo_precision) == (Category.DRONE_STRIKE, GeoPrecision.PROVINCE)
    assert oblast.uncertainty_m == 150_000
    assert oblast.damaged_object is ObjectClass.MEDICAL
    assert found["SYN-1003"].alleged_party == ""  # both sides initiated: no one is alleged
    assert found["SYN-1005"].geo_precision is GeoPrecision.DISTRICT
