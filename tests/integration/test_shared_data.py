"""The importers on the real files in ../shared/data (never committed here); skipped without it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import ingest_files

from ..conftest import shared_file


def test_acled_sample_imports(sqlite_engine: Engine, rules: IngestRules, tmp_path: Path) -> None:
    path = shared_file("real/acled_sample/acled_ukraine_sample_700.csv")
    outcome = ingest_files(sqlite_engine, [path], rules=rules, rejects_dir=tmp_path)
    (file,) = outcome.files
    assert file.format_name == "acled"
    assert file.rejections == [], [r.lines() for r in file.rejections[:5]]
    assert outcome.added + sum(file.skipped.values()) == 700
    assert outcome.added > 650


def test_ucdp_2022_file_imports(sqlite_engine: Engine, rules: IngestRules, tmp_path: Path) -> None:
    path = shared_file("real/ucdp_ged/ucdp_ukraine_2022-02-24_2023-02-28.csv")
    outcome = ingest_files(sqlite_engine, [path], rules=rules, rejects_dir=tmp_path)
    assert outcome.files[0].format_name == "ucdp"
    assert outcome.ok, [r.lines() for r in outcome.files[0].rejections[:5]]
    assert outcome.added == 894
