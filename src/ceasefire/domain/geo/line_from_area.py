"""Deriving a line of contact from a control area (the map most sources publish).

The line is the area's boundary where it faces land held by the other side: the stretches that
follow the country's border or its coast are not a front. Two tests decide it, both in metres:

1. a stretch within `border_tolerance_m` of the country's outline follows the border or coast
   (sources draw coasts and borders a little differently, hence a tolerance);
2. what is left must face free land: a band `probe_m` wide on the far side of the stretch must
   be mostly (`min_land_share`) inside the country and outside the area. A stretch facing the
   sea or another country is dropped. River fronts (the Dnipro) face land across the river,
   so they stay.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True, slots=True)
class LineParameters:
    border_tolerance_m: float = 3_000.0
    probe_m: float = 2_000.0
    min_land_share: float = 0.5
    min_part_m: float = 1_000.0


@dataclass(frozen=True, slots=True)
class Stretch:
    length_m: float
    land_share: float
    kept: bool


@dataclass(frozen=True, slots=True)
class DerivedLine:
    line: MultiLineString  # metric
    stretches: tuple[Stretch, ...]  # every candidate, kept or not: the derivation explained


def derive_contact_line(
    area: BaseGeometry, country: BaseGeometry, parameters: LineParameters = LineParameters()
) -> DerivedLine:
    """The line of contact of `area` (held by one side) inside `country`, both metric."""
    if area.is_empty or country.is_empty:
        raise ValueError("the control area and the country must not be empty")
    border_band = country.boundary.buffer(parameters.border_tolerance_m)
    candidates = shapely.line_merge(area.boundary.difference(border_band))
    free_land = country.difference(area)
    kept: list[LineString] = []
    stretches: list[Stretch] = []
    for part in _parts(candidates):
        if part.length < parameters.min_part_m:
            continue
        share = _land_share(part, area, free_land, parameters.probe_m)
        keep = share >= parameters.min_land_share
        stretches.append(Stretch(part.length, share, keep))
        if keep:
            kept.append(part)
    if not kept:
        raise ValueError(
            "no stretch of the area's boundary faces land of the other side: is the area inside "
            "the country, and are both in lon/lat order?"
        )
    kept.sort(key=lambda part: -part.length)
    return DerivedLine(MultiLineString(kept), tuple(stretches))


def _parts(geometry: BaseGeometry) -> list[LineString]:
    if geometry.is_empty:
        return []
    if isinstance(geometry, LineString):
        return [geometry]
    return [g for g in getattr(geometry, "geoms", []) if isinstance(g, LineString)]


def _land_share(
    part: LineString, area: BaseGeometry, free_land: BaseGeometry, probe_m: float
) -> float:
    far_side = part.buffer(probe_m).difference(area)
    if far_side.area == 0:
        return 0.0
    return float(far_side.intersection(free_land).area / far_side.area)
