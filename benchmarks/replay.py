"""Engine throughput: a year of violations through the default plan, against reading them.

2,000,000 generated violations over 2025 for three parties (RU, UA, and a third), stored in an
SQLite table. *floor*: reading the same rows back with sqlite3 in event order, turning nothing
into anything. *timeline*: reading them, building each `Violation`, and folding them through the
plan in event time (`timeline`: what should happen in light of everything known). *log*: the
same through `replay`, the decision log as a running system writes it, each violation arriving
five minutes after it happened (so in event order), clocks ticking at every arrival. Goal: at
least 250,000 violations/s and within 3x of the floor.

Usage: .venv/bin/python benchmarks/replay.py [--violations N] [--repeat K] [--plan NAME]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ceasefire.domain.enforcement.plan_run import replay, timeline
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.taxonomy import Category, Severity, default_severity
from ceasefire.services.plans import DEFAULT_PLAN, read_plan
from ceasefire.speed.collector import collector_paused
from timing import timed

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
SECONDS = 365 * 24 * 3600
PARTIES = ("RU", "UA", "XX")
SECTORS = ("Kharkiv", "Luhansk", "Donetsk", "Zaporizhzhia", "Kherson")
KINDS = (
    Category.SMALL_ARMS,
    Category.SHELLING,
    Category.ARTILLERY,
    Category.MORTAR,
    Category.DRONE_STRIKE,
    Category.GROUND_ASSAULT,
    Category.AIR_STRIKE,
)
GOAL_RATE, GOAL_RATIO = 250_000, 3.0


def build(path: Path, count: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE violations (id TEXT, party TEXT, observed_at TEXT, known_at TEXT, "
        "severity TEXT, category TEXT, sector TEXT)"
    )
    rows = []
    for i in range(count):
        observed = YEAR_START + timedelta(seconds=rng.randrange(SECONDS))
        category = rng.choice(KINDS)
        severity = default_severity(category)
        if rng.random() < 0.01:
            severity = Severity.GRAVE
        known = observed + timedelta(minutes=5)
        rows.append(
            (
                f"v{i:08d}",
                rng.choice(PARTIES),
                observed.isoformat(),
                known.isoformat(),
                severity.value,
                category.value,
                rng.choice(SECTORS),
            )
        )
    connection.executemany("INSERT INTO violations VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    connection.execute("CREATE INDEX ix_observed ON violations (observed_at)")
    connection.commit()
    connection.close()


QUERY = (
    "SELECT id, party, observed_at, known_at, severity, category, sector "
    "FROM violations ORDER BY observed_at, id"
)


def floor(path: Path) -> int:
    connection = sqlite3.connect(path)
    count = sum(1 for _ in connection.execute(QUERY))
    connection.close()
    return count


def read(path: Path, parties: frozenset[str] | None) -> list[Violation]:
    """Every row is read; a Violation is built only for the parties the plan tracks (the
    engine would drop the others at once)."""
    connection = sqlite3.connect(path)
    severities = {s.value: s for s in Severity}
    categories = {c.value: c for c in Category}
    parse = datetime.fromisoformat
    violations = [
        Violation(
            vid, party, parse(observed), parse(known), severities[sev], categories[cat], sector
        )
        for vid, party, observed, known, sev, cat, sector in connection.execute(QUERY)
        if parties is None or party in parties
    ]
    connection.close()
    return violations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--violations", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--plan", default=DEFAULT_PLAN)
    args = parser.parse_args()
    console = Console()
    plan = read_plan(args.plan)
    end = YEAR_START + timedelta(days=366)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "violations.db"
        with console.status(f"generating {args.violations:,} violations"):
            build(path, args.violations)
        counts: dict[str, int] = {}

        def run_timeline() -> None:
            with collector_paused():  # as the service does
                counts["timeline"] = len(timeline(plan, read(path, plan.subjects)))

        def run_log() -> None:
            with collector_paused():
                counts["log"] = len(replay(plan, read(path, plan.subjects), until=end))

        sides = {
            "floor: read rows": lambda: floor(path),
            "timeline": run_timeline,
            "log (replay)": run_log,
        }
        results = {}
        for name, function in sides.items():
            with console.status(f"timing {name}"):
                results[name] = [args.violations / s for s in timed(function, args.repeat)]
    floor_rate = statistics.median(results["floor: read rows"])
    title = f"Engine: {args.violations:,} violations over 2025, plan {plan.name}"
    table = Table(title=f"{title}, median of {args.repeat}")
    for column in ("side", "violations/s (median)", "min", "max", "floor / side", "decisions"):
        table.add_column(column, justify="left" if column == "side" else "right")
    for name, rates in results.items():
        median = statistics.median(rates)
        decisions = str(counts.get(name.split()[0], "")) if name != "floor: read rows" else ""
        table.add_row(
            name,
            f"{median:,.0f}",
            f"{min(rates):,.0f}",
            f"{max(rates):,.0f}",
            f"{floor_rate / median:.1f}x",
            decisions,
        )
    table.caption = (
        f"goal: >= {GOAL_RATE:,} violations/s and within {GOAL_RATIO:g}x of the floor. "
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    )
    console.print(table)


if __name__ == "__main__":
    main()
