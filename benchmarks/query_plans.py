"""PostgreSQL's plans for every query of the live loop's update: is each one indexed?

Issue #23 asks that the update after a change read only what the change touched, "through
indexed queries (check the PostgreSQL plans too)". This builds a record of the bundled
`escalation` scenario in a schema of its own (as `clock_step.py` does), brings what a server
keeps up to date (the clock's violations and plan run, the map's window), files a few new
reports, and then records every statement the update runs: the clock's catch-up and step, and
the map's answer for the default window. Each distinct SELECT is then shown to PostgreSQL's
`EXPLAIN` with its own parameters, and the table prints, for each, the plan's scans and the
planner's estimate of the rows read; a sequential scan of a table that grows with the record
is flagged.

Usage: .venv/bin/python benchmarks/query_plans.py [--days 60] [--batch 20]
       [--db postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, event

from ceasefire.clock import utc_now
from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.services.live import step
from ceasefire.speed.clock_loop import catch_up
from ceasefire.speed.plan_runs import kept_log
from ceasefire.speed.stories import cached_incident_stories, default_window
from ceasefire.speed.violations import violations_now
from ceasefire.store.agreement_store import agreement_named, default_name
from ceasefire.store.db import reading
from clock_step import _write, build, database

# Tables whose size grows with the record: a sequential scan of one is the defect looked for.
GROWING = {
    "reports",
    "incident_members",
    "report_geography",
    "ledger",
    "review_reports",
    "sources",
    "incident_links",
    "decisions",
}


def update(engine: Engine) -> None:
    """What a server does after new reports: the clock's catch-up and step, the map's answer."""
    now = utc_now()
    catch_up(engine, now, None)
    step(
        engine,
        now=now,
        clock=utc_now,
        remind_every=timedelta(hours=1),
        violations=violations_now,
        plan_log=kept_log,
    )
    with reading(engine) as connection:
        name = default_name(connection)
        agreement = agreement_named(connection, name) if name else None
        cached_incident_stories(connection, agreement, default_window(connection))


def captured(engine: Engine) -> list[tuple[str, Any]]:
    """Every statement (and its parameters) the update runs."""
    found: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", listen)
    try:
        update(engine)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return found


def scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """(node type, relation) of every scan in a plan tree."""
    found = []
    if "Relation Name" in plan:
        found.append((plan["Node Type"], plan["Relation Name"]))
    for child in plan.get("Plans", []):
        found += scans(child)
    return found


def explain(engine: Engine, statements: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    seen: set[str] = set()
    with engine.connect() as connection:
        cursor = connection.connection.cursor()
        for statement, parameters in statements:
            text = " ".join(statement.split())
            if not text.upper().startswith("SELECT") or text in seen:
                continue
            seen.add(text)
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]["Plan"]
            found = scans(plan)
            rows.append(
                {
                    "query": text,
                    "scans": found,
                    "rows": plan.get("Plan Rows"),
                    "cost": plan.get("Total Cost"),
                    "flagged": [r for kind, r in found if kind == "Seq Scan" and r in GROWING],
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, default=60.0)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument(
        "--db", default="postgresql+psycopg://postgres@127.0.0.1:5432/test", help="PostgreSQL."
    )
    parser.add_argument("--json", help="Also write the plans' summary to this file.")
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as folder, database(args.db, Path(folder)) as url:
        console.print(f"building {args.days:g} days of escalation on PostgreSQL ...")
        engine, held, size = build(Path(folder), args.days, args.batch, url)
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        update(engine)  # what a running server keeps, brought up to date
        path = Path(folder) / "new.csv"
        _write(path, held)
        ingest_files(engine, [path], rules=IngestRules(now=utc_now(), zone=UTC), clock=utc_now)
        statements = captured(engine)
        rows = explain(engine, statements)
        engine.dispose()
    table = Table(
        title=f"the update after {args.batch} new reports at {size:,} reports: "
        f"{len(statements)} statements, {len(rows)} distinct SELECTs"
    )
    for column in ("query", "scans", "est. rows", "seq scan of a growing table"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(
            r["query"][:160],
            ", ".join(f"{kind} {rel}" for kind, rel in r["scans"]),
            f"{r['rows']:,}" if r["rows"] is not None else "",
            ", ".join(r["flagged"]) or "-",
        )
    console.print(table)
    flagged = [r for r in rows if r["flagged"]]
    console.print(f"{len(flagged)} of {len(rows)} SELECTs scan a growing table in full")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
