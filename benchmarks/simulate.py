"""What-if at scale: a generated year along the real line, ingested, grouped, and a plan swept
over 20 values of one parameter.

Stages, each timed: *generate* the scenario (the `escalation` profile with its rate multiplied
by --scale, seeded), *ingest* it into SQLite (validation, the ledger, placement is skipped: no
agreement loaded until after), *load agreement* (every report placed against the line),
*violations* (incidents told and attributed: the grouping the sweep re-uses), *one replay*
(`simulate` once), and the *sweep* of 20 values of `escalation.count_in_24h`. Goal: the sweep
re-uses the violations (grouping happens once) and each sweep point costs no more than one
replay; the table prints the ratio.

Usage: .venv/bin/python benchmarks/simulate.py [--days 365] [--scale 4.0] [--seed 7]
(the defaults make about 2 million reports; --days 30 runs in a few minutes)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from ceasefire.clock import utc_now
from ceasefire.domain.enforcement.simulation import simulate, sweep
from ceasefire.domain.scenario import generate, parse_profile
from ceasefire.domain.validation import REPORT_FIELDS, IngestRules
from ceasefire.export.report_formats import csv_text
from ceasefire.services.agreements import load_into_record
from ceasefire.services.enforcement import counting_from
from ceasefire.services.ingest import ingest_files
from ceasefire.services.plans import load_plan_data, read_plan, with_counting
from ceasefire.services.violations import violations_in_record
from ceasefire.services.yaml_files import find, read_yaml
from ceasefire.speed.collector import collector_paused
from ceasefire.store.agreement_store import agreement_named
from ceasefire.store.db import make_engine, reading
from ceasefire.store.migrate import upgrade
from timing import timed

KYIV = ZoneInfo("Europe/Kyiv")
START = datetime(2025, 1, 1, tzinfo=KYIV)
NOW = datetime(2026, 11, 25, tzinfo=UTC)
SWEEP_KEY = "escalation.count_in_24h"
SWEEP_VALUES = list(range(5, 105, 5))  # 20 values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scale", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    end = START + timedelta(days=args.days)
    console = Console()
    stages: list[tuple[str, float, str]] = []

    def stage(name: str, started: float, note: str = "") -> float:
        now = time.perf_counter()
        stages.append((name, now - started, note))
        console.log(f"{name}: {now - started:.1f} s {note}")
        return now

    data, problem = read_yaml("scenarios", find("scenarios", "escalation"))
    assert problem is None
    data = {**data, "violations_per_day": data["violations_per_day"] * args.scale}
    profile = parse_profile(data, "escalation")
    assert not isinstance(profile, list), profile
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
        with reading(engine) as connection:
            agreement = agreement_named(connection, "korea-model-demo")
        assert agreement is not None
        t = time.perf_counter()
        rows = generate(
            profile, agreement.geography, agreement.classifier, START, end, args.seed, KYIV
        )
        path = Path(folder) / "scenario.csv"
        path.write_text(csv_text(rows, REPORT_FIELDS))
        t = stage("generate", t, f"{len(rows):,} reports")
        outcome = ingest_files(
            engine, [path], rules=IngestRules(now=NOW, zone=KYIV), clock=lambda: NOW
        )
        assert outcome.ok
        t = stage("ingest + place + group", t, f"{outcome.added:,} stored")
        with collector_paused(), reading(engine) as connection:
            violations = violations_in_record(connection, "korea-model-demo", at=utc_now())
        t = stage("violations (grouped once)", t, f"{len(violations):,} attributed")
        plan_data = with_counting(load_plan_data("coalition-three-phase"), "reported")
        with collector_paused():
            plan = counting_from(read_plan("coalition-three-phase"), "reported")
            # One replay, the median of three: the yardstick each sweep point is held to.
            one = statistics.median(timed(lambda: simulate(plan, violations, START, end), 3))
            stages.append(("one replay (median of 3)", one, ""))
            t = time.perf_counter()
            sweep(plan_data, SWEEP_KEY, SWEEP_VALUES, violations, START, end)
            t = stage(f"sweep of {len(SWEEP_VALUES)} values", t)
        per_point = stages[-1][1] / len(SWEEP_VALUES)
        engine.dispose()
    table = Table(
        title=f"simulate benchmark: {args.days} days, escalation x {args.scale}, seed {args.seed}"
    )
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("")
    for name, seconds, note in stages:
        table.add_row(name, f"{seconds:.1f}", note)
    table.add_row(
        "sweep, per point", f"{per_point:.2f}", f"{per_point / one:.2f} x one replay (goal <= 1.0)"
    )
    console.print(table)
    console.print(
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
