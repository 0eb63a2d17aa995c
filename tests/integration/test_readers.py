"""Each import format read from a real file, down to the records and their locations."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.ingest.formats import detect_format, open_file
from ceasefire.ingest.records import FileProblem, read_text

from ..conftest import FIXTURES, REPO


def records(name: str, fmt: str | None = None) -> list:  # type: ignore[type-arg]
    path = FIXTURES / name
    return list(open_file(path, read_text(path), fmt).records)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("reports_good.csv", "csv"),
        ("reports.jsonl", "jsonl"),
        ("reports.geojson", "geojson"),
        ("acled_synthetic.csv", "acled"),
    ],
)
def test_format_is_detected(name: str, expected: str) -> None:
    path = FIXTURES / name
    assert detect_format(path, read_text(path)) == expected


def test_ucdp_sample_is_detected() -> None:
    path = REPO / "data" / "samples" / "ucdp_ged_donbas_minsk2.csv"
    assert detect_format(path, read_text(path)) == "ucdp"


def test_unknown_extension_asks_for_format(tmp_path: Path) -> None:
    path = tmp_path / "reports.xlsx"
    path.write_text("x")
    with pytest.raises(FileProblem, match="--format"):
        detect_format(path, "x")


def test_csv_records_carry_their_line_numbers() -> None:
    found = records("reports_good.csv")
    assert [r.where.rsplit(":", 1)[1] for r in found] == ["2", "3", "4", "5"]
    assert found[0].fields["place"] == "3-5 km SW of Horlivka"


def test_csv_row_spanning_lines_reports_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "multi.csv"
    path.write_text(
        "source_id,source_kind,observed_start,category,place,text\n"
        's,sensor,2025-04-20,explosion,A,"one\ntwo"\n'
        "s,sensor,2025-04-20,explosion,B,three\n"
    )
    found = list(open_file(path, read_text(path), None).records)
    assert [r.where.rsplit(":", 1)[1] for r in found] == ["2", "4"]


def test_csv_unknown_column_suggests_the_right_one(tmp_path: Path) -> None:
    path = tmp_path / "typo.csv"
    path.write_text("source_id,source_kind,observed_start,catgory\ns,sensor,2025-04-20,explosion\n")
    with pytest.raises(FileProblem) as caught:
        open_file(path, read_text(path), None)
    assert "typo.csv:1" in str(caught.value)
    assert "did you mean 'category'" in str(caught.value)
    assert "missing required column(s) category" in str(caught.value)


def test_csv_ragged_row_is_a_record_problem(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("source_id,source_kind,observed_start,category\ns,sensor,2025-04-20\n")
    (record,) = list(open_file(path, read_text(path), None).records)
    assert str(record.problem) == "row: has 3 cells, the header has 4"


def test_empty_and_non_utf8_files_are_refused() -> None:
    with pytest.raises(FileProblem, match="empty"):
        read_text(FIXTURES / "empty.csv")
    with pytest.raises(FileProblem, match=r"not_utf8.csv:2: not UTF-8 \(byte 0xe9"):
        read_text(FIXTURES / "not_utf8.csv")


def test_jsonl_lines_problems_and_lists() -> None:
    found = records("reports.jsonl")
    assert [r.where.rsplit(":", 1)[1] for r in found] == ["1", "2", "4", "5"]
    assert found[0].fields["links"] == ["https://example.org/s3/1"]
    assert "fields: unknown field(s) colour" in str(found[2].problem)
    assert str(found[3].problem).startswith("line: not valid JSON")


def test_geojson_points_null_geometry_and_polygons() -> None:
    found = records("reports.geojson")
    assert [r.where.rsplit(":", 1)[1] for r in found] == [
        "features[0]",
        "features[1]",
        "features[2]",
    ]
    assert (found[0].fields["lon"], found[0].fields["lat"]) == (38.0512, 48.4411)
    assert "lon" not in found[1].fields
    assert "geometry: 'Polygon' is not supported" in str(found[2].problem)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "Feature"}', "expected a FeatureCollection, got 'Feature'"),
        ('{"type": "FeatureCollection", "features": {}}', "'features' must be an array"),
        ('{"type": "FeatureCollection",\n "features": [}', "bad.geojson:2: not valid JSON"),
    ],
)
def test_malformed_geojson_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(text)
    with pytest.raises(FileProblem) as caught:
        open_file(path, read_text(path), None)
    assert message in str(caught.value)


def test_acled_rows_map_to_categories_and_skip_what_is_not_a_violation() -> None:
    found = records("acled_synthetic.csv")
    by_id = {r.original[2]: r for r in found}
    assert by_id["SYN0001"].fields["category"] == "artillery"
    assert by_id["SYN0001"].fields["alleged_party"] == "RU"
    assert by_id["SYN0001"].fields["observed_start"] == "2025-04-19"
    assert by_id["SYN0002"].fields["category"] == "drone_strike"
    assert by_id["SYN0002"].fields["observed_start"] == "2025-04-20"
    assert by_id["SYN0003"].fields["alleged_party"] == ""  # a clash has no single shooter
    assert by_id["SYN0003"].fields["time_precision"] == "week"
    assert "Protests" in str(by_id["SYN0004"].skip_reason)
    assert by_id["SYN0005"].skip_reason is not None
    assert by_id["SYN0006"].column_names["lat"] == "latitude"
