"""The importers on the real files in ../shared/data (never committed here); skipped without it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.store.db import make_engine, reading
from ceasefire.store.incident_check import membership_problem
from ceasefire.store.incident_store import all_memberships
from ceasefire.store.migrate import upgrade
from ceasefire.store.schema import reports as reports_table
from ceasefire.store.verify import verify

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


def _partition(engine: Engine) -> set[frozenset[str]]:
    with reading(engine) as connection:
        rows = all_memberships(connection)
    by: dict[int, set[str]] = {}
    for report_id, row in rows.items():
        by.setdefault(row.incident, set()).add(report_id)
    return {frozenset(members) for members in by.values()}


def test_real_events_group_alike_in_either_order_and_replay(
    rules: IngestRules, tmp_path: Path
) -> None:
    """ACLED's sample and UCDP's 2022 year, imported in both orders: the same incidents (ids
    aside), never two rows of one dataset in an incident, and verify's replay agrees with what
    ingest wrote."""
    files = [
        shared_file("real/acled_sample/acled_ukraine_sample_700.csv"),
        shared_file("real/ucdp_ged/ucdp_ukraine_2022-02-24_2023-02-28.csv"),
    ]
    partitions = []
    for order, paths in enumerate((files, files[::-1])):
        engine = make_engine(f"sqlite:///{tmp_path / f'order{order}.db'}")
        upgrade(engine)
        for path in paths:  # one file per ingest: the second links against the first
            assert ingest_files(engine, [path], rules=rules, rejects_dir=tmp_path).added > 0
        with reading(engine) as connection:
            assert membership_problem(connection) is None
            assert verify(connection).first_break is None
        partitions.append(_partition(engine))
        engine.dispose()
    assert partitions[0] == partitions[1]
    reports = sum(len(p) for p in partitions[0])
    assert reports == 1584
    # Each dataset is already one row per event: its own rows never group with each other,
    # only an ACLED row with a UCDP row of the same event.
    with reading(make_engine(f"sqlite:///{tmp_path / 'order0.db'}")) as connection:
        source_of = dict(
            connection.execute(select(reports_table.c.report_id, reports_table.c.source_id)).all()
        )
    for incident in partitions[0]:
        sources = [source_of[r] for r in incident]
        assert len(sources) == len(set(sources))
