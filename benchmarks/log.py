"""The transparency log at a million entries: what appending costs beside the hash chain and
the ledger's own write, how long a proof takes, and `verify` with the tree beside `verify`
without it (the chain walk and read-row check the record had before), in the same run.

1. Append: a SQLite record of N entries (report-sized payloads), written in batches of 5,000
   as ingest writes them; per batch, side by side: hashing the chain (what every entry cost
   before), inserting the ledger rows, and extending the tree (the log's cost).
2. Ingest's share: a generated scenario imported through the real pipeline, with the time
   spent extending the tree measured inside it.
3. Proofs at N: inclusion proofs of random entries and consistency proofs from random sizes,
   each from a fresh reader (no tile cached, as a request would be), alternating with the
   floor: reading one ledger row by its key.
4. verify at N: the full check, alternating with the same check with the tree left out, and
   with the check as it was before the log (each entry joined to every read table, no tree).

Usage: .venv/bin/python benchmarks/log.py [--entries 1000000] [--proofs 300] [--verify-runs 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import Connection, FromClause, select

import ceasefire.store.ledger_store as ledger_store
import ceasefire.store.verify as verify_module
from ceasefire.domain.canonical import canonical_json, sha256_hex
from ceasefire.domain.ledger import GENESIS_HASH, make_entry
from ceasefire.domain.transparency import verify_consistency, verify_inclusion
from ceasefire.store.bulk import insert_tuples
from ceasefire.store.db import make_engine, reading, writing
from ceasefire.store.migrate import upgrade
from ceasefire.store.report_rows import ledger_values
from ceasefire.store.schema import ledger
from ceasefire.store.transparency_store import StoredTree, entry_leaf_hash, extend_tree

BATCH = 5_000
INGEST_ROWS = 50_000
KIND = "BenchmarkEntry"  # a kind no read table projects: verify checks its chain and tree only


def _payload(i: int) -> str:
    """About the size of a report's canonical payload (660 bytes on average)."""
    return canonical_json(
        {
            "external_id": f"bench-{i}",
            "source_id": f"osce-patrol-{i % 97}",
            "category": "artillery",
            "observed_start": "2025-04-20T10:00:00+00:00",
            "observed_end": "2025-04-20T10:15:00+00:00",
            "lon": 37.9 + (i % 1000) / 10000,
            "lat": 48.3 - (i % 777) / 10000,
            "place": "2 km south-west of Zolote",
            "text": "The patrol heard 12 undetermined explosions 3-5 km south-west. " * 6,
        }
    )


def build(url: str, entries: int, console: Console) -> dict[str, float]:
    """The record of `entries` synthetic entries; seconds spent on each part of appending."""
    engine = make_engine(url)
    upgrade(engine)
    spent = {"chain": 0.0, "rows": 0.0, "tree": 0.0}
    prev, at = GENESIS_HASH, datetime(2026, 1, 1, tzinfo=UTC)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("appending", total=entries)
        for start in range(0, entries, BATCH):
            count = min(BATCH, entries - start)
            payloads = [_payload(start + k) for k in range(count)]
            digests = [sha256_hex(p) for p in payloads]  # ingest has these already
            t0 = time.perf_counter()
            batch = []
            for k in range(count):
                entry = make_entry(
                    seq=start + k + 1,
                    kind=KIND,
                    subject_id=f"bench-{start + k}",
                    recorded_at=at,
                    payload=payloads[k],
                    payload_sha256=digests[k],
                    prev_hash=prev,
                )
                batch.append(entry)
                prev = entry.entry_hash
            t1 = time.perf_counter()
            with writing(engine) as connection:
                insert_tuples(
                    connection, ledger, [ledger_values(e, text_times=True) for e in batch]
                )
                t2 = time.perf_counter()
                extend_tree(connection, batch)
                t3 = time.perf_counter()
            spent["chain"] += t1 - t0
            spent["rows"] += t2 - t1
            spent["tree"] += t3 - t2
            progress.update(task, completed=start + count)
    engine.dispose()
    return spent


def ingest_share(folder: Path, console: Console) -> tuple[float, float, int]:
    """Seconds of a real import, of which extending the tree, and reports imported."""
    from ceasefire.domain.validation import IngestRules
    from ceasefire.services.ingest import ingest_files
    from ingest import generate_csv
    from timing import new_record

    engine, _ = new_record(f"sqlite:///{folder / 'ingest.db'}", "korea-model-demo")
    source = folder / "reports.csv"
    generate_csv(source, INGEST_ROWS)
    tree_seconds = [0.0]
    original = ledger_store.extend_tree

    def timed_extend(connection, entries):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        original(connection, entries)
        tree_seconds[0] += time.perf_counter() - started

    ledger_store.extend_tree = timed_extend  # type: ignore[assignment]
    try:
        rules = IngestRules(now=datetime.now(UTC), zone=UTC)
        started = time.perf_counter()
        outcome = ingest_files(engine, [source], rules=rules)
        total = time.perf_counter() - started
    finally:
        ledger_store.extend_tree = original  # type: ignore[assignment]
    engine.dispose()
    console.print(f"imported {outcome.added:,} reports in {total:.1f} s")
    return total, tree_seconds[0], outcome.added


def proofs(url: str, entries: int, count: int) -> dict[str, list[float]]:
    """Milliseconds for each proof (and each floor read), alternating."""
    engine = make_engine(url)
    rng = random.Random(7)
    times: dict[str, list[float]] = {"inclusion": [], "consistency": [], "row read": []}
    with reading(engine) as connection:
        size = StoredTree(connection).size()
        root = StoredTree(connection).root(size)
        for _ in range(count):
            index = rng.randrange(size)
            started = time.perf_counter()
            path = StoredTree(connection).inclusion(index, size)
            times["inclusion"].append((time.perf_counter() - started) * 1000)
            leaf = StoredTree(connection).leaf(index)
            assert verify_inclusion(index, size, leaf, path, root)
            first = rng.randrange(1, size)
            started = time.perf_counter()
            steps = StoredTree(connection).consistency(first, size)
            times["consistency"].append((time.perf_counter() - started) * 1000)
            assert verify_consistency(first, size, steps, StoredTree(connection).root(first), root)
            started = time.perf_counter()
            connection.execute(select(ledger).where(ledger.c.seq == index + 1)).one()
            times["row read"].append((time.perf_counter() - started) * 1000)
    engine.dispose()
    assert size == entries
    return times


def joined_pages(connection: Connection) -> Iterator[list[dict[str, Any]]]:
    """`verify`'s pages as they were read before the log: every entry joined to the fourteen
    read tables in one query (the peer: the chain walk as it was)."""
    columns = [verify_module._raw(c, c.name) for c in ledger.columns]
    joined: FromClause = ledger
    for prefix, table in verify_module._PROJECTIONS:
        columns += [verify_module._raw(c, prefix + c.name) for c in table.columns]
        joined = joined.outerjoin(table, table.c.ledger_seq == ledger.c.seq)
    base = select(*columns).select_from(joined).order_by(ledger.c.seq).limit(verify_module._PAGE)
    after = 0
    while True:
        rows = [dict(row._mapping) for row in connection.execute(base.where(ledger.c.seq > after))]
        if not rows:
            return
        yield rows
        after = rows[-1]["seq"]


class NoTree:
    """The tree check left out."""

    def __init__(self, *_: object) -> None:
        self.report = None

    def feed(self, *_: object) -> None:
        return None

    def finish(self) -> None:
        return None


VARIANTS = {
    "verify": (None, None),
    "verify without the tree": (NoTree, None),
    "verify before the log (joined pages, no tree)": (NoTree, joined_pages),
}


def verify_runs(url: str, runs: int, console: Console) -> dict[str, list[float]]:
    """Seconds of `verify` as it is, without its tree check, and as it was before the log."""
    engine = make_engine(url)
    times: dict[str, list[float]] = {label: [] for label in VARIANTS}

    def run(label: str) -> None:
        tree_check, pages = VARIANTS[label]
        saved = verify_module.TreeCheck, verify_module.entry_leaf_hash, verify_module._pages
        if tree_check is not None:
            verify_module.TreeCheck = tree_check  # type: ignore[assignment,misc]
            verify_module.entry_leaf_hash = lambda _entry: b""  # type: ignore[assignment]
        if pages is not None:
            verify_module._pages = pages  # type: ignore[assignment]
        try:
            with reading(engine) as connection:
                started = time.perf_counter()
                result = verify_module.verify(connection)
                times[label].append(time.perf_counter() - started)
            assert result.first_break is None, result.first_break
        finally:
            (
                verify_module.TreeCheck,  # type: ignore[misc]
                verify_module.entry_leaf_hash,
                verify_module._pages,
            ) = saved
        console.print(f"{label}: {times[label][-1]:.1f} s")

    for _ in range(runs):
        for label in VARIANTS:
            run(label)
    engine.dispose()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=300)
    parser.add_argument("--verify-runs", type=int, default=2)
    args = parser.parse_args()
    console = Console()
    console.print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = f"sqlite:///{folder / 'log.db'}"
        spent = build(url, args.entries, console)
        table = Table(title=f"Appending {args.entries:,} entries (SQLite, batches of {BATCH:,})")
        table.add_column("part")
        table.add_column("seconds", justify="right")
        table.add_column("us per entry", justify="right")
        for part, label in (
            ("chain", "hash chain (before the log)"),
            ("rows", "ledger rows inserted"),
            ("tree", "the tree extended (the log)"),
        ):
            table.add_row(label, f"{spent[part]:.1f}", f"{spent[part] / args.entries * 1e6:.1f}")
        console.print(table)

        total, tree, added = ingest_share(folder, console)
        share = Table(title="The log's share of a real import")
        for column in ("reports", "import s", "tree s", "share"):
            share.add_column(column, justify="right")
        share.add_row(f"{added:,}", f"{total:.1f}", f"{tree:.2f}", f"{tree / total:.1%}")
        console.print(share)

        times = proofs(url, args.entries, args.proofs)
        proof_table = Table(title=f"Proofs at {args.entries:,} entries ({args.proofs} each)")
        for column in ("", "median ms", "p99 ms"):
            proof_table.add_column(column, justify="right")
        for label, values in times.items():
            ordered = sorted(values)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            proof_table.add_row(label, f"{statistics.median(values):.3f}", f"{p99:.3f}")
        console.print(proof_table)

        if args.verify_runs < 1:
            return
        checks = verify_runs(url, args.verify_runs, console)
        verify_table = Table(title=f"verify at {args.entries:,} entries ({args.verify_runs} runs)")
        for column in ("", "median s", "ratio"):
            verify_table.add_column(column, justify="right")
        floor = statistics.median(checks["verify before the log (joined pages, no tree)"])
        for label, values in checks.items():
            median = statistics.median(values)
            verify_table.add_row(label, f"{median:.1f}", f"{median / floor:.2f}")
        console.print(verify_table)
        console.print(f"leaf hash per entry: {_leaf_cost():.2f} us")


def _leaf_cost() -> float:
    from ceasefire.domain.ledger import LedgerEntry

    entry = LedgerEntry(1, KIND, "x", datetime(2026, 1, 1, tzinfo=UTC), "{}", "0" * 64, "", "")
    started = time.perf_counter()
    for _ in range(100_000):
        entry_leaf_hash(entry)
    return (time.perf_counter() - started) / 100_000 * 1e6


if __name__ == "__main__":
    main()
