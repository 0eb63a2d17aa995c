"""Agreement, zones and classification from the command line."""

from __future__ import annotations

import csv
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app

from ..conftest import FIXTURES, shared_file

runner = CliRunner()


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(sqlite_url: str, tmp_path: Path) -> str:
    run(sqlite_url, "init")
    shutil.copy(FIXTURES / "reports_good.csv", tmp_path / "good.csv")
    run(sqlite_url, "ingest", str(tmp_path / "good.csv"))
    code, out, err = run(sqlite_url, "agreement", "load", "korea-model-demo")
    assert code == 0, err
    assert "stored as version 1" in out
    assert "3 reports placed" in out
    return sqlite_url


def test_agreement_list_and_unknown_agreement(db: str) -> None:
    _, out, _ = run(db, "agreement", "list")
    assert "korea-model-demo" in out
    code, _, err = run(db, "zones", "build", "--agreement", "nope")
    assert (code, "no agreement 'nope'" in err) == (2, True)
    code, _, err = run(db, "agreement", "load", "nope")
    assert code == 2  # a name that is not there: a usage mistake, said in one line
    assert "nope: no such file, and no bundled agreement of that name" in err
    assert "(bundled: korea-model-demo)" in err


def test_zones_build_writes_every_zone(db: str, tmp_path: Path) -> None:
    target = tmp_path / "zones.geojson"
    code, out, _ = run(db, "zones", "build", "--agreement", "korea-model-demo", "-o", str(target))
    assert code == 0
    assert "43 zones of korea-model-demo (version 1)" in out
    features = json.loads(target.read_text())["features"]
    kinds = [f["properties"]["kind"] for f in features]
    assert kinds.count("line_of_contact") == 1
    assert kinds.count("dmz") == 1
    assert kinds.count("withdrawal_line") == 2
    assert kinds.count("weapon_zone") == 2 * 6
    mlrs = [f for f in features if f["properties"]["weapon_class"] == "mlrs"]
    assert {f["properties"]["distance_km"] for f in mlrs} == {35.0}
    code, _, _ = run(
        db, "zones", "build", "--agreement", "korea-model-demo", "-o", str(tmp_path / "z.kml")
    )
    assert code == 0
    assert (tmp_path / "z.kml").read_text().startswith("<?xml")


def test_classify_adds_placement_columns(db: str) -> None:
    code, out, _ = run(
        db, "classify", str(FIXTURES / "reports_good.csv"), "--agreement", "korea-model-demo"
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    by_id = {r["external_id"]: r for r in rows}
    assert by_id["2025-04-20/001"]["party"] == "RU"
    assert float(by_id["2025-04-20/001"]["signed_distance_m"]) < 0
    assert by_id["2025-04-20/001"]["admin_area"] == "Donetsk Oblast"
    assert by_id["UA-2025-0417"]["party"] == ""  # only a place name: not placed


def test_classify_writes_geojson_and_kml(db: str, tmp_path: Path) -> None:
    good = str(FIXTURES / "reports_good.csv")
    target = tmp_path / "placed.geojson"
    args = ("classify", good, "--agreement", "korea-model-demo", "--format")
    code, _, _ = run(db, *args, "geojson", "-o", str(target))
    assert code == 0
    features = json.loads(target.read_text())["features"]
    assert features[0]["geometry"]["type"] == "Point"
    assert features[0]["properties"]["party"] == "RU"
    assert "mlrs" in features[0]["properties"]["weapon_zones"]
    kml = tmp_path / "placed.kml"
    code, _, _ = run(db, *args, "kml", "-o", str(kml))
    assert code == 0
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    placemarks = ET.parse(kml).getroot().findall(".//k:Placemark", ns)
    assert len(placemarks) == 3  # the report known only by place name has no point
    fields = {
        d.get("name"): d.findtext("k:value", namespaces=ns)
        for d in placemarks[0].iterfind(".//k:Data", ns)
    }
    assert fields["party"] == "RU"
    code, _, err = run(db, *args, "kml")
    assert (code, "needs -o" in err) == (2, True)


def test_reports_list_filters_on_geography(db: str) -> None:
    code, out, _ = run(db, "reports", "list", "--side", "RU", "--zone", "mlrs", "--format", "json")
    assert code == 0
    assert len(json.loads(out)) == 3
    code, out, _ = run(db, "reports", "list", "--side", "UA", "--format", "json")
    assert json.loads(out) == []
    code, _, err = run(db, "reports", "list", "--zone", "bunker")
    assert (code, "--zone: unknown 'bunker'" in err) == (2, True)


def test_line_from_area_command(tmp_path: Path) -> None:
    area = shared_file("real/deepstate/deepstate_occupied_2026-01-15.geojson")
    target = tmp_path / "line.geojson"
    result = runner.invoke(
        app, ["zones", "line-from-area", str(area), "--country", "ukraine", "-o", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    (line,) = json.loads(target.read_text())["features"]
    assert line["geometry"]["type"] == "MultiLineString"
    assert 1_000 < line["properties"]["length_km"] < 1_300
    result = runner.invoke(app, ["zones", "line-from-area", str(area), "--country", "atlantis"])
    assert result.exit_code == 2
    assert "no bundled country 'atlantis'" in result.stderr
