"""Where reports stand against the geography: vectorized over arrays of points.

Built once per agreement (prepared control areas, an STRtree over the line's segments and one
over the administrative areas), then `classify` answers for any number of points without a
Python loop over them. Every distance rule (the DMZ, each weapon class's zone) is a threshold on
the one distance to the line, not another polygon test.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from ceasefire.domain.geo.projection import FloatArray
from ceasefire.domain.geo.zones import Geography, ZoneParameters
from ceasefire.domain.taxonomy import WeaponClass

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
NO_INDEX = -1
# Long straight stretches are cut into pieces no longer than this, so the tree's boxes stay
# small and a sector boundary falls within a kilometre of where the sector map draws it.
SEGMENT_MAX_M = 2_000.0
# A narrow tree: nearest-neighbour search over line segments prunes better with small nodes
# (1M points, 1,315 segments: 1.7 s at GEOS's default of 10, 0.9 s at 3; BENCHMARKS.md).
TREE_NODE_CAPACITY = 3
PARALLEL_MIN_POINTS = 20_000
MIN_SECTOR_REACH_M = 50_000.0  # below this, starting threads costs more than it saves


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


@dataclass(frozen=True)
class _Index:
    """The structures GEOS builds lazily on first use (prepared polygons' point locators, the
    tree): one per thread, on its own copies of the geometry, never shared, since that lazy
    building is not thread-safe. `lock` is held while a thread uses them: callers on other
    threads (the service's requests) wait their turn instead of sharing."""

    control: list[BaseGeometry]
    admin: list[BaseGeometry]
    segment_tree: shapely.STRtree
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls, control: list[BaseGeometry], admin: list[BaseGeometry], segments: NDArray[np.object_]
    ) -> _Index:
        own_control, own_admin = _copies(control), _copies(admin)
        for area in own_control + own_admin:
            shapely.prepare(area)
        own_segments = shapely.from_wkb(shapely.to_wkb(segments))
        return cls(
            own_control, own_admin, shapely.STRtree(own_segments, node_capacity=TREE_NODE_CAPACITY)
        )


def _copies(geometries: list[BaseGeometry]) -> list[BaseGeometry]:
    """Distinct GEOS objects with the same coordinates (WKB keeps every bit of a double)."""
    return [shapely.from_wkb(shapely.to_wkb(g)) for g in geometries]


class Classifier:
    def __init__(self, geography: Geography, parameters: ZoneParameters) -> None:
        self.geography = geography
        self.parameters = parameters
        self.parties = tuple(party for party, _ in geography.control)
        self._segments = _segments(shapely.segmentize(geography.line, SEGMENT_MAX_M))
        self.sector_names = tuple(name for name, _ in geography.sectors)
        self._segment_sector = _segment_sectors(self._segments, geography)
        self.admin_names = tuple(name for name, _ in geography.admin_areas)
        self._indexes: list[_Index] = []
        self._indexes_lock = threading.Lock()
        positive = geography.positive_party
        self._sign = np.array([1.0 if p == positive else -1.0 for p in self.parties] + [np.nan])
        self.weapon_classes: tuple[WeaponClass, ...] = tuple(
            rule.weapon_class for rule in parameters.weapon_rules
        )
        self._withdrawal_m = np.array([rule.withdrawal_m for rule in parameters.weapon_rules])
        # A point belongs to a sector of the front only within the widest zone around it;
        # farther away (a strike deep in the rear, a point off the theatre) it has none.
        self.sector_reach_m = float(
            max([parameters.dmz_half_width_m, *self._withdrawal_m, MIN_SECTOR_REACH_M])
        )

    def _index(self, worker: int) -> _Index:
        with self._indexes_lock:
            while len(self._indexes) <= worker:
                self._indexes.append(
                    _Index.build(
                        [area for _, area in self.geography.control],
                        [area for _, area in self.geography.admin_areas],
                        self._segments,
                    )
                )
            return self._indexes[worker]

    def classify(
        self,
        lon: FloatArray,
        lat: FloatArray,
        uncertainty_m: FloatArray | None = None,
        *,
        workers: int = 1,
    ) -> Classification:
        """Classify every point. With `workers` > 1 the points are split across threads:
        GEOS releases the GIL in the tree and point-in-polygon work, so both cores help."""
        radius = np.zeros(len(lon)) if uncertainty_m is None else np.nan_to_num(uncertainty_m)
        if workers <= 1 or len(lon) < PARALLEL_MIN_POINTS:
            return self._classify(lon, lat, radius, self._index(0))
        bounds = np.linspace(0, len(lon), workers + 1).astype(int)
        jobs = [
            (slice(a, b), self._index(worker))
            for worker, (a, b) in enumerate(itertools.pairwise(bounds))
        ]
        with ThreadPoolExecutor(workers) as pool:
            parts = list(
                pool.map(
                    lambda job: self._classify(lon[job[0]], lat[job[0]], radius[job[0]], job[1]),
                    jobs,
                )
            )
        return Classification(
            *(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Classification))
        )

    def _classify(
        self, lon: FloatArray, lat: FloatArray, radius: FloatArray, index: _Index
    ) -> Classification:
        with index.lock:
            return self._classify_with(lon, lat, radius, index)

    def _classify_with(
        self, lon: FloatArray, lat: FloatArray, radius: FloatArray, index: _Index
    ) -> Classification:
        count = len(lon)
        located = ~(np.isnan(lon) | np.isnan(lat))
        where = np.flatnonzero(located)
        x, y = self.geography.frame.xy(lon[located], lat[located])
        distance = np.full(count, np.nan)
        sector = np.full(count, NO_INDEX, dtype=np.int64)
        if len(x):
            points = shapely.points(x, y)
            pairs, nearest = index.segment_tree.query_nearest(
                points, return_distance=True, all_matches=False
            )
            distance[where[pairs[0]]] = nearest
            near = nearest <= self.sector_reach_m
            sector[where[pairs[0][near]]] = self._segment_sector[pairs[1][near]]
        party = np.full(count, NO_INDEX, dtype=np.int64)
        party[where] = _first_containing(index.control, x, y)
        admin = np.full(count, NO_INDEX, dtype=np.int64)
        admin[where] = _first_containing(index.admin, x, y)
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


def _first_containing(areas: list[BaseGeometry], x: FloatArray, y: FloatArray) -> IntArray:
    """For each point, the index of the first (prepared) area holding it, or NO_INDEX. Each
    area tests only the points inside its bounding box."""
    found = np.full(len(x), NO_INDEX, dtype=np.int64)
    for index, area in enumerate(areas):
        west, south, east, north = area.bounds
        candidates = np.flatnonzero(
            (found == NO_INDEX) & (x >= west) & (x <= east) & (y >= south) & (y <= north)
        )
        inside = shapely.contains_xy(area, x[candidates], y[candidates])
        found[candidates[inside]] = index
    return found


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
