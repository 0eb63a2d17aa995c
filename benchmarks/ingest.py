"""Ingest throughput: the full pipeline against a plain-sqlite3 floor, on the same CSV.

`pipeline` times one `ingest_files` call on a fresh, migrated SQLite file: read and parse the
CSV, validate every record, plan the intake, hash-chain a ledger entry per source and report,
and store ledger, sources and reports in one transaction (WAL, synchronous=FULL).

`floor` times what any importer of this file must do at the least: read the same CSV with
`csv.reader` and `executemany` the rows in one transaction into a table with the CSV's columns
and a unique index on (source_id, external_id), in a fresh file with sqlite3's default journal.
It has no validation, no ledger and no hashing, so it is the cost of getting the bytes from the
file into the database; the ratio pipeline/floor shows what our checks and the tamper-evident
record cost on top of that. Goal: pipeline >= 0.5 x floor.

`floor + indexes` is the floor with the three indexes our reports table keeps for the queries
that read it (by time; by category and time, twice, for grouping). Each row then goes into four
B-trees in random order instead of one. It separates what keeping the record queryable costs
from what our checks and the log cost. `floor + indexes after` builds the same indexes once the
rows are in (same transaction), as a bulk load into an empty table may.

`store only` is the ceiling of any pipeline that keeps our record: the very rows the pipeline
stored (ledger, sources, reports, incident memberships), read back from its file as tuples and
`executemany`d in one transaction into a fresh migrated database with the pipeline's settings.
No parsing, no validation, no hashing, no grouping: only the writes. No importer of this record
can run faster than that, so `store only / floor` bounds `pipeline / floor`.

Usage: .venv/bin/python benchmarks/ingest.py [--rows N] [--repeat K]
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import platform
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import REPORT_FIELDS, IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.store.db import make_engine
from ceasefire.store.migrate import upgrade

GOAL = 0.5
SEED = 20250418
NOW = datetime(2025, 4, 18, tzinfo=UTC)
PERIOD_START = datetime(2025, 3, 18, tzinfo=UTC)
PERIOD_SECONDS = int((datetime(2025, 4, 17, 23, 59, tzinfo=UTC) - PERIOD_START).total_seconds())
KINDS = ("monitor_patrol", "camera_uav", "sensor", "party_complaint", "news_osint")
DIRECTIONS = ("incoming", "outgoing", "undetermined")
PLACES = ("Kamianske", "Huliaipole", "Orikhiv", "Stepnohirsk", "Mala Tokmachka", "Vuhledar")
SOUNDS = ("Heard", "Observed", "Recorded", "Reported")
WHATS = ("explosions", "impacts", "bursts of fire", "a launch", "a flash and smoke")


def generate_csv(path: Path, rows: int, seed: int = SEED) -> None:
    """Write `rows` valid reports in our CSV format, the same for a given seed."""
    rng = random.Random(seed)
    sources = [
        (f"src-{n:02d}", rng.choice(KINDS), f"Org {n % 7}", rng.choice("ABCDEF")) for n in range(20)
    ]
    categories = [c.value for c in Category]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(REPORT_FIELDS)
        for i in range(rows):
            source_id, kind, org, reliability = rng.choice(sources)
            start = PERIOD_START + timedelta(seconds=rng.randrange(PERIOD_SECONDS))
            end = start + timedelta(minutes=rng.randint(1, 15)) if rng.random() < 0.6 else None
            killed = rng.choice((0,) * 18 + (1, 2))
            injured = rng.choice((0,) * 14 + (1, 2, 3, 5))
            text = f"{rng.choice(SOUNDS)} {rng.choice(WHATS)} near {rng.choice(PLACES)}."
            row = {
                "source_id": source_id,
                "source_kind": kind,
                "source_org": org,
                "source_reliability": reliability,
                "external_id": f"ev-{i:08d}",
                "observed_start": start.isoformat(timespec="seconds"),
                "observed_end": end.isoformat(timespec="seconds") if end else "",
                "lon": f"{rng.uniform(35.5, 39.5):.5f}",
                "lat": f"{rng.uniform(46.5, 49.5):.5f}",
                "geo_precision": "exact",
                "place": rng.choice(PLACES) if rng.random() < 0.5 else "",
                "category": rng.choice(categories),
                "explosions": rng.randint(0, 12),
                "projectiles": rng.randint(0, 6),
                "bursts": rng.randint(0, 4),
                "shots": rng.randint(0, 30),
                "direction": rng.choice(DIRECTIONS),
                "killed": killed,
                "injured": injured,
                "text": text,
            }
            writer.writerow([row.get(name, "") for name in REPORT_FIELDS])


def run_pipeline(csv_path: Path, db_path: Path, rows: int) -> float:
    """Seconds for one `ingest_files` call on a fresh migrated database."""
    migrated(db_path)
    engine = make_engine(f"sqlite:///{db_path}")
    try:
        rules = IngestRules(now=NOW, zone=ZoneInfo("Europe/Kyiv"))
        started = time.perf_counter()
        outcome = ingest_files(engine, [csv_path], rules=rules)
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    if outcome.added != rows or not outcome.ok:
        raise SystemExit(
            f"pipeline: added {outcome.added} of {rows}, rejected {outcome.rejected}, "
            f"failed files {outcome.failed_files}"
        )
    return elapsed


def migrated(db_path: Path) -> None:
    """A fresh SQLite file at `db_path` with our schema, from a template migrated once."""
    template = db_path.parent / "migrated.template"
    if not template.exists():
        engine = make_engine(f"sqlite:///{template}")
        try:
            upgrade(engine)
        finally:
            engine.dispose()
    shutil.copyfile(template, db_path)


Stored = dict[str, list[tuple[object, ...]]]  # table -> its rows, in the file's order


def stored_rows(db_path: Path) -> Stored:
    """Every row of every table the import wrote, as the file holds it, tables in the order
    the migrations created them."""
    connection = sqlite3.connect(db_path)
    try:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version' "
                "ORDER BY rowid"
            )
        ]
        # Table names come from sqlite_master of our own file, never from input.
        tables = {name: connection.execute(f"SELECT * FROM {name}").fetchall() for name in names}
    finally:
        connection.close()
    return {name: rows for name, rows in tables.items() if rows}


def run_store_only(stored: Stored, db_path: Path, rows: int) -> float:
    """Seconds to write the pipeline's own rows, as tuples, into a fresh migrated database with
    the pipeline's connection settings, in one transaction."""
    migrated(db_path)
    connection = sqlite3.connect(db_path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            connection.execute(f"PRAGMA {pragma}")
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        for name, table in stored.items():  # in creation order: what is referred to first
            marks = ", ".join("?" * len(table[0]))
            connection.executemany(f"INSERT INTO {name} VALUES ({marks})", table)
        connection.execute("COMMIT")
        elapsed = time.perf_counter() - started
        _all_stored("store only", connection, rows)
    finally:
        connection.close()
    return elapsed


# The indexes our reports table keeps besides the identity, for the queries that read it
# (reports by time, and the neighbours grouping reads by category and time).
QUERY_INDEXES = (
    "CREATE INDEX ix_start ON reports (observed_start)",
    "CREATE INDEX ix_category_start ON reports (category, observed_start)",
    "CREATE INDEX ix_category_end ON reports (category, observed_end)",
)


def run_floor(csv_path: Path, db_path: Path, rows: int) -> float:
    """Seconds to read the CSV with csv.reader and executemany it in one transaction."""
    return _floor(csv_path, db_path, rows, ())


def run_floor_indexed(csv_path: Path, db_path: Path, rows: int) -> float:
    """The floor with our reports table's query indexes added: how much of the gap between
    pipeline and floor is the cost of keeping the record queryable, not of our checks."""
    return _floor(csv_path, db_path, rows, QUERY_INDEXES)


def run_floor_indexed_after(csv_path: Path, db_path: Path, rows: int) -> float:
    """The same indexes built once the rows are in, in the same transaction: what a bulk load
    into an empty table can do (into a large one, rebuilding costs the whole table)."""
    return _floor(csv_path, db_path, rows, (), after=QUERY_INDEXES)


def _floor(
    csv_path: Path,
    db_path: Path,
    rows: int,
    indexes: tuple[str, ...],
    after: tuple[str, ...] = (),
) -> float:
    connection = sqlite3.connect(db_path)
    try:
        columns = ", ".join(f"{name} TEXT" for name in REPORT_FIELDS)
        connection.execute(f"CREATE TABLE reports ({columns})")
        connection.execute("CREATE UNIQUE INDEX ux_reports ON reports (source_id, external_id)")
        for index in indexes:
            connection.execute(index)
        connection.commit()
        insert = f"INSERT INTO reports VALUES ({', '.join('?' * len(REPORT_FIELDS))})"
        started = time.perf_counter()
        with csv_path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            with connection:
                connection.executemany(insert, reader)
                for index in after:
                    connection.execute(index)
        elapsed = time.perf_counter() - started
        _all_stored("floor", connection, rows)
    finally:
        connection.close()
    return elapsed


def _all_stored(side: str, connection: sqlite3.Connection, rows: int) -> None:
    """A side that lost rows measured something else: stop rather than print its rate."""
    stored = connection.execute("SELECT count(*) FROM reports").fetchone()[0]
    if stored != rows:
        raise SystemExit(f"{side}: stored {stored} of {rows}")


Runner = Callable[[Path, Path, int], float]


def measure(
    csv_path: Path, folder: Path, rows: int, repeat: int, console: Console
) -> dict[str, list[float]]:
    """Rows per second of each side, K times, interleaved so drift hits both alike."""
    runners: dict[str, Runner] = {
        "pipeline": run_pipeline,
        "floor": run_floor,
        "floor + indexes": run_floor_indexed,
        "floor + indexes after": run_floor_indexed_after,
    }
    rates: dict[str, list[float]] = {name: [] for name in [*runners, "store only"]}
    stored: Stored = {}
    with console.status("") as status:
        for k in range(1, repeat + 1):
            for name in rates:
                status.update(f"[bold]{name}[/]: run {k} of {repeat}, {rows:,} rows ...")
                db_path = folder / f"{name.replace(' + ', '-').replace(' ', '-')}-{k}.db"
                gc.collect()
                if name == "store only":
                    seconds = run_store_only(stored, db_path, rows)
                else:
                    seconds = runners[name](csv_path, db_path, rows)
                if name == "pipeline" and not stored:
                    stored = stored_rows(db_path)
                rates[name].append(rows / seconds)
                for leftover in folder.glob(f"{db_path.name}*"):
                    leftover.unlink()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=200_000, help="rows in the CSV")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side")
    args = parser.parse_args()
    rows: int = args.rows
    repeat: int = args.repeat
    console = Console()
    with tempfile.TemporaryDirectory(prefix="ceasefire-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "reports.csv"
        with console.status(f"generating {rows:,} rows ..."):
            generate_csv(csv_path, rows)
        size_mb = csv_path.stat().st_size / 1e6
        rates = measure(csv_path, folder, rows, repeat, console)

    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratio = medians["pipeline"] / medians["floor"]
    verdict = "[green]met[/]" if ratio >= GOAL else "[red]not met[/]"
    table = Table(
        title=f"Ingest on SQLite: {rows:,} rows ({size_mb:.1f} MB CSV), median of {repeat}",
        caption=(
            f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}"
        ),
        show_footer=True,
    )
    table.add_column("side", footer="pipeline/floor")
    table.add_column("rows/s (median)", justify="right", footer=f"{ratio:.2f}")
    table.add_column("min", justify="right")
    table.add_column("max", justify="right")
    table.add_column("what", footer=f"goal >= {GOAL}: {verdict}")
    what = {
        "pipeline": "ingest_files, WAL",
        "floor": "csv + executemany",
        "floor + indexes": "the same, with our 3 query indexes",
        "floor + indexes after": "the indexes built after the insert",
        "store only": "the pipeline's own rows, executemany",
    }
    for name, values in rates.items():
        low, high = min(values), max(values)
        table.add_row(name, f"{medians[name]:,.0f}", f"{low:,.0f}", f"{high:,.0f}", what[name])
    console.print(table)
    indexed = medians["pipeline"] / medians["floor + indexes"]
    kept, after = (
        medians[name] / medians["floor"] for name in ("floor + indexes", "floor + indexes after")
    )
    console.print(
        f"pipeline / (floor + indexes) = {indexed:.2f}; the floor with our query indexes runs at "
        f"{kept:.2f} of the floor when they are kept as rows arrive, {after:.2f} when built after"
    )
    ceiling = medians["store only"] / medians["floor"]
    share = medians["pipeline"] / medians["store only"]
    console.print(
        f"store only / floor = {ceiling:.2f}: no importer of this record can pass that ratio; "
        f"pipeline / store only = {share:.2f}"
    )


if __name__ == "__main__":
    main()
