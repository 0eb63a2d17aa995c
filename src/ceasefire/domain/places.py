"""Where something happened, in words a reader can find on any map: "4 km north-east of
Horlivka (RU-controlled)".

Monitoring missions never published coordinates: they located each event relative to a named
place and said which side controls that place. That protects the monitors' exact positions and
reads faster than numbers. The nearest place in the gazetteer is the reference; distance and
direction are geodesic (WGS84), rounded to the kilometre and to the eight compass points, so
the description never claims more precision than a rounded position supports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")
_POINTS = (
    "north",
    "north-east",
    "east",
    "south-east",
    "south",
    "south-west",
    "west",
    "north-west",
)
# Closer than this, an event is described as in the place itself.
IN_PLACE_M = 1_000.0
# A town's reach grows with the square root of its population (its area with the people in
# it): 10 m x sqrt(population) is about 5 km for a city of 250,000 and 220 m for a village of
# 500. The reference is the place whose reach comes nearest, so a point inside a city is
# described from the city, not from a suburb's separate entry a kilometre away.
REACH_M_PER_SQRT_PERSON = 10.0
CANDIDATES = 24


@dataclass(frozen=True, slots=True)
class Place:
    """A populated place from the gazetteer (GeoNames ids, names and populations)."""

    place_id: int
    name: str
    lon: float
    lat: float
    admin1: str
    population: int


@dataclass(frozen=True, slots=True)
class Relative:
    """A position described from a place: how far, which way, and who holds the place."""

    place: Place
    distance_m: float
    bearing_deg: float  # from the place to the position, clockwise from north
    controlled_by: str | None = None

    @property
    def direction(self) -> str:
        return compass_point(self.bearing_deg)

    def describe(self, *, about: bool = False) -> str:
        """`4 km north-east of Horlivka (RU-controlled)`; `in Horlivka` when within 1 km."""
        holder = f" ({self.controlled_by}-controlled)" if self.controlled_by else ""
        if self.distance_m < IN_PLACE_M:
            return f"in {self.place.name}{holder}"
        km = max(1, round(self.distance_m / 1000))
        approx = "about " if about else ""
        return f"{approx}{km} km {self.direction} of {self.place.name}{holder}"


def compass_point(bearing_deg: float) -> str:
    """The nearest of the eight compass points.

    >>> compass_point(10), compass_point(44), compass_point(226), compass_point(350)
    ('north', 'north-east', 'south-west', 'north')
    """
    return _POINTS[round((bearing_deg % 360) / 45) % 8]


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: straight-line distance there orders places exactly as
    great-circle distance does, so a k-d tree finds the nearest place anywhere."""
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


class Gazetteer:
    """Named places, searchable by proximity."""

    def __init__(self, places: Sequence[Place]) -> None:
        if not places:
            raise ValueError("a gazetteer needs at least one place")
        self.places = tuple(places)
        lon = np.array([p.lon for p in self.places])
        lat = np.array([p.lat for p in self.places])
        # Imported here: SciPy is half a second of the start of every command that imports
        # this module, most of which never build a gazetteer.
        from scipy.spatial import cKDTree

        self._tree = cKDTree(_unit_vectors(lon, lat))

    def reference(self, lon: float, lat: float) -> Relative:
        """The place to describe a position from: of the nearby places, the one whose reach
        (see REACH_M_PER_SQRT_PERSON) comes nearest to it; ties go to the larger place."""
        k = min(CANDIDATES, len(self.places))
        _, found = self._tree.query(_unit_vectors(np.array([lon]), np.array([lat]))[0], k=k)
        candidates = [self.places[int(i)] for i in np.atleast_1d(found)]
        lons = np.array([p.lon for p in candidates])
        lats = np.array([p.lat for p in candidates])
        azimuth, _, distance = _GEOD.inv(lons, lats, np.full(k, lon), np.full(k, lat))
        reach = REACH_M_PER_SQRT_PERSON * np.sqrt([p.population for p in candidates])
        best = min(range(k), key=lambda i: (distance[i] - reach[i], -candidates[i].population))
        return Relative(candidates[best], float(distance[best]), float(azimuth[best]) % 360)
