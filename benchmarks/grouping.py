"""Grouping throughput and quality: ours against scikit-learn's DBSCAN on the same reports.

Generated reports with realistic duplication: each event (a strike, a burst of fire) is heard
by 1 to 20 reports (uniform), each placed with an error that matches its stated uncertainty
(`--uncertainty`: all about 300 m, or mixed from 200 m to 3 km as sources differ) and timed
within ten minutes of the event; events fall along a 350 km front over a year, a third of them at
200 hot spots (the same villages shelled again and again), so some distinct events really are
close in space and time. The truth is known, so each method's grouping is scored by pairwise
precision (reports it put together that are one event) and recall (reports of one event it put
together), and by the number of incidents against the number of events.

`ceasefire` is `IncidentBook.add_all`, what ingest and verify's replay run: once with every
report in one batch (a bulk import), once in batches of 1,000 (a stream of small imports, each
linked against everything before it), with Python's cycle collector paused as ingest pauses it.
The peer is what an analyst would write: DBSCAN with min_samples=1 (so every report is in a
cluster) on (x, y, t) scaled per family so that eps=1 is the family's link distance plus the
reports' median uncertainty, twice (it has no way to use each report's own), and 30 minutes;
families kept apart by an offset. Both start from the same report objects and end with every
report's group.

Usage: .venv/bin/python benchmarks/grouping.py [--reports N] [--repeat K]
                                               [--uncertainty mixed|fixed]   (needs `--group bench`)
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.cluster import DBSCAN

from ceasefire.domain.incidents.book import IncidentBook
from ceasefire.domain.incidents.grouping import DEFAULT_RULES, EARTH_RADIUS_M, Footprint
from ceasefire.domain.taxonomy import CATEGORY_INFO, Category, Family
from ceasefire.services.bulk import collector_paused
from timing import timed

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
FAMILIES = {
    Family.SHELLING: (0.6, [Category.ARTILLERY, Category.MORTAR, Category.EXPLOSION]),
    Family.DIRECT_FIRE: (0.25, [Category.SMALL_ARMS, Category.BURST_OF_FIRE]),
    Family.AIR_AND_MISSILE: (0.15, [Category.DRONE_STRIKE, Category.MISSILE_STRIKE]),
}
# How well reports are placed: `fixed`, every report within about 300 m; `mixed`, as sources
# differ (a monitor with a rangefinder, a patrol's estimate, a village named in a post, a town),
# each report off by about half its stated uncertainty on each axis.
FIXED_M = 300
MIXED_M = (np.array([200, 500, 1500, 3000]), np.array([0.5, 0.3, 0.15, 0.05]))


@dataclass(frozen=True)
class Generated:
    footprints: list[Footprint]
    recorded: list[tuple[Footprint, int]]  # with ledger seqs
    event: np.ndarray  # the event each report describes
    family: np.ndarray  # family index per report
    x: np.ndarray  # metres
    y: np.ndarray
    t: np.ndarray  # seconds since EPOCH
    events: int
    radius: np.ndarray  # each report's stated uncertainty, m


def generate(count: int, uncertainty: str = "mixed", seed: int = 7) -> Generated:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 21, size=count)  # more than enough events
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), count)) + 1]
    sizes[-1] -= int(sizes.sum()) - count
    events = len(sizes)
    hot_lon, hot_lat = rng.uniform(35.0, 39.5, 200), rng.uniform(47.3, 48.0, 200)
    hot = rng.random(events) < 1 / 3
    pick = rng.integers(0, 200, events)
    lon = np.where(
        hot, hot_lon[pick] + rng.normal(0, 0.03, events), rng.uniform(35.0, 39.5, events)
    )
    lat = np.where(
        hot, hot_lat[pick] + rng.normal(0, 0.02, events), rng.uniform(47.3, 48.0, events)
    )
    start = np.sort(rng.uniform(0, 365 * 86400, events))  # reports arrive as events happen
    shares = np.array([share for share, _ in FAMILIES.values()])
    family = rng.choice(len(FAMILIES), size=events, p=shares / shares.sum())
    event = np.repeat(np.arange(events), sizes)
    cos = math.cos(math.radians(47.65))
    metres_lat = math.radians(1) * EARTH_RADIUS_M
    if uncertainty == "fixed":
        radius = np.full(count, FIXED_M)
        sigma = np.full(count, 250.0)
    else:
        radius = rng.choice(MIXED_M[0], size=count, p=MIXED_M[1])
        sigma = radius / 2
    x = lon[event] * metres_lat * cos + rng.normal(0, 1, count) * sigma
    y = lat[event] * metres_lat + rng.normal(0, 1, count) * sigma
    t = start[event] + rng.uniform(0, 600, count)
    fam = family[event]
    kinds = list(FAMILIES.values())
    choice = rng.integers(0, 3, count)
    footprints = []
    for i in range(count):
        categories = kinds[fam[i]][1]
        at = EPOCH + timedelta(seconds=float(t[i]))
        footprints.append(
            Footprint(
                f"r{i:07d}",
                categories[choice[i] % len(categories)],
                float(x[i] / (metres_lat * cos)),
                float(y[i] / metres_lat),
                int(radius[i]),
                at,
                at,
                "x",
            )
        )
    recorded = [(f, seq) for seq, f in enumerate(footprints, start=1)]
    return Generated(footprints, recorded, event, fam, x, y, t, events, radius)


def ours(data: Generated, batch: int) -> IncidentBook:
    """From the reports with their ledger seqs, as ingest has them, to every report's
    incident, as ingest writes it back (`book.changes.rows`)."""
    book = IncidentBook()
    for first in range(0, len(data.recorded), batch):
        book.add_all(data.recorded[first : first + batch])
    return book


def labels_of(book: IncidentBook, count: int) -> np.ndarray:
    labels = np.empty(count, dtype=np.int64)
    for row in book.changes.rows.values():
        labels[int(row.report_id[1:])] = row.incident
    return labels


def dbscan(data: Generated) -> np.ndarray:
    """From the same reports as ours: their coordinates and times read into arrays first."""
    families = list(FAMILIES)
    code = {f: k for k, f in enumerate(families)}
    family = np.array([code[CATEGORY_INFO[f.category].family] for f in data.footprints])
    lon = np.array([f.lon for f in data.footprints], dtype=float)
    lat = np.array([f.lat for f in data.footprints], dtype=float)
    t = np.array([f.start.timestamp() for f in data.footprints], dtype=float)
    cos = math.cos(math.radians(48.0))
    x = np.radians(lon) * EARTH_RADIUS_M * cos
    y = np.radians(lat) * EARTH_RADIUS_M
    scale = np.array(
        [DEFAULT_RULES[f].distance_m + 2 * float(np.median(data.radius)) for f in families],
        dtype=float,
    )[family]
    offset = family * 1e6  # families never within eps of each other
    minutes_30 = DEFAULT_RULES[Family.SHELLING].time.total_seconds()
    features = np.column_stack((x / scale + offset, y / scale, t / minutes_30))
    return np.asarray(DBSCAN(eps=1.0, min_samples=1, n_jobs=1).fit(features).labels_)


def scores(labels: np.ndarray, truth: np.ndarray) -> tuple[float, float, int]:
    """Pairwise precision and recall, and the number of incidents."""

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) // 2).sum())

    joint = labels.astype(np.int64) * (int(truth.max()) + 1) + truth
    together = pairs(np.unique(joint, return_counts=True)[1])
    predicted = pairs(np.unique(labels, return_counts=True)[1])
    actual = pairs(np.unique(truth, return_counts=True)[1])
    return together / predicted, together / actual, len(np.unique(labels))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--uncertainty", choices=("mixed", "fixed"), default="mixed")
    args = parser.parse_args()
    console = Console()
    data = generate(args.reports, args.uncertainty)
    console.print(
        f"{args.reports:,} reports of {data.events:,} events, {args.uncertainty} uncertainty; "
        f"median of {args.repeat}; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    )
    table = Table("method", "seconds", "reports/s", "incidents", "precision", "recall")
    results = {}
    count = len(data.footprints)
    methods: dict[str, tuple[Callable[[], object], Callable[[Any], np.ndarray]]] = {
        "ceasefire, one batch": (lambda: ours(data, count), lambda b: labels_of(b, count)),
        "ceasefire, batches of 1,000": (lambda: ours(data, 1_000), lambda b: labels_of(b, count)),
        "scikit-learn DBSCAN": (lambda: dbscan(data), np.asarray),
    }
    for name, (method, labels) in methods.items():
        with collector_paused():  # as ingest and verify run; the peer allocates little either way
            seconds = statistics.median(timed(method, args.repeat))
        precision, recall, found = scores(labels(method()), data.event)
        results[name] = seconds
        table.add_row(
            name,
            f"{seconds:.2f}",
            f"{args.reports / seconds:,.0f}",
            f"{found:,} ({found / data.events:.3f} per event)",
            f"{precision:.4f}",
            f"{recall:.4f}",
        )
    console.print(table)
    for name in list(methods)[:2]:
        ratio = results["scikit-learn DBSCAN"] / results[name]
        console.print(f"{name}: {ratio:.2f}x the peer's speed (goal: above 1)")


if __name__ == "__main__":
    main()
