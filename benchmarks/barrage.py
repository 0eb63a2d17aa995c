"""Filing during a barrage: what one report costs as the reports around it pile up.

The live loop (`live_loop.py`) offers 200 reports a second, each observed as it is sent. At
that rate every report of the last minute is within a link's time of every other, and the
writer that stores them (the API's group commit) groups each new batch against all of those
near it. This isolates that writer from HTTP, the clock and the other processes: the same
reports are handed to it (`services.appender`) in submissions of `--batch` (about what it
takes at a time under that load), one transaction each, in chunks of 2,000, on two copies of
the same record (`live_loop.py`'s, `cf_live_<--record>`), alternating chunk by chunk:

- *barrage*: observed 1/200 s apart, ending now (as the live loop sends them);
- *spread*: the same reports at the scenario's own times (a peak day's traffic over a day).

The table gives, per chunk, this process's CPU and the wall time per report on each. If the
barrage's cost grows chunk by chunk while the spread's stays flat, it is the density of the
window, not the size of the record or the HTTP stack, that bounds filing.

Usage: .venv/bin/python benchmarks/barrage.py [--reports 12000] [--batch 40] [--record 10000]
       [--db postgresql+psycopg://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from ceasefire.clock import utc_now
from ceasefire.domain.validation import Accepted, IngestRules, parse_report
from ceasefire.services.appender import Appender, Submission
from ceasefire.store.db import make_engine
from live_loop import SERVER, Records, build, load_rows

CHUNK = 2_000
RATE = 200  # reports a second, as the live loop offers them
console = Console()


def accepted(rows: list[dict[str, Any]], barrage: bool, tag: str) -> list[Accepted]:
    now = utc_now()
    rules = IngestRules(now=now + timedelta(minutes=5), zone=ZoneInfo("Europe/Kyiv"))
    start = datetime.now(UTC) - timedelta(seconds=len(rows) / RATE)
    found = []
    for k, row in enumerate(rows):
        body = {key: value for key, value in row.items() if value not in (None, "")}
        body["external_id"] = f"{tag}-{k}"
        if barrage:
            body["observed_start"] = (start + timedelta(seconds=k / RATE)).isoformat()
            body.pop("observed_end", None)
        result = parse_report(body, rules)
        assert isinstance(result, Accepted), result
        found.append(result)
    return found


def store(writer: Appender, batch: list[Accepted], size: int) -> tuple[float, float]:
    """CPU and wall seconds to store `batch` in transactions of `size`."""
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(batch), size):
        answer = writer.submit(Submission("bench-monitor", batch[start : start + size]))
        assert answer.status == 201, answer
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=12_000)
    parser.add_argument("--batch", type=int, default=40)
    parser.add_argument("--record", type=int, default=10_000, help="live_loop.py's record")
    parser.add_argument("--db", default=SERVER, help="The PostgreSQL server (no database).")
    args = parser.parse_args()
    records = Records(args.db, sqlite=False)
    if not records.exists(args.record):
        build(records, args.record)
    kinds = ("barrage", "spread")
    engines: dict[str, Engine] = {}
    writers: dict[str, Appender] = {}
    work: dict[str, list[Accepted]] = {}
    for kind in kinds:
        url = records.create(records.name(args.record, f"_{kind}"), records.name(args.record))
        engines[kind] = make_engine(url)
        writers[kind] = Appender(engines[kind], utc_now)
        work[kind] = accepted(load_rows(url, args.reports, 4242), kind == "barrage", kind)
    table = Table(
        title=f"Filing {args.reports:,} reports in transactions of {args.batch}, "
        f"on the {args.record:,}-report record (PostgreSQL), alternating chunk by chunk"
    )
    table.add_column("reports stored before")
    for kind in kinds:
        table.add_column(f"{kind}: ms CPU / report", justify="right")
        table.add_column(f"{kind}: reports/s", justify="right")
    table.add_column("CPU barrage / spread", justify="right")
    try:
        for start in range(0, args.reports, CHUNK):
            cells = [f"{start:,}"]
            per: dict[str, float] = {}
            for kind in kinds:
                chunk = work[kind][start : start + CHUNK]
                cpu, wall = store(writers[kind], chunk, args.batch)
                per[kind] = cpu / len(chunk)
                cells += [f"{per[kind] * 1e3:.2f}", f"{len(chunk) / wall:,.0f}"]
            cells.append(f"{per['barrage'] / per['spread']:.1f}")
            table.add_row(*cells)
            console.print(f"  {start + CHUNK:,} of {args.reports:,} stored on each")
    finally:
        for kind in kinds:
            engines[kind].dispose()
            records.drop(records.name(args.record, f"_{kind}"))
    console.print(table)


if __name__ == "__main__":
    main()
