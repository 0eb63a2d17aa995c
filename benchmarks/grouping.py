"""Grouping quality and throughput: ours against scikit-learn's DBSCAN on the same reports.

Three datasets whose truth (which reports describe which event) is known:

- **duplicates**: events along a 350 km front over a year, a third of them at 200 hot spots,
  each heard by 1 to 20 *different* sources (uniform), each placed with an error matching its
  stated uncertainty (200 m to 3 km as sources differ) and timed within ten minutes of it;
- **persistent fire**: 200 villages (at least 6 km apart) shelled for a week, each round
  reported by the village's
  patrol every 10 to 25 minutes (one event per report), and a third of the rounds also caught by
  a fixed camera within two minutes and 300 m (those pairs are one event);
- **OSCE day**: 30 days at the rates the OSCE mission recorded in autumn 2021 along the whole
  2025 line (`ceasefire scenario generate`'s `truce-with-violations` profile on the bundled
  agreement; its external ids name the event).

Each method's grouping is scored by pairwise precision (pairs of reports it put together that
are one event) and recall (pairs of one event it put together), with the largest incident and
the longest span of an incident's start times. `ceasefire` is `IncidentBook.add_all`, what ingest
and verify's replay run, once in one batch and once in batches of 1,000 (a stream of imports,
each regrouping what it can change), with the cycle collector paused as ingest pauses it. The
peer is what an analyst would write: DBSCAN with min_samples=1 on (x, y, t), scaled per family
so that eps=1 is the family's link distance plus twice the median uncertainty, and 30 minutes.
It has no notion of a source. Speed is measured on the duplicates at `--reports` (a million by
default), the methods alternating, median of `--repeat`.

Usage: .venv/bin/python benchmarks/grouping.py [--reports N] [--repeat K] [--days D]
                                               (needs `--group bench`)
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

import numpy as np
from rich.console import Console
from rich.table import Table
from sklearn.cluster import DBSCAN

from ceasefire.domain.incidents.book import IncidentBook
from ceasefire.domain.incidents.grouping import DEFAULT_RULES, EARTH_RADIUS_M, Footprint
from ceasefire.domain.taxonomy import CATEGORY_INFO, Category, Family
from ceasefire.speed.collector import collector_paused
from timing import timed

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
FAMILIES = {
    Family.SHELLING: (0.6, [Category.ARTILLERY, Category.MORTAR, Category.EXPLOSION]),
    Family.DIRECT_FIRE: (0.25, [Category.SMALL_ARMS, Category.BURST_OF_FIRE]),
    Family.AIR_AND_MISSILE: (0.15, [Category.DRONE_STRIKE, Category.MISSILE_STRIKE]),
}
MIXED_M = (np.array([200, 500, 1500, 3000]), np.array([0.5, 0.3, 0.15, 0.05]))
METRES_LAT = math.radians(1) * EARTH_RADIUS_M
COS = math.cos(math.radians(47.65))


@dataclass(frozen=True)
class Dataset:
    name: str
    footprints: list[Footprint]
    event: np.ndarray  # the event each report describes

    @property
    def recorded(self) -> list[tuple[Footprint, int]]:
        return [(f, seq) for seq, f in enumerate(self.footprints, start=1)]


def _footprint(
    n: int, category: Category, x: float, y: float, radius: int, t: float, source: str
) -> Footprint:
    at = EPOCH + timedelta(seconds=t)
    lon, lat = x / (METRES_LAT * COS), y / METRES_LAT
    return Footprint(f"r{n:07d}", category, lon, lat, radius, at, at, source)


def duplicates(count: int, seed: int = 7) -> Dataset:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 21, size=count)  # more than enough events
    sizes = sizes[: int(np.searchsorted(np.cumsum(sizes), count)) + 1]
    sizes[-1] -= int(sizes.sum()) - count
    events = len(sizes)
    hot_lon, hot_lat = rng.uniform(35.0, 39.5, 200), rng.uniform(47.3, 48.0, 200)
    hot = rng.random(events) < 1 / 3
    pick = rng.integers(0, 200, events)
    lon = np.where(hot, hot_lon[pick] + rng.normal(0, 0.03, events), rng.uniform(35, 39.5, events))
    lat = np.where(hot, hot_lat[pick] + rng.normal(0, 0.02, events), rng.uniform(47.3, 48, events))
    start = np.sort(rng.uniform(0, 365 * 86400, events))  # reports arrive as events happen
    shares = np.array([share for share, _ in FAMILIES.values()])
    family = rng.choice(len(FAMILIES), size=events, p=shares / shares.sum())
    event = np.repeat(np.arange(events), sizes)
    radius = rng.choice(MIXED_M[0], size=count, p=MIXED_M[1])
    x = lon[event] * METRES_LAT * COS + rng.normal(0, 1, count) * radius / 2
    y = lat[event] * METRES_LAT + rng.normal(0, 1, count) * radius / 2
    t = start[event] + rng.uniform(0, 600, count)
    # Each report of an event from a different source: consecutive numbers from a random start.
    first = np.repeat(np.cumsum(np.r_[0, sizes[:-1]]), sizes)
    source = (rng.integers(0, 60, events)[event] + np.arange(count) - first) % 60
    kinds = list(FAMILIES.values())
    choice = rng.integers(0, 3, count)
    footprints = []
    for i in range(count):
        categories = kinds[family[event[i]]][1]
        category = categories[choice[i] % len(categories)]
        footprints.append(
            _footprint(i, category, x[i], y[i], int(radius[i]), t[i], f"s{source[i]}")
        )
    return Dataset("duplicates", footprints, event)


def persistent(villages: int = 200, days: int = 7, seed: int = 11) -> Dataset:
    rng = np.random.default_rng(seed)
    rows: list[tuple[float, float, float, str, int]] = []  # t, x, y, source, event
    event = 0
    columns = 25  # villages on a jittered grid over the front, at least 6 km apart
    rows_of = math.ceil(villages / columns)
    for v in range(villages):
        cx, cy = (v % columns + 0.5) / columns, (v // columns + 0.5) / rows_of
        vx = (35.0 + 4.5 * cx) * METRES_LAT * COS + rng.uniform(-1500, 1500)
        vy = (47.3 + 0.7 * cy) * METRES_LAT + rng.uniform(-1500, 1500)
        t = rng.uniform(0, 3600)
        while t < days * 86400:
            px, py = vx + rng.normal(0, 300), vy + rng.normal(0, 300)
            rows.append((t, px, py, f"patrol-{v}", event))
            if rng.random() < 1 / 3:
                seen = t + rng.uniform(-120, 120)
                cx, cy = px + rng.normal(0, 150), py + rng.normal(0, 150)
                rows.append((seen, cx, cy, f"cam-{v}", event))
            event += 1
            t += rng.uniform(600, 1500)
    rows.sort()
    footprints = [
        _footprint(n, Category.MORTAR, x, y, 300, t, source)
        for n, (t, x, y, source, _) in enumerate(rows)
    ]
    return Dataset("persistent fire", footprints, np.array([r[4] for r in rows]))


def osce_days(days: int, seed: int = 7) -> Dataset:
    from zoneinfo import ZoneInfo

    from ceasefire.domain.geo.loaded_agreement import loaded
    from ceasefire.domain.scenario import generate, parse_profile
    from ceasefire.services.agreements import read_agreement_file
    from ceasefire.services.yaml_files import find, read_yaml

    data, problem = read_yaml("scenarios", find("scenarios", "truce-with-violations"))
    assert problem is None
    profile = parse_profile(data, "truce-with-violations")
    assert not isinstance(profile, list)
    agreement = loaded("korea-model-demo", 1, read_agreement_file("korea-model-demo"))
    start = datetime(2025, 4, 1, tzinfo=UTC)
    rows = generate(
        profile,
        agreement.geography,
        agreement.classifier,
        start,
        start + timedelta(days=days),
        seed,
        ZoneInfo("Europe/Kyiv"),
    )
    footprints = []
    named = {(row["source_id"], row["external_id"]): f"r{n:07d}" for n, row in enumerate(rows)}
    for n, row in enumerate(rows):
        at = datetime.fromisoformat(row["observed_start"])
        updates = row.get("updates")
        footprints.append(
            Footprint(
                f"r{n:07d}",
                Category(row["category"]),
                row["lon"],
                row["lat"],
                row["uncertainty_m"],
                at,
                at,
                row["source_id"],
                None if updates is None else named[(row["source_id"], updates)],
            )
        )
    events = [int(row["external_id"][2:].split("-")[0]) for row in rows]
    return Dataset("OSCE day", footprints, np.array(events))


def ours(data: Dataset, batch: int) -> np.ndarray:
    """From the reports with their ledger seqs, as ingest has them, to every report's
    incident, as ingest writes it back (`book.changes.rows`)."""
    book = IncidentBook()
    recorded = data.recorded
    for first in range(0, len(recorded), batch):
        book.add_all(recorded[first : first + batch])
    index = {f.report_id: k for k, f in enumerate(data.footprints)}
    labels = np.empty(len(recorded), dtype=np.int64)
    for row in book.changes.rows.values():
        labels[index[row.report_id]] = row.incident
    return labels


def dbscan(data: Dataset) -> np.ndarray:
    """From the same reports: their coordinates and times read into arrays first."""
    families = sorted({CATEGORY_INFO[f.category].family for f in data.footprints})
    code = {f: k for k, f in enumerate(families)}
    family = np.array([code[CATEGORY_INFO[f.category].family] for f in data.footprints])
    lon = np.array([f.lon for f in data.footprints], dtype=float)
    lat = np.array([f.lat for f in data.footprints], dtype=float)
    t = np.array([f.start.timestamp() for f in data.footprints], dtype=float)
    radius = np.array([f.uncertainty_m or 0 for f in data.footprints], dtype=float)
    x = np.radians(lon) * EARTH_RADIUS_M * math.cos(math.radians(48.0))
    y = np.radians(lat) * EARTH_RADIUS_M
    scale = np.array(
        [DEFAULT_RULES[f].distance_m + 2 * float(np.median(radius)) for f in families],
        dtype=float,
    )[family]
    offset = family * 1e6  # families never within eps of each other
    minutes_30 = DEFAULT_RULES[Family.SHELLING].time.total_seconds()
    features = np.column_stack((x / scale + offset, y / scale, t / minutes_30))
    return np.asarray(DBSCAN(eps=1.0, min_samples=1, n_jobs=1).fit(features).labels_)


def scores(labels: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Pairwise precision and recall (1 where there is no pair to get right)."""

    def pairs(counts: np.ndarray) -> float:
        return float((counts * (counts - 1) // 2).sum())

    joint = labels.astype(np.int64) * (int(truth.max()) + 1) + truth
    together = pairs(np.unique(joint, return_counts=True)[1])
    predicted = pairs(np.unique(labels, return_counts=True)[1])
    actual = pairs(np.unique(truth, return_counts=True)[1])
    return (together / predicted if predicted else 1.0), (together / actual if actual else 1.0)


def bounds(labels: np.ndarray, data: Dataset) -> tuple[int, float]:
    """The largest incident, and the longest span of one incident's start times, in minutes."""
    t = np.array([f.start.timestamp() for f in data.footprints])
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    cuts = np.flatnonzero(np.diff(sorted_labels)) + 1
    groups = np.split(t[order], cuts)
    return max(len(g) for g in groups), max(float(g.max() - g.min()) for g in groups) / 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--days", type=int, default=30, help="of the OSCE-rate scenario")
    args = parser.parse_args()
    console = Console()
    console.print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"quality on three datasets, speed on {args.reports:,} duplicates, median of "
        f"{args.repeat}"
    )
    quality = Table(
        "dataset",
        "reports",
        "events",
        "method",
        "incidents",
        "precision",
        "recall",
        "largest",
        "longest span (min)",
    )
    datasets = [duplicates(min(args.reports, 200_000)), persistent(), osce_days(args.days)]
    methods: dict[str, Callable[[Dataset], np.ndarray]] = {
        "ceasefire, one batch": lambda d: ours(d, len(d.footprints)),
        "ceasefire, batches of 1,000": lambda d: ours(d, 1_000),
        "scikit-learn DBSCAN": dbscan,
    }
    for data in datasets:
        events = len(np.unique(data.event))
        for name, method in methods.items():
            with collector_paused():
                labels = method(data)
            precision, recall = scores(labels, data.event)
            largest, span = bounds(labels, data)
            quality.add_row(
                data.name,
                f"{len(data.footprints):,}",
                f"{events:,}",
                name,
                f"{len(np.unique(labels)):,}",
                f"{precision:.4f}",
                f"{recall:.4f}",
                f"{largest:,}",
                f"{span:,.0f}",
            )
    console.print(quality)
    speed = duplicates(args.reports)
    seconds: dict[str, list[float]] = {name: [] for name in methods}
    for _ in range(args.repeat):  # alternating, so a noisy minute hits every method alike
        for name, method in methods.items():
            with collector_paused():  # as ingest and verify run; the peer allocates little
                seconds[name] += timed(lambda m=method: m(speed), 1)
    table = Table("method", "seconds (median)", "min", "max", "reports/s", "x the peer's speed")
    peer = statistics.median(seconds["scikit-learn DBSCAN"])
    for name, runs in seconds.items():
        median = statistics.median(runs)
        table.add_row(
            name,
            f"{median:.2f}",
            f"{min(runs):.2f}",
            f"{max(runs):.2f}",
            f"{args.reports / median:,.0f}",
            f"{peer / median:.2f}",
        )
    console.print(table)


if __name__ == "__main__":
    main()
