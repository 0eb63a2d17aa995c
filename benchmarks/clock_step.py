"""One clock step after a few new reports: kept violations against telling the record afresh.

A record of the bundled `escalation` scenario along the real line (the default agreement, the
default plan adopted, counting reported incidents) is built at each size, holding back its last
reports. Then, in one process as `ceasefire clock` or `serve` runs it, rounds of: a few held-back
reports ingested, then one clock step. *kept*: the step takes its violations from
`speed.violations.violations_now`, which keeps each incident's violation between steps and looks
again only at the incidents told again since. *afresh*: the same step telling every incident's
story from the record (`violations_in_record`, what each step did before). The two alternate,
round by round, on the same record; the table gives the median step of each and their ratio,
and, across sizes, how the kept step grows with the record (the goal of issue #23: the step at
the larger size within 2x of the smaller).

Usage: .venv/bin/python benchmarks/clock_step.py [--days 7 150] [--rounds 6] [--batch 20]
       [--db postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, create_engine, text

from ceasefire.clock import utc_now
from ceasefire.domain.scenario import generate
from ceasefire.domain.validation import REPORT_FIELDS, IngestRules
from ceasefire.export.report_formats import csv_text
from ceasefire.services.ingest import ingest_files
from ceasefire.services.live import PlanLog, ViolationSource, adopt, replayed_log, step
from ceasefire.services.violations import violations_in_record
from ceasefire.speed.plan_runs import kept_log
from ceasefire.speed.violations import violations_now
from timing import escalation, new_record

AGREEMENT = "korea-model-demo"


def build(
    folder: Path, days: float, held: int, url: str
) -> tuple[Engine, list[dict[str, Any]], int]:
    """A record of `days` of escalation up to now, less its last `held` reports (returned)."""
    engine, loaded = new_record(url, AGREEMENT)
    profile = escalation()
    end = utc_now()
    rows = generate(
        profile, loaded.geography, loaded.classifier, end - timedelta(days=days), end, 11, UTC
    )
    rows.sort(key=lambda r: r["observed_start"])
    first, rest = rows[:-held], rows[-held:]
    path = folder / "first.csv"
    _write(path, first)
    outcome = ingest_files(
        engine, [path], rules=IngestRules(now=utc_now(), zone=UTC), clock=utc_now
    )
    assert outcome.ok
    adopt(engine, "coalition-three-phase", counting="reported", clock=utc_now)
    return engine, rest, len(first)


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text(csv_text(rows, REPORT_FIELDS), encoding="utf-8")


def one_step(engine: Engine, source: ViolationSource, plan_log: PlanLog) -> float:
    started = time.perf_counter()
    step(
        engine,
        now=utc_now(),
        clock=utc_now,
        remind_every=timedelta(hours=1),
        violations=source,
        plan_log=plan_log,
    )
    return time.perf_counter() - started


def measure(days: float, rounds: int, batch: int, db: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, database(db, Path(folder)) as url:
        engine, held, size = build(Path(folder), days, rounds * batch, url)
        first = one_step(engine, violations_now, kept_log)  # tells every incident, once
        kept: list[float] = []
        afresh: list[float] = []
        for k in range(rounds):
            path = Path(folder) / f"batch{k}.csv"
            _write(path, held[k * batch : (k + 1) * batch])
            ingest_files(engine, [path], rules=IngestRules(now=utc_now(), zone=UTC), clock=utc_now)
            order = [
                (kept, violations_now, kept_log),
                (afresh, violations_in_record, replayed_log),
            ]
            for times, source, plan_log in order if k % 2 == 0 else order[::-1]:
                times.append(one_step(engine, source, plan_log))
        engine.dispose()
    return {
        "reports": size,
        "first": first,
        "kept": statistics.median(kept),
        "afresh": statistics.median(afresh),
    }


@contextmanager
def database(db: str | None, folder: Path) -> Iterator[str]:
    """An SQLite file in `folder`, or a schema of its own in the PostgreSQL at `db`, dropped
    after."""
    if db is None:
        yield f"sqlite:///{folder / 'record.db'}"
        return
    schema = f"cf_clock_{uuid.uuid4().hex[:8]}"
    admin = create_engine(db)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{db}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, nargs="+", default=[7.0, 70.0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument(
        "--db", help="A PostgreSQL URL (postgresql+psycopg://...) to build in; default SQLite."
    )
    args = parser.parse_args()
    console = Console()
    results = []
    for days in args.days:
        console.print(f"building {days:g} days of escalation ...")
        results.append(measure(days, args.rounds, args.batch, args.db))
    where = "PostgreSQL" if args.db else "SQLite"
    table = Table(title=f"one clock step after {args.batch} new reports ({where}, medians)")
    for column in ("reports", "first step s", "kept s", "afresh s", "afresh / kept"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            f"{r['reports']:,.0f}",
            f"{r['first']:.2f}",
            f"{r['kept']:.3f}",
            f"{r['afresh']:.3f}",
            f"{r['afresh'] / r['kept']:.1f}",
        )
    console.print(table)
    if len(results) > 1:
        small, large = results[0], results[-1]
        console.print(
            f"kept step at {large['reports']:,.0f} reports / at {small['reports']:,.0f}: "
            f"{large['kept'] / small['kept']:.2f}x (goal < 2); afresh: "
            f"{large['afresh'] / small['afresh']:.2f}x"
        )


if __name__ == "__main__":
    main()
