"""`ceasefire export`: an analyst's export re-imported into an empty database gives the same
reports; ACLED's columns read back through the ACLED importer; other roles get incidents, as
they may see them, and never reports."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app
from ceasefire.domain.canonical import report_content
from ceasefire.store.db import make_engine, reading
from ceasefire.store.report_store import ReportFilter, list_reports
from ceasefire.store.report_summary import load_sources
from tests.conftest import FIXTURES
from tests.integration.test_publishing import scenario_csv

runner = CliRunner()


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


def fresh(url: str) -> str:
    code, _, err = run(url, "init")
    assert code == 0, err
    return url


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    fresh(db_url)
    scenario = scenario_csv(tmp_path / "scenario.csv", events=25)
    code, _, err = run(db_url, "ingest", "--tz", "UTC", str(scenario))
    assert code == 0, err
    # The fixtures mix good rows with bad ones (rejected, exit 1): every field kind is covered.
    code, _, err = run(
        db_url, "ingest", str(FIXTURES / "reports_good.csv"), str(FIXTURES / "reports.jsonl")
    )
    assert code in (0, 1), err
    return db_url


def contents(url: str) -> dict[str, dict[str, Any]]:
    """Every report by id: all it says (its canonical content, less when it was received) and
    its source's description."""
    engine = make_engine(url)
    with reading(engine) as connection:
        found = list_reports(connection, ReportFilter())
        sources = load_sources(connection)
    engine.dispose()
    return {r.report_id: report_content(r) | {"source": sources[r.source_id]} for r in found}


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_an_export_imported_into_an_empty_database_gives_the_same_reports(
    db: str, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"out.{fmt}"
    code, out, err = run(db, "export", "--format", fmt, "-o", str(target))
    assert code == 0, err
    assert "reports written" in out
    other = fresh(f"sqlite:///{tmp_path / 'other.db'}")
    code, _, err = run(other, "ingest", str(target))
    assert code == 0, err
    before, after = contents(db), contents(other)
    assert len(before) > 25
    assert after == before


def test_acled_columns_read_back_through_the_acled_importer(db: str, tmp_path: Path) -> None:
    target = tmp_path / "acled.csv"
    code, _, err = run(db, "export", "--format", "acled-csv", "--tz", "UTC", "-o", str(target))
    assert code == 0, err
    rows = list(csv.DictReader(target.open()))
    assert rows
    assert set(rows[0]) >= {
        "event_id_cnty",
        "event_date",
        "event_type",
        "sub_event_type",
        "latitude",
        "longitude",
        "fatalities",
    }
    assert {r["ceasefire_report_id"] for r in rows} == set(contents(db))
    other = fresh(f"sqlite:///{tmp_path / 'acled.db'}")
    code, _, err = run(other, "ingest", "--format", "acled", str(target))
    assert code in (0, 1), err  # Strategic developments rows are outside the taxonomy
    fired = [r for r in rows if r["event_type"] != "Strategic developments"]
    assert len(contents(other)) == len(fired)


def test_other_roles_export_incidents_blurred_and_never_reports(db: str, tmp_path: Path) -> None:
    code, _, err = run(db, "export", "--role", "guarantor")
    assert code == 2
    assert "only analysts" in err
    code, out, err = run(
        db, "export", "--what", "incidents", "--role", "observer", "--format", "csv"
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows
    assert all(float(r["lon"]) == round(float(r["lon"]), 2) for r in rows if r["lon"])
    assert not any(column in rows[0] for column in ("source_id", "organisation", "text"))
    code, out, err = run(db, "export", "--what", "incidents", "--role", "party", "--party", "RU")
    assert code == 0, err
    features = json.loads(out)["features"]
    assert 0 < len(features) < len(rows)
    code, _, err = run(db, "export", "--what", "incidents", "--role", "party")
    assert code == 2
    assert "--party" in err


def test_kml_holds_a_placemark_per_located_report(db: str, tmp_path: Path) -> None:
    code, _, err = run(db, "export", "--format", "kml", "-o", str(tmp_path / "r.kml"))
    assert code == 0, err
    placemarks = (
        ET.parse(tmp_path / "r.kml").getroot().iter("{http://www.opengis.net/kml/2.2}Placemark")
    )
    located = [v for v in contents(db).values() if v.get("lon") is not None]
    assert len(list(placemarks)) == len(located)
