"""Where reports stand against the geography: vectorized over arrays of points.

Built once per agreement (prepared control areas, an STRtree over the line's segments and one
over the administrative areas), then `classify` answers for any number of points without a
Python loop over them. Every distance rule (the DMZ, each weapon class's zone) is a threshold on
the one distance to the line, not another polygon test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from ceasefire.domain.geo.projection import FloatArray
from ceasefire.domain.geo.zones import Geography, ZoneParameters
from ceasefire.domain.taxonomy import WeaponClass

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NO_INDEX = -1
# Long straight stretches are cut into pieces no longer than this, so the tree's boxes stay
# small and a sector boundary falls within a kilometre of where the sector map draws it.
SEGMENT_MAX_M = 2_000.0


@dataclass(frozen=True)
class Classification:
    """One entry per input point; index arrays hold -1 where there is no answer."""

    party: IntArray  # index into Classifier.parties
    distance_m: FloatArray  # to the line, NaN without coordinates
    signed_distance_m: FloatArray  # positive on the agreement's positive party's side
    ambiguous_side: BoolArray  # the uncertainty circle reaches across the line
    in_dmz: BoolArray
    in_weapon_zone: BoolArray  # shape (points, weapon rules)
    sector: IntArray  # index into Classifier.sector_names
    admin_area: IntArray  # index into Classifier.admin_names


class Classifier:
    def __init__(self, geography: Geography, parameters: ZoneParameters) -> None:
        self.geography = geography
        self.parameters = parameters
        self.parties = tuple(party for party, _ in geography.control)
        self._control = [area for _, area in geography.control]
        for area in self._control:
            shapely.prepare(area)
        self._segments = _segments(shapely.segmentize(geography.line, SEGMENT_MAX_M))
        self._segment_tree = shapely.STRtree(self._segments)
        self.sector_names = tuple(name for name, _ in geography.sectors)
        self._segment_sector = _segment_sectors(self._segments, geography)
        self.admin_names = tuple(name for name, _ in geography.admin_areas)
        self._admin_tree = shapely.STRtree([area for _, area in geography.admin_areas])
        positive = geography.positive_party
        self._sign = np.array([1.0 if p == positive else -1.0 for p in self.parties] + [np.nan])
        self.weapon_classes: tuple[WeaponClass, ...] = tuple(
            rule.weapon_class for rule in parameters.weapon_rules
        )
        self._withdrawal_m = np.array([rule.withdrawal_m for rule in parameters.weapon_rules])

    def classify(
        self, lon: FloatArray, lat: FloatArray, uncertainty_m: FloatArray | None = None
    ) -> Classification:
        count = len(lon)
        located = ~(np.isnan(lon) | np.isnan(lat))
        x, y = self.geography.frame.xy(lon[located], lat[located])
        points: NDArray[np.object_] = np.asarray(shapely.points(x, y), dtype=object)
        distance = np.full(count, np.nan)
        sector = np.full(count, NO_INDEX, dtype=np.int64)
        if len(points):
            pairs, nearest = self._segment_tree.query_nearest(
                points, return_distance=True, all_matches=False
            )
            where = np.flatnonzero(located)[pairs[0]]
            distance[where] = nearest
            sector[where] = self._segment_sector[pairs[1]]
        party = np.full(count, NO_INDEX, dtype=np.int64)
        located_party = np.full(len(x), NO_INDEX, dtype=np.int64)
        for index, area in enumerate(self._control):
            inside = (located_party == NO_INDEX) & shapely.contains_xy(area, x, y)
            located_party[inside] = index
        party[located] = located_party
        admin = np.full(count, NO_INDEX, dtype=np.int64)
        if len(points) and len(self.admin_names):
            hits = self._admin_tree.query(points, predicate="within")
            admin[np.flatnonzero(located)[hits[0]]] = hits[1]
        radius = np.zeros(count) if uncertainty_m is None else np.nan_to_num(uncertainty_m)
        return Classification(
            party=party,
            distance_m=distance,
            signed_distance_m=distance * self._sign[party],
            ambiguous_side=located & (radius >= distance),
            in_dmz=distance <= self.parameters.dmz_half_width_m,
            in_weapon_zone=distance[:, None] <= self._withdrawal_m[None, :],
            sector=sector,
            admin_area=admin,
        )


def _segments(line: shapely.Geometry) -> NDArray[np.object_]:
    """Every straight segment of the line, as its own geometry (the tree's leaves)."""
    parts = shapely.get_parts(line)
    segments: list[NDArray[np.object_]] = []
    for part in parts:
        coords = shapely.get_coordinates(part)
        if len(coords) >= 2:
            pairs = np.stack([coords[:-1], coords[1:]], axis=1)
            segments.append(np.asarray(shapely.linestrings(pairs), dtype=object))
    if not segments:
        raise ValueError("the line of contact has no segments")
    return np.concatenate(segments)


def _segment_sectors(segments: NDArray[np.object_], geography: Geography) -> IntArray:
    """The sector each segment's midpoint lies in: a point's sector is its nearest segment's."""
    result = np.full(len(segments), NO_INDEX, dtype=np.int64)
    if not geography.sectors:
        return result
    midpoints = shapely.line_interpolate_point(segments, 0.5, normalized=True)
    mx, my = shapely.get_x(midpoints), shapely.get_y(midpoints)
    for index, (_, polygon) in enumerate(geography.sectors):
        shapely.prepare(polygon)
        inside = (result == NO_INDEX) & shapely.contains_xy(polygon, mx, my)
        result[inside] = index
    return result
