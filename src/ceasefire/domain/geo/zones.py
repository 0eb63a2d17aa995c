"""Zones around the line of contact, built in metres.

The demilitarized zone is every point within `dmz_half_width_m` of the line; each side's
withdrawal line is that buffer's edge on its side; a weapon withdrawal zone for a class is the
buffer of that class's distance on each side, held by that side. All are clipped to the land
the agreement's control areas cover, so a zone does not run out to sea or across a border.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.domain.geo.projection import MetricFrame
from ceasefire.domain.taxonomy import WeaponClass


@dataclass(frozen=True, slots=True)
class WeaponRule:
    """Heavy weapons of `weapon_class` must stay `withdrawal_m` or more from the line, on each
    side (half the width of the zone the agreement names)."""

    weapon_class: WeaponClass
    withdrawal_m: float


@dataclass(frozen=True, slots=True)
class ZoneParameters:
    dmz_half_width_m: float
    weapon_rules: tuple[WeaponRule, ...]


@dataclass(frozen=True)
class Geography:
    """An agreement's geography in the metric frame. Control areas are in order of
    precedence already resolved: no two overlap."""

    frame: MetricFrame
    line: BaseGeometry
    control: tuple[tuple[str, BaseGeometry], ...]
    sectors: tuple[tuple[str, BaseGeometry], ...]
    admin_areas: tuple[tuple[str, BaseGeometry], ...]
    positive_party: str

    @property
    def parties(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(party for party, _ in self.control))

    def land(self) -> BaseGeometry:
        return shapely.union_all([area for _, area in self.control])

    def area_of(self, party: str) -> BaseGeometry:
        return shapely.union_all([area for p, area in self.control if p == party])


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone for display and export, in lon/lat."""

    name: str
    kind: str  # line_of_contact, dmz, withdrawal_line, weapon_zone, sector
    party: str | None
    weapon_class: WeaponClass | None
    distance_m: float | None
    geometry: BaseGeometry


def resolve_control(areas: list[tuple[str, BaseGeometry]]) -> tuple[tuple[str, BaseGeometry], ...]:
    """First rule wins: each area loses what earlier areas already cover."""
    resolved: list[tuple[str, BaseGeometry]] = []
    covered: BaseGeometry | None = None
    for party, area in areas:
        own = area if covered is None else area.difference(covered)
        covered = area if covered is None else covered.union(area)
        if not own.is_empty:
            resolved.append((party, own))
    return tuple(resolved)


def dmz_area(geography: Geography, parameters: ZoneParameters) -> BaseGeometry:
    """The demilitarized zone on land, in lon/lat (alone: a map needs no weapon zones)."""
    dmz = geography.line.buffer(parameters.dmz_half_width_m).intersection(geography.land())
    return geography.frame.to_lonlat(dmz)


def build_zones(geography: Geography, parameters: ZoneParameters) -> list[Zone]:
    g, frame = geography, geography.frame
    zones = [Zone("line of contact", "line_of_contact", None, None, 0.0, frame.to_lonlat(g.line))]
    zones.append(
        Zone(
            "demilitarized zone",
            "dmz",
            None,
            None,
            parameters.dmz_half_width_m,
            dmz_area(g, parameters),
        )
    )
    edge = g.line.buffer(parameters.dmz_half_width_m).boundary  # every point exactly that far
    for party in g.parties:
        area = g.area_of(party)
        zones.append(
            Zone(
                f"{party} withdrawal line",
                "withdrawal_line",
                party,
                None,
                parameters.dmz_half_width_m,
                frame.to_lonlat(edge.intersection(area)),
            )
        )
        for rule in parameters.weapon_rules:
            zone = g.line.buffer(rule.withdrawal_m).intersection(area)
            zones.append(
                Zone(
                    f"{party} {rule.weapon_class.value} withdrawal zone",
                    "weapon_zone",
                    party,
                    rule.weapon_class,
                    rule.withdrawal_m,
                    frame.to_lonlat(zone),
                )
            )
    for name, sector in g.sectors:
        zones.append(Zone(name, "sector", None, None, None, frame.to_lonlat(sector)))
    return zones
