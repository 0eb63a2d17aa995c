"""What a report's map shows, as data: the layers under the incidents and the incidents.

Apart from the drawing (`figures`), so that what builds a map's content does not load
matplotlib, which is most of a second of a command's start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class MapLayers:
    """What the map draws under the incidents, all in lon/lat."""

    countries: Sequence[BaseGeometry]
    admin_areas: Sequence[BaseGeometry]
    held: BaseGeometry | None  # the area one party holds, shaded
    held_label: str
    line: BaseGeometry | None
    dmz: BaseGeometry | None
    credits: str


@dataclass(frozen=True)
class MapPoint:
    lon: float
    lat: float
    severity: str
    label: str
