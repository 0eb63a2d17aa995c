"""Classification throughput: ours against GeoPandas on the same points, with the answers checked.

Both sides answer, for N random points over the front's bounding box (plus half a degree),
against the bundled agreement's real geography (the 1,112 km demo line of contact, its control
areas, 27 oblasts): which party controls the point, which oblast it is in, and its distance to
the line in metres, in the same metric frame.

`ceasefire` is `Classifier.classify` (projection included), on one thread and on both cores.
`geopandas` is what an analyst would write: `to_crs` into the same frame, `sjoin` with the
control areas and with the oblasts, and `GeoSeries.distance` to the line. The run fails unless
the two agree: same party and oblast for every point, distances within a metre.

Usage: .venv/bin/python benchmarks/classify.py [--points N] [--repeat K]   (needs `--group bench`)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import shapely
from rich.console import Console
from rich.table import Table

from ceasefire.domain.geo.classify import NO_INDEX, Classification
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement, loaded
from ceasefire.services.agreements import read_agreement_file
from timing import timed

GOAL = 5.0
AGREEMENT = "korea-model-demo"


def random_points(
    agreement: LoadedAgreement, count: int, seed: int = 7
) -> tuple[np.ndarray, np.ndarray]:
    geography = agreement.geography
    west, south, east, north = geography.frame.to_lonlat(geography.line).bounds
    rng = np.random.default_rng(seed)
    return rng.uniform(west - 0.5, east + 0.5, count), rng.uniform(south - 0.5, north + 0.5, count)


def ours(
    agreement: LoadedAgreement, workers: int
) -> Callable[[np.ndarray, np.ndarray], Classification]:
    def run(lon: np.ndarray, lat: np.ndarray) -> Classification:
        return agreement.classifier.classify(lon, lat, workers=workers)

    return run


def geopandas_way(
    agreement: LoadedAgreement,
) -> Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]:
    geography = agreement.geography
    crs = geography.frame.crs_string
    control = gpd.GeoDataFrame(
        {"party_index": np.arange(len(geography.control))},
        geometry=[area for _, area in geography.control],
        crs=crs,
    )
    admin = gpd.GeoDataFrame(
        {"admin_index": np.arange(len(geography.admin_areas))},
        geometry=[area for _, area in geography.admin_areas],
        crs=crs,
    )
    line = geography.line

    def run(lon: np.ndarray, lat: np.ndarray) -> dict[str, np.ndarray]:
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326").to_crs(
            crs
        )
        party = gpd.sjoin(points, control, how="left", predicate="within")
        party = party[~party.index.duplicated(keep="first")]  # control areas do not overlap
        oblast = gpd.sjoin(points, admin, how="left", predicate="within")
        oblast = oblast[~oblast.index.duplicated(keep="first")]
        return {
            "party": party["party_index"].fillna(NO_INDEX).to_numpy(dtype=np.int64),
            "admin_area": oblast["admin_index"].fillna(NO_INDEX).to_numpy(dtype=np.int64),
            "distance_m": points.distance(line).to_numpy(),
        }

    return run


def check(theirs: dict[str, np.ndarray], mine: Classification) -> tuple[float, float, float]:
    """Share of points with the same party, the same oblast, and the largest distance gap (m)."""
    same_party = float(np.mean(theirs["party"] == mine.party))
    same_admin = float(np.mean(theirs["admin_area"] == mine.admin_area))
    gap = float(np.max(np.abs(theirs["distance_m"] - mine.distance_m)))
    return same_party, same_admin, gap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    agreement = loaded(AGREEMENT, 1, read_agreement_file(AGREEMENT))
    lon, lat = random_points(agreement, args.points)
    cores = os.cpu_count() or 1
    sides: dict[str, Callable[[], object]] = {
        "ceasefire, 1 thread": lambda: ours(agreement, 1)(lon, lat),
        f"ceasefire, {cores} threads": lambda: ours(agreement, cores)(lon, lat),
        "geopandas sjoin + distance": lambda: geopandas_way(agreement)(lon, lat),
    }
    with console.status(f"checking answers on {args.points:,} points"):
        agreement_shares = check(
            geopandas_way(agreement)(lon, lat), ours(agreement, cores)(lon, lat)
        )
    same_party, same_admin, gap = agreement_shares
    if same_party < 1.0 or same_admin < 1.0 or gap > 1.0:
        raise SystemExit(
            f"answers differ: party {same_party:.6f}, oblast {same_admin:.6f}, gap {gap:.3f} m"
        )
    rates: dict[str, list[float]] = {}
    for name, function in sides.items():
        with console.status(f"timing {name}"):
            rates[name] = [args.points / s for s in timed(function, args.repeat)]
    table = Table(title=f"Classification: {args.points:,} points, median of {args.repeat}")
    for column in ("side", "points/s (median)", "min", "max", "vs geopandas"):
        table.add_column(column, justify="left" if column == "side" else "right")
    peer = statistics.median(rates["geopandas sjoin + distance"])
    for name, values in rates.items():
        median = statistics.median(values)
        table.add_row(
            name,
            f"{median:,.0f}",
            f"{min(values):,.0f}",
            f"{max(values):,.0f}",
            f"{median / peer:.1f}x",
        )
    table.caption = (
        f"answers agree: party and oblast on 100% of points, distances within {gap * 1000:.1f} mm; "
        f"goal: >= {GOAL:g}x geopandas. {cores} CPUs, {platform.platform()}, "
        f"Shapely {shapely.__version__}, GeoPandas {gpd.__version__}"
    )
    console.print(table)


if __name__ == "__main__":
    main()
