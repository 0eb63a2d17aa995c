"""Checks on geometry an agreement supplies, each problem a sentence a GIS user can act on."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from ceasefire.domain.validation import DEFAULT_AREA_OF_INTEREST, BBox


def check_line(
    geometry: BaseGeometry, label: str, area: BBox = DEFAULT_AREA_OF_INTEREST
) -> list[str]:
    if geometry.geom_type not in ("LineString", "MultiLineString"):
        return [
            f"{label}: a line of contact is a LineString or MultiLineString, "
            f"not {geometry.geom_type}"
        ]
    problems = _common(geometry, label, area)
    if problems:
        return problems
    crossing = _self_crossing(geometry)
    if crossing is not None:
        problems.append(
            f"{label}: the line crosses itself near lon {crossing[0]:.5f}, lat {crossing[1]:.5f}"
        )
    return problems


def check_area(
    geometry: BaseGeometry, label: str, area: BBox = DEFAULT_AREA_OF_INTEREST
) -> list[str]:
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return [f"{label}: an area is a Polygon or MultiPolygon, not {geometry.geom_type}"]
    problems = _common(geometry, label, area)
    if not problems and not geometry.is_valid:
        problems.append(f"{label}: invalid polygon: {explain_validity(geometry)}")
    return problems


def _common(geometry: BaseGeometry, label: str, area: BBox) -> list[str]:
    if geometry.is_empty:
        return [f"{label}: the geometry is empty"]
    west, south, east, north = geometry.bounds
    if not (west >= -180 and east <= 180 and south >= -90 and north <= 90):
        return [
            f"{label}: coordinates out of range (bounds {west:g}, {south:g}, {east:g}, "
            f"{north:g}); GeoJSON is lon, lat"
        ]
    inside = area.west <= east and west <= area.east and area.south <= north and south <= area.north
    swapped = (
        area.west <= north and south <= area.east and area.south <= east and west <= area.north
    )
    if not inside and swapped:
        return [
            f"{label}: lies outside the area of interest ({area}) but would lie inside it "
            "with lon and lat swapped: GeoJSON is lon, lat"
        ]
    return []


def _self_crossing(line: BaseGeometry) -> tuple[float, float] | None:
    """Where two segments of one part cross (touching at shared vertices is allowed)."""
    for part in shapely.get_parts(line):
        if part.is_simple:
            continue
        coords = shapely.get_coordinates(part)
        segments = np.asarray(
            shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1)), dtype=object
        )
        pairs = shapely.STRtree(segments).query(segments, predicate="crosses")
        for a, b in zip(*pairs, strict=True):
            if a < b:
                point = segments[a].intersection(segments[b]).representative_point()
                return point.x, point.y
        point = part.representative_point()  # overlapping rather than crossing
        return point.x, point.y
    return None
