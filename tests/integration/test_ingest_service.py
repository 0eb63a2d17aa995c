"""The ingest use case on both databases: every record accounted for, nothing half-written."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import GROWN_BY_IMPORT, ingest_files
from ceasefire.store.db import make_engine, reading
from ceasefire.store.migrate import upgrade
from ceasefire.store.report_store import ReportFilter, count_reports

from ..conftest import FIXTURES


def copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(FIXTURES / name, target)
    return target


def stored(engine: Engine) -> int:
    with reading(engine) as connection:
        return count_reports(connection, ReportFilter())


def test_bad_rows_are_rejected_with_reasons_and_good_rows_kept(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = copy(tmp_path, "reports_bad.csv")
    outcome = ingest_files(engine, [path], rules=rules)
    (file,) = outcome.files
    assert (outcome.added, len(file.rejections), outcome.ok) == (2, 9, False)
    lines = [line for r in file.rejections for line in r.lines()]
    assert f"{path}:3: lat: 137.9 is out of range [-90, 90]; lon and lat look swapped" in lines[0]
    assert any(
        line.startswith(f"{path}:9: category: unknown value 'bombardment'") for line in lines
    )
    assert any(f"{path}:7:" in line and "in the future" in line for line in lines)
    with (tmp_path / "reports_bad.rejects.csv").open(encoding="utf-8") as handle:
        rejected = list(csv.DictReader(handle))
    assert [row["external_id"] for row in rejected] == [
        "bad-swap-range",
        "bad-swap-aoi",
        "bad-missing-coords",
        "bad-lon-range",
        "bad-future",
        "bad-end-before-start",
        "bad-category",
        "bad-count",
        "bad-civilians",
    ]
    assert stored(engine) == 2


def test_fixed_rejects_import_cleanly_and_stale_rejects_file_goes(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = copy(tmp_path, "reports.geojson")
    ingest_files(engine, [path], rules=rules)
    rejects = tmp_path / "reports.rejects.geojson"
    assert rejects.exists()
    collection = json.loads(rejects.read_text())
    collection["features"][0]["geometry"] = {"type": "Point", "coordinates": [38.05, 48.05]}
    fixed = json.dumps(collection)
    path.write_text(fixed)
    outcome = ingest_files(engine, [path], rules=rules)
    assert (outcome.ok, outcome.added) == (True, 1)
    assert not rejects.exists()


def test_all_or_nothing_stores_nothing_when_a_row_is_bad(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    good, bad = copy(tmp_path, "reports_good.csv"), copy(tmp_path, "reports_bad.csv")
    outcome = ingest_files(engine, [good, bad], rules=rules, all_or_nothing=True)
    assert (outcome.stored, outcome.added) == (False, 0)
    assert stored(engine) == 0
    assert ingest_files(engine, [good], rules=rules, all_or_nothing=True).added == 4


def test_conflicting_reimport_is_rejected_not_overwritten(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = copy(tmp_path, "reports_good.csv")
    assert ingest_files(engine, [path], rules=rules).added == 4
    path.write_text(path.read_text().replace(",12,,,,undetermined", ",13,,,,undetermined"))
    outcome = ingest_files(engine, [path], rules=rules)
    (file,) = outcome.files
    assert (outcome.added, outcome.repeats, outcome.ok) == (0, 3, False)
    assert "already accepted with different content" in file.rejections[0].lines()[0]
    assert f"{path}:2: external_id:" in file.rejections[0].lines()[0]


def test_conflict_under_all_or_nothing_rolls_back_everything(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = copy(tmp_path, "reports_good.csv")
    ingest_files(engine, [path], rules=rules)
    extra = copy(tmp_path, "reports.jsonl")
    extra.write_text("\n".join(extra.read_text().splitlines()[:2]) + "\n")
    path.write_text(path.read_text().replace(",12,,,,undetermined", ",13,,,,undetermined"))
    outcome = ingest_files(engine, [extra, path], rules=rules, all_or_nothing=True)
    assert outcome.stored is False
    assert stored(engine) == 4


def test_unreadable_file_is_refused_whole_and_others_still_stored(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    good, broken = copy(tmp_path, "reports_good.csv"), copy(tmp_path, "not_utf8.csv")
    outcome = ingest_files(engine, [good, broken], rules=rules)
    assert (outcome.added, outcome.failed_files, outcome.ok) == (4, 1, False)
    assert "not UTF-8" in str(outcome.files[1].problem)


def test_acled_import_counts_skipped_and_names_acled_columns(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = copy(tmp_path, "acled_synthetic.csv")
    outcome = ingest_files(engine, [path], rules=rules)
    (file,) = outcome.files
    assert (outcome.added, sum(file.skipped.values()), len(file.rejections)) == (3, 2, 1)
    assert file.rejections[0].lines()[0].startswith(f"{path}:7: latitude: 148.281 is out of range")


def test_same_named_inputs_keep_both_rejects_files(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(FIXTURES / "reports_bad.csv", tmp_path / "a" / "r.csv")
    shutil.copy(FIXTURES / "reports_bad.csv", tmp_path / "b" / "r.csv")
    out = tmp_path / "out"
    out.mkdir()
    outcome = ingest_files(
        engine, [tmp_path / "a" / "r.csv", tmp_path / "b" / "r.csv"], rules=rules, rejects_dir=out
    )
    assert sorted(p.name for p in out.iterdir()) == ["r.rejects.1.csv", "r.rejects.2.csv"]
    assert {f.rejects_path for f in outcome.files} == set(out.iterdir())


def test_record_time_never_runs_backwards(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    """A second writer whose clock is behind the head's still records at the head's time."""
    from datetime import timedelta

    shutil.copy(FIXTURES / "reports_good.csv", tmp_path / "good.csv")
    ingest_files(engine, [tmp_path / "good.csv"], rules=rules)
    shutil.copy(FIXTURES / "reports.geojson", tmp_path / "more.geojson")
    behind = rules.now - timedelta(hours=1)
    ingest_files(engine, [tmp_path / "more.geojson"], rules=rules, clock=lambda: behind)
    with engine.connect() as connection:
        times = [
            row[0]
            for row in connection.exec_driver_sql("SELECT recorded_at FROM ledger ORDER BY seq")
        ]
    parsed = [
        t if not isinstance(t, str) else __import__("datetime").datetime.fromisoformat(t)
        for t in times
    ]
    assert parsed == sorted(parsed)


@pytest.mark.postgres
@pytest.mark.parametrize("threshold", [1, 10**9])
def test_a_bulk_import_refreshes_the_planner_statistics_on_postgresql(
    pg_url: str, rules: IngestRules, monkeypatch: pytest.MonkeyPatch, threshold: int
) -> None:
    """Without it, the next import's look-up of known ids by primary key was planned as a
    sequential scan of a table the planner still thought empty (autovacuum off, or not yet
    come round): a second per statement at 50,000 reports."""
    monkeypatch.setattr("ceasefire.services.ingest.ANALYZE_AFTER_ROWS", threshold)
    engine = make_engine(pg_url)
    upgrade(engine)
    assert ingest_files(engine, [FIXTURES / "reports_good.csv"], rules=rules).added > 0
    with reading(engine) as connection:
        analysed = connection.execute(
            text(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
            )
        ).scalars()
        found = set(analysed)
    engine.dispose()
    assert found == (set(GROWN_BY_IMPORT) if threshold == 1 else set())


def _line(external_id: str, **extra: object) -> str:
    report = {
        "source_id": "osce-1",
        "source_kind": "monitor_patrol",
        "source_org": "OSCE",
        "external_id": external_id,
        "observed_start": "2025-04-20T10:00Z",
        "category": "artillery",
        "lon": 37.9,
        "lat": 48.3,
    } | extra
    return json.dumps(report)


def test_inputs_that_once_crashed_an_import_are_rejected_by_name_and_nothing_valid_is_lost(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    """A row nested a thousand deep, NaN and Infinity, a lone surrogate escaped in JSON:
    each was a traceback (RecursionError, ValueError, UnicodeEncodeError) that stored none
    of the file's good rows."""
    deep = "{" + '"a":{' * 1000 + "}" * 1001
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                _line("good-1"),
                deep,
                _line("good-2"),
                _line("nan").replace("37.9", "NaN"),
                _line("inf").replace("48.3", "-Infinity"),
                _line("surrogate", text="x").replace('"x"', '"\\ud800"'),
                _line("good-3"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    outcome = ingest_files(engine, [path], rules=rules)
    (file,) = outcome.files
    assert outcome.added == 3
    said = [line for r in file.rejections for line in r.lines()]
    assert said == [
        f"{path}:2: line: nested too deeply to read (a report's fields are flat values)",
        f"{path}:4: lon: NaN is not a number a record can keep",
        f"{path}:5: lat: -Infinity is not a number a record can keep",
        f"{path}:6: text: is not valid Unicode text (a lone surrogate)",
    ]
    rejected = (tmp_path / "mixed.rejects.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(rejected) == 4  # each as it was sent, ready to fix


def test_a_geojson_nested_too_deeply_is_refused_whole_with_its_name(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    outcome = ingest_files(engine, [path, copy(tmp_path, "reports_good.csv")], rules=rules)
    assert outcome.added == 4
    assert "nested too deeply" in str(outcome.files[0].problem)


def test_a_header_of_thirty_thousand_unknown_columns_is_named_briefly(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    """Each unknown column was counted against the whole header, then given a suggestion:
    minutes for 30,000 columns, never ending for a million."""
    good = (FIXTURES / "reports_good.csv").read_text(encoding="utf-8").splitlines()
    header = good[0] + "," + ",".join(f"stray{i}" for i in range(30_000))
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n", encoding="utf-8")
    outcome = ingest_files(engine, [path], rules=rules)
    problem = str(outcome.files[0].problem)
    assert "unknown column 'stray0'" in problem
    assert "and 29,980 more unknown columns" in problem
    assert len(problem) < 2_000
