"""The bundled agreement on real geography, loaded into both databases."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import Engine, select

from ceasefire.domain.agreement import AgreementError
from ceasefire.domain.geo.line_from_area import LineParameters
from ceasefire.domain.geo.zones import build_zones
from ceasefire.domain.validation import IngestRules
from ceasefire.geofiles.geojson import feature, read_geometry
from ceasefire.geofiles.kml import write_kml
from ceasefire.services.agreements import load_into_record, read_agreement_file
from ceasefire.services.geography import line_from_area
from ceasefire.services.ingest import ingest_files
from ceasefire.store.agreement_store import agreement_named
from ceasefire.store.db import reading
from ceasefire.store.report_store import ReportFilter, list_reports
from ceasefire.store.schema import report_geography
from ceasefire.store.verify import verify

from ..conftest import FIXTURES, REPO, shared_file

NAME = "korea-model-demo"
T = datetime(2026, 11, 25, tzinfo=UTC)
# (lon, lat, party holding it on 18 March 2025)
TOWNS = {
    "Pokrovsk": (37.18, 48.28, "UA"),
    "Kostiantynivka": (37.71, 48.53, "UA"),
    "Kupiansk": (37.62, 49.71, "UA"),
    "Huliaipole": (36.27, 47.66, "UA"),
    "Zaporizhzhia": (35.14, 47.84, "UA"),
    "Kherson": (32.62, 46.64, "UA"),
    "Donetsk": (37.80, 48.00, "RU"),
    "Horlivka": (38.03, 48.30, "RU"),
    "Melitopol": (35.37, 46.85, "RU"),
    "Mariupol": (37.55, 47.10, "RU"),
    "Belgorod": (36.59, 50.60, "RU"),
}


@pytest.fixture(scope="module")
def agreement():  # type: ignore[no-untyped-def]
    from ceasefire.domain.geo.loaded_agreement import loaded

    return loaded(NAME, 1, read_agreement_file(NAME))


def test_known_towns_fall_on_the_side_that_holds_them(agreement) -> None:  # type: ignore[no-untyped-def]
    lon = np.array([t[0] for t in TOWNS.values()])
    lat = np.array([t[1] for t in TOWNS.values()])
    result = agreement.classifier.classify(lon, lat)
    sides = [agreement.classifier.parties[i] for i in result.party]
    assert dict(zip(TOWNS, sides, strict=True)) == {k: v[2] for k, v in TOWNS.items()}
    positive = result.signed_distance_m > 0
    assert [bool(p) for p in positive] == [v[2] == "UA" for v in TOWNS.values()]


def test_points_a_kilometre_either_side_of_the_real_line(agreement) -> None:  # type: ignore[no-untyped-def]
    geography = agreement.geography
    main = max(shapely.get_parts(geography.line), key=lambda part: part.length)
    samples = [main.interpolate(f, normalized=True) for f in np.linspace(0.01, 0.99, 99)]
    xs, ys = [], []
    for point in samples:
        nearest = shapely.get_coordinates(point)[0]
        ahead = main.interpolate(main.project(point) + 50)
        dx, dy = np.subtract(shapely.get_coordinates(ahead)[0], nearest)
        normal = np.array([-dy, dx]) / np.hypot(dx, dy)
        for sign in (1, -1):
            xs.append(nearest[0] + sign * 1_000 * normal[0])
            ys.append(nearest[1] + sign * 1_000 * normal[1])
    lon, lat = geography.frame.lonlat(np.array(xs), np.array(ys))
    result = agreement.classifier.classify(lon, lat)
    pairs = result.party.reshape(-1, 2)
    # A probe is never farther than 1 km from the line; it is nearer where the line doubles
    # back (a narrow salient), and then both probes may stand in it. Elsewhere they must
    # fall on opposite sides.
    assert np.all(result.distance_m <= 1_000.01)
    clear = np.all(np.abs(result.distance_m.reshape(-1, 2) - 1_000) < 1, axis=1)
    assert clear.sum() >= 30
    assert np.all(pairs[clear, 0] != pairs[clear, 1])


def test_dmz_area_is_about_twice_half_width_times_length(agreement) -> None:  # type: ignore[no-untyped-def]
    zones = {z.name: z for z in build_zones(agreement.geography, agreement.zone_parameters)}
    frame = agreement.geography.frame
    dmz = frame.to_metric(zones["demilitarized zone"].geometry)
    line_length = agreement.geography.line.length
    # clipped at borders and the sea, and a wiggly line's buffers overlap: a bit under 2dL
    assert 0.85 * 2 * 2_000 * line_length < dmz.area < 2 * 2_000 * line_length * 1.01


def test_exports_are_rfc7946_geojson_and_parseable_kml(agreement, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    zones = build_zones(agreement.geography, agreement.zone_parameters)
    dmz = next(z for z in zones if z.kind == "dmz")
    exported = feature(dmz.geometry, {})
    for polygon in shapely.get_parts(shape(exported["geometry"])):
        assert polygon.exterior.is_ccw  # right-hand rule: exterior anticlockwise
    kml = tmp_path / "zones.kml"
    write_kml(kml, zones, title="test")
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    names = [n.text for n in ET.parse(kml).getroot().iterfind(".//k:Placemark/k:name", ns)]
    assert names[:2] == ["line of contact", "demilitarized zone"]
    assert len(names) == len(zones)


def test_line_from_area_reproduces_the_bundled_line() -> None:
    area = shared_file("real/deepstate/deepstate_occupied_2025-03-18.geojson")
    result = line_from_area(str(area), "ukraine", LineParameters())
    bundled = read_geometry("bundled:demo/line_of_contact_2025-03-18.geojson")
    assert result.line.hausdorff_distance(bundled) < 0.001  # degrees: the file is rounded
    assert 1_050_000 < result.derived.line.geoms[0].length < 1_090_000


def test_bad_agreement_file_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: Bad\nparties: {RU: R}\nzones: {dmz_half_width_km: 0}\n")
    with pytest.raises(AgreementError) as caught:
        read_agreement_file(str(path))
    problems = caught.value.problems
    assert "effective_from: required" in problems
    assert "geography: required" in problems
    assert any(p.startswith("zones.dmz_half_width_km") for p in problems)


def test_agreement_with_swapped_line_is_refused(tmp_path: Path) -> None:
    (tmp_path / "line.geojson").write_text(
        json.dumps({"type": "LineString", "coordinates": [[48.0, 37.0], [48.2, 37.5]]})
    )
    text = (REPO / "src/ceasefire/data/agreements/korea-model-demo.yaml").read_text()
    text = text.replace("bundled:demo/line_of_contact_2025-03-18.geojson", "line.geojson")
    (tmp_path / "a.yaml").write_text(text)
    with pytest.raises(AgreementError, match="swapped"):
        read_agreement_file(str(tmp_path / "a.yaml"))


def test_load_places_reports_and_ingest_places_new_ones(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    shutil.copy(FIXTURES / "reports_good.csv", tmp_path / "good.csv")
    ingest_files(engine, [tmp_path / "good.csv"], rules=rules)
    agreement, new, placed = load_into_record(engine, NAME, clock=lambda: T)
    assert (agreement.version, new, placed) == (1, True, 3)  # one report has only a place name
    again, new, placed = load_into_record(engine, NAME, clock=lambda: T)
    assert (again.version, new, placed) == (1, False, 0)
    shutil.copy(FIXTURES / "reports.jsonl", tmp_path / "more.jsonl")
    ingest_files(engine, [tmp_path / "more.jsonl"], rules=rules, rejects_dir=tmp_path)
    with reading(engine) as connection:
        rows = connection.execute(select(report_geography)).all()
        assert len(rows) == 5
        assert {row.party for row in rows} == {"RU"}
        ru_side = list_reports(connection, ReportFilter(agreement=NAME, side="RU"))
        assert len(ru_side) == 5
        assert list_reports(connection, ReportFilter(agreement=NAME, side="UA")) == []
        in_mlrs_zone = list_reports(connection, ReportFilter(agreement=NAME, zone="mlrs"))
        assert len(in_mlrs_zone) == 5
        assert agreement_named(connection, NAME) is not None
        assert verify(connection).first_break is None


def test_changed_agreement_is_a_new_version_and_replaces_placements(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    shutil.copy(FIXTURES / "reports_good.csv", tmp_path / "good.csv")
    ingest_files(engine, [tmp_path / "good.csv"], rules=rules)
    load_into_record(engine, NAME, clock=lambda: T)
    text = (REPO / "src/ceasefire/data/agreements/korea-model-demo.yaml").read_text()
    text = text.replace("bundled:", "").replace("dmz_half_width_km: 2", "dmz_half_width_km: 10")
    data_dir = REPO / "src/ceasefire/data"
    changed = data_dir / "agreements" / "changed-test.yaml"
    path = tmp_path / "changed.yaml"
    path.write_text(text.replace("demo/", f"{data_dir}/demo/").replace("geo/", f"{data_dir}/geo/"))
    assert not changed.exists()
    agreement, new, placed = load_into_record(engine, str(path), clock=lambda: T)
    assert (agreement.version, new, placed) == (2, True, 3)
    with reading(engine) as connection:
        in_dmz = list_reports(connection, ReportFilter(agreement=NAME, zone="dmz"))
        assert [r.external_id for r in in_dmz] == ["2025-04-20/001"]  # 8.4 km from the line
        assert verify(connection).first_break is None


def _drop_agreement_guards(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE agreements DISABLE TRIGGER USER")
        else:
            for name in ("agreements_no_update", "agreements_no_delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {name}")


def test_forged_agreement_version_is_found(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    """A row pointing at another entry's payload, or renamed, must not verify."""
    shutil.copy(FIXTURES / "reports_good.csv", tmp_path / "good.csv")
    ingest_files(engine, [tmp_path / "good.csv"], rules=rules)
    load_into_record(engine, NAME, clock=lambda: T)
    _drop_agreement_guards(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE agreements SET name = 'other'")
    with reading(engine) as connection:
        found = verify(connection).first_break
    assert found is not None
    assert "other@1" in found.reason


def test_garbled_time_is_named_not_a_crash(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's timestamptz cannot hold a garbled value")
    load_into_record(engine, NAME, clock=lambda: T)
    _drop_agreement_guards(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE agreements SET loaded_at = 'garbage'")
    with reading(engine) as connection:
        found = verify(connection).first_break
    assert found is not None
    assert "garbage" in found.reason
