"""The dashboard with 100,000 incidents: time from navigation to the map showing them all
(every incident in the map's clusters), in headless Chromium, median of 5. Goal: under 2 s on
this machine.

Seeds a fresh SQLite file: the bundled korea-model-demo agreement and N reports that are each
their own incident (spread along the line of contact over a year, minutes apart, so none group),
then starts `ceasefire serve` and loads the page as an analyst, --repeat times. Each run reports
the total (navigation to every incident drawn), the incidents request alone (Resource Timing),
and the rest (parsing, filtering, clustering, drawing). Rows:

- *clustered (ceasefire)*: the page as it is.
- *plain circles (peer)*: the same page and payload, every incident its own canvas circle (no
  clustering): what clustering costs or saves.
- *after a new report*: one report is ingested (another process, as a monitor's import would)
  before each load, so the server has not told that state's incidents before the page asks.

Usage: .venv/bin/python benchmarks/dashboard.py [--incidents 100000] [--repeat 5]
       [--screenshot map.png]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.table import Table

from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.services.users import add_user
from ceasefire.store.db import make_engine, writing
from timing import serving

START = datetime(2025, 1, 1, tzinfo=UTC)
CATEGORIES = ("artillery", "mortar", "small_arms", "drone_strike", "explosion", "mlrs")


def seed_csv(path: Path, count: int, seed: int, prefix: str = "b", start: datetime = START) -> None:
    """One report per incident: far enough apart in time (5 min) that none group."""
    rng = random.Random(seed)
    lines = [
        "source_id,source_kind,source_org,external_id,observed_start,lon,lat,category,alleged_party"
    ]
    for k in range(count):
        at = start + timedelta(minutes=5 * k)
        lon, lat = rng.uniform(35.0, 39.5), rng.uniform(46.8, 49.5)
        party = rng.choice(("RU", "UA", ""))
        lines.append(
            f"osce-{k % 50},monitor_patrol,OSCE,{prefix}{k},{at.isoformat()},{lon:.4f},{lat:.4f},"
            f"{rng.choice(CATEGORIES)},{party}"
        )
    path.write_text("\n".join(lines) + "\n")


def cli(db: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "ceasefire", "--db", db, *args], check=True, capture_output=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--screenshot", type=Path, help="save the clustered page here")
    args = parser.parse_args()
    console = Console()
    folder = Path(tempfile.mkdtemp(prefix="cf-dashboard-"))
    db = f"sqlite:///{folder / 'd.db'}"
    try:
        started = time.perf_counter()
        seed_csv(folder / "seed.csv", args.incidents, seed=7)
        cli(db, "init")
        cli(db, "ingest", str(folder / "seed.csv"))
        cli(db, "agreement", "load", "korea-model-demo")
        engine = make_engine(db)
        with writing(engine) as connection:
            token = add_user(connection, "bench", Role.ANALYST, None, clock=utc_now)
        engine.dispose()
        console.print(
            f"seeded {args.incidents:,} incidents in {time.perf_counter() - started:.0f} s"
        )
        with serving(db) as base:
            rows = measure(base, token, args, Path(folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    table = Table(
        title=f"Dashboard, {args.incidents:,} incidents (median of {args.repeat}, seconds)",
        title_justify="left",
    )
    for column in ("page", "navigation to all drawn", "incidents request", "the rest", "runs"):
        table.add_column(column)
    for name, totals, requests in rows:
        med, req = statistics.median(totals), statistics.median(requests)
        table.add_row(
            name,
            f"{med:.2f}",
            f"{req:.2f}",
            f"{med - req:.2f}",
            ", ".join(f"{t:.2f}" for t in totals),
        )
    console.print(table)
    console.print(
        f"goal: under 2 s · {platform.python_version()}, {os.cpu_count()} cores, Chromium headless"
    )


# The peer: every incident a canvas circle on the map, no clusters.
PLAIN = """
window.cluster = (shown) => {
  index = null;
  incidentLayer.clearLayers();
  let drawn = 0;
  for (const i of shown) {
    if (i.lon === null || i.lat === null) continue;
    incidentLayer.addLayer(incidentMarker(i, i.lat, i.lon));
    drawn += 1;
  }
  document.body.dataset.drawn = String(drawn);
};
"""

Row = tuple[str, list[float], list[float]]


def measure(base: str, token: str, args: argparse.Namespace, folder: Path) -> list[Row]:
    db = f"sqlite:///{folder / 'd.db'}"
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])

        def load(script: str | None, shot: Path | None = None) -> tuple[float, float]:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            if script:
                page.add_init_script(
                    f"window.addEventListener('DOMContentLoaded', () => {{ {script} }});"
                )
            page.add_init_script(f"sessionStorage.setItem('ceasefire-token', {token!r});")
            page.goto(base)
            # Reports close in time and place group into one incident: wait for what the
            # server sent (at least 99 % of the reports), all of it drawn.
            page.wait_for_function(
                f"Number(document.body.dataset.drawn) >= {args.incidents * 0.99}", timeout=300_000
            )
            total = page.evaluate("performance.now()") / 1000
            request = page.evaluate(
                "performance.getEntriesByType('resource')"
                ".filter(e => e.name.includes('/api/map/incidents'))"
                ".map(e => e.responseEnd - e.startTime)[0] / 1000"
            )
            if shot is not None:
                page.wait_for_function("Number(document.body.dataset.zones) > 0")
                page.screenshot(path=str(shot))
            page.close()
            return total, request

        def report_arrives(k: int) -> None:
            more = folder / f"more-{k}.csv"
            seed_csv(more, 1, seed=1000 + k, prefix=f"late{k}-", start=START - timedelta(days=30))
            cli(db, "ingest", str(more))

        runs: list[tuple[str, str | None, bool]] = [
            ("clustered (ceasefire)", None, False),
            ("plain circles (peer)", PLAIN, False),
            ("clustered, after a new report", None, True),
        ]
        for name, script, after_report in runs:
            totals, requests = [], []
            for k in range(args.repeat):
                if after_report:
                    report_arrives(k)
                shot = args.screenshot if (name, k) == (runs[0][0], args.repeat - 1) else None
                total, request = load(script, shot)
                totals.append(total)
                requests.append(request)
            results.append((name, totals, requests))
        browser.close()
    return results


if __name__ == "__main__":
    main()
