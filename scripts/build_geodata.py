"""Rebuild the boundary files shipped in src/ceasefire/data/geo from ../shared/data/geo.

Run once when the sources change: `.venv/bin/python scripts/build_geodata.py`. Oblasts are
simplified as a coverage (shared borders stay shared) to about 200 m; countries are clipped to
the theatre and simplified to about 500 m. See src/ceasefire/data/README.md for sources and
licences.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely
from shapely.geometry import box, shape

from ceasefire.data import DATA_DIR
from ceasefire.geofiles.geojson import feature, write_collection

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "geo"
THEATRE = box(18.0, 40.0, 50.0, 58.0)


def oblasts() -> None:
    source = json.loads((SHARED / "ukraine_adm1_geoboundaries.geojson").read_text())
    geometries = [shape(f["geometry"]) for f in source["features"]]
    simplified = shapely.coverage_simplify(geometries, 0.002)
    features = [
        feature(g, {"name": f["properties"]["shapeName"], "iso": f["properties"]["shapeISO"]})
        for g, f in zip(simplified, source["features"], strict=True)
    ]
    write_collection(
        DATA_DIR / "geo" / "ukraine_oblasts.geojson",
        features,
        attribution="geoBoundaries (Runfola et al.), © OpenStreetMap contributors, ODbL 1.0",
    )


def countries() -> None:
    source = json.loads((SHARED / "neighbours_adm0_naturalearth10m.geojson").read_text())
    features = []
    for f in source["features"]:
        clipped = shape(f["geometry"]).intersection(THEATRE)
        simplified = shapely.simplify(clipped, 0.005, preserve_topology=True)
        properties = {"name": f["properties"]["name"], "iso_a3": f["properties"]["iso_a3"]}
        features.append(feature(simplified, properties))
    write_collection(
        DATA_DIR / "geo" / "countries.geojson",
        features,
        attribution="Natural Earth 1:10m admin-0 (public domain), Crimea shown in Ukraine",
    )


if __name__ == "__main__":
    oblasts()
    countries()
