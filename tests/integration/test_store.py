"""The storage contract, run on SQLite and on the real PostgreSQL alike."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from ceasefire.domain.taxonomy import categories_matching
from ceasefire.domain.validation import BBox, IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.store.db import reading, writing
from ceasefire.store.report_store import ReportFilter, count_reports, list_reports
from ceasefire.store.schema import metadata
from ceasefire.store.verify import verify

from ..conftest import FIXTURES, REPO

SAMPLE = REPO / "data" / "samples" / "ucdp_ged_donbas_minsk2.csv"


KNOWN_BAD = {"reports.geojson": 1, "reports.jsonl": 2}  # records the fixtures get wrong on purpose


def load(engine: Engine, rules: IngestRules, *names: str) -> None:
    """Import fixtures, rejects going to a scratch folder, never beside the fixtures."""
    scratch = Path(tempfile.mkdtemp())
    paths = [FIXTURES / n for n in names]
    outcome = ingest_files(engine, paths, rules=rules, rejects_dir=scratch)
    assert outcome.failed_files == 0
    assert outcome.rejected == sum(KNOWN_BAD.get(n, 0) for n in names)
    shutil.rmtree(scratch)


def test_migrations_match_the_table_definitions(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_reports_round_trip_unchanged(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv", "reports.geojson")
    with reading(engine) as connection:
        found = list_reports(connection, ReportFilter())
    assert len(found) == 6
    mortar = next(r for r in found if r.external_id == "2025-04-20/002")
    assert mortar.links == ("https://example.org/r/2", "https://example.org/r/2b")
    assert mortar.observed_start == datetime(2025, 4, 20, 13, 10, tzinfo=UTC)
    assert mortar.observed_start.tzinfo is not None
    assert [r.observed_start for r in found] == sorted(r.observed_start for r in found)


def test_filters(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv", "reports.jsonl")

    def ids(**kwargs: object) -> set[str]:
        with reading(engine) as connection:
            return {r.external_id for r in list_reports(connection, ReportFilter(**kwargs))}  # type: ignore[arg-type]

    since = datetime(2025, 4, 20, 11, 40, tzinfo=UTC)  # inside 001 (11:35 to 11:50 UTC)
    assert ids(since=since) == {"2025-04-20/001", "2025-04-20/002"}
    # the overnight complaint (22:00 to 03:00 UTC) overlaps a window starting at midnight
    midnight = datetime(2025, 4, 20, 0, 0, tzinfo=UTC)
    assert "UA-2025-0417" in ids(since=midnight, until=datetime(2025, 4, 20, 1, 0, tzinfo=UTC))
    assert ids(bbox=BBox(37.9, 48.2, 38.0, 48.4)) == {"2025-04-20/001"}
    assert ids(categories=categories_matching("shelling")) == {
        "2025-04-20/001",
        "2025-04-20/002",
        "UA-2025-0417",
        "s3-0001",
        "s3-0002",
    }
    assert ids(source_id="sensor-3") == {"s3-0001", "s3-0002"}
    with reading(engine) as connection:
        assert count_reports(connection, ReportFilter(limit=1)) == 6
        assert len(list_reports(connection, ReportFilter(limit=2, offset=5))) == 1


def test_reports_and_ledger_refuse_update_and_delete(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv")
    for statement in (
        "UPDATE reports SET category = 'artillery'",
        "DELETE FROM reports",
        "UPDATE ledger SET payload = '{}'",
        "DELETE FROM ledger",
    ):
        with pytest.raises(DBAPIError, match="append-only"), writing(engine) as connection:
            connection.execute(text(statement))


def _drop_guards(engine: Engine) -> None:
    """What a database administrator bent on tampering would do first."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in ("reports", "ledger"):
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for name in (
                "reports_no_update",
                "reports_no_delete",
                "ledger_no_update",
                "ledger_no_delete",
            ):
                connection.execute(text(f"DROP TRIGGER {name}"))


def _tamper(engine: Engine, statement: str) -> None:
    _drop_guards(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(statement)  # raw SQL, as a tamperer would type it


def _seq_of(engine: Engine, external_id: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT ledger_seq FROM reports WHERE external_id = :e"), {"e": external_id}
            ).scalar_one()
        )


def test_intact_record_verifies(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv", "reports.geojson")
    with reading(engine) as connection:
        result = verify(connection)
    assert result.first_break is None
    assert result.entries_checked == 6 + 4  # reports and their four sources


def test_edited_report_row_is_found_at_its_entry(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv")
    seq = _seq_of(engine, "2025-04-20/002")
    _tamper(
        engine, "UPDATE reports SET category = 'explosion' WHERE external_id = '2025-04-20/002'"
    )
    with reading(engine) as connection:
        found = verify(connection).first_break
    assert found is not None
    assert found.seq == seq
    assert "category is 'explosion' in the table, 'mortar' in the log" in found.reason


def test_edited_ledger_payload_is_found(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv")
    seq = _seq_of(engine, "cam11-0419-1")
    _tamper(
        engine,
        "UPDATE ledger SET payload = replace(payload, '\"bursts\":6', '\"bursts\":0') "
        f"WHERE seq = {seq}",
    )
    with reading(engine) as connection:
        found = verify(connection).first_break
    assert found is not None
    assert (found.seq, "payload" in found.reason) == (seq, True)


def test_deleted_report_row_is_found(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv")
    seq = _seq_of(engine, "2025-04-20/001")
    # Its incident membership goes first (a foreign key holds it), as a tamperer would find.
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "DELETE FROM incident_members WHERE report_id IN "
            "(SELECT report_id FROM reports WHERE external_id = '2025-04-20/001')"
        )
    _tamper(engine, "DELETE FROM reports WHERE external_id = '2025-04-20/001'")
    with reading(engine) as connection:
        found = verify(connection).first_break
    assert found is not None
    assert (found.seq, "missing" in found.reason) == (seq, True)


def test_changed_receipt_time_is_found(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv")
    seq = _seq_of(engine, "UA-2025-0417")
    new_time = (
        "'2020-01-01T00:00:00.000000Z'"
        if engine.dialect.name == "sqlite"
        else "'2020-01-01T00:00Z'"
    )
    _tamper(
        engine, f"UPDATE reports SET received_at = {new_time} WHERE external_id = 'UA-2025-0417'"
    )
    with reading(engine) as connection:
        found = verify(connection).first_break
    assert found is not None
    assert (found.seq, "received at" in found.reason) == (seq, True)


def test_large_sample_ingests_and_verifies(engine: Engine, rules: IngestRules) -> None:
    outcome = ingest_files(engine, [SAMPLE], rules=rules)
    assert (outcome.ok, outcome.added) == (True, 1447)
    again = ingest_files(engine, [SAMPLE], rules=rules)
    assert (again.added, again.repeats) == (0, 1447)
    with reading(engine) as connection:
        assert verify(connection).first_break is None
        assert count_reports(connection, ReportFilter()) == 1447


def test_appends_continue_the_chain(engine: Engine, rules: IngestRules, tmp_path: Path) -> None:
    load(engine, rules, "reports_good.csv")
    load(engine, rules, "reports.geojson")
    with reading(engine) as connection:
        result = verify(connection)
    assert result.first_break is None
    assert result.entries_checked == 4 + 3 + 2 + 1


def test_sources_refuse_update(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv")
    with pytest.raises(DBAPIError, match="append-only"), writing(engine) as connection:
        connection.execute(text("UPDATE sources SET reliability = 'A'"))


def test_verify_returns_the_head_to_anchor_outside(engine: Engine, rules: IngestRules) -> None:
    load(engine, rules, "reports_good.csv")
    with reading(engine) as connection:
        result = verify(connection)
        head = connection.exec_driver_sql("SELECT max(seq) FROM ledger").scalar_one()
    assert result.head_seq == head
    assert len(result.head_hash) == 64
