"""Where reports stand against an agreement's geography, as rows keyed by column name.

A report's place is where it puts what it saw; for fire, that is where the fire landed or was
heard, not where the weapon was. The withdrawal rules need the weapon's position, which only
some reports give (`weapon_position`): a sighting of the weapon, or outgoing fire, at the
report's place or, with a bearing and a distance band, that far from it. A report of incoming
fire landing in a town says nothing about where the gun stood, so it never places a weapon in
its withdrawal zone, whichever side's ground the town is on.

Pure: the store writes the rows, `classify` prints them. Callers choose how many threads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pyproj import Geod

from ceasefire.domain.geo.classify import NO_INDEX
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.reports import Direction, Report
from ceasefire.domain.taxonomy import CATEGORY_INFO, FIRE_FAMILIES, Family

# Where a weapon that fired outgoing rounds was placed without a bearing: at the report's place,
# within this much more than its own uncertainty (monitors hear fire leave within a few km).
OUTGOING_NEAR_M = 2_000.0
# How far off a bearing estimated by ear or eye may be, as a share of the distance (about 10°).
BEARING_SPREAD = 0.18
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class WeaponPosition:
    lon: float
    lat: float
    uncertainty_m: float


def weapon_position(report: Report) -> WeaponPosition | None:
    """Where the report places the weapon itself, or None when it does not (an impact, fire
    of undetermined direction, anything but a sighting or outgoing fire)."""
    if report.lon is None or report.lat is None:
        return None
    own = float(report.uncertainty_m or 0)
    family = CATEGORY_INFO[report.category].family
    if family is Family.PROHIBITED_PRESENCE:
        return WeaponPosition(report.lon, report.lat, own)
    if family not in FIRE_FAMILIES or report.direction is not Direction.OUTGOING:
        return None
    band = [d for d in (report.distance_min_m, report.distance_max_m) if d is not None]
    if report.bearing_deg is None or not band:
        return WeaponPosition(report.lon, report.lat, own + OUTGOING_NEAR_M)
    distance = (min(band) + max(band)) / 2
    lon, lat, _ = _GEOD.fwd(report.lon, report.lat, report.bearing_deg, distance)
    spread = (max(band) - min(band)) / 2 + distance * BEARING_SPREAD
    return WeaponPosition(float(lon), float(lat), own + spread)


def placements(
    agreement: LoadedAgreement, reports: Sequence[Report], *, workers: int = 1
) -> list[dict[str, object]]:
    """Where each located report stands against the agreement, keyed by column name."""
    located = [r for r in reports if r.lon is not None and r.lat is not None]
    if not located:
        return []
    classifier = agreement.classifier
    lon = np.array([r.lon for r in located], dtype=float)
    lat = np.array([r.lat for r in located], dtype=float)
    radius = np.array([r.uncertainty_m or 0 for r in located], dtype=float)
    result = classifier.classify(lon, lat, radius, workers=workers)
    weapons = _weapons(agreement, located, workers)
    classes = classifier.weapon_classes
    rows: list[dict[str, object]] = []
    for i, report in enumerate(located):
        zones = [classes[j].value for j in np.flatnonzero(result.in_weapon_zone[i])]
        weapon_party, weapon_zones = weapons.get(i, (None, []))
        rows.append(
            {
                "report_id": report.report_id,
                "agreement": agreement.name,
                "agreement_version": agreement.version,
                "party": _name(classifier.parties, result.party[i]),
                "distance_m": round(float(result.distance_m[i]), 1),
                "signed_distance_m": _rounded(result.signed_distance_m[i]),
                "ambiguous_side": bool(result.ambiguous_side[i]),
                "in_dmz": bool(result.in_dmz[i]),
                "weapon_zones": json.dumps(zones),
                "weapon_zone_breach": (
                    report.weapon_class is not None and report.weapon_class.value in weapon_zones
                ),
                "sector": _name(classifier.sector_names, result.sector[i]),
                "admin_area": _name(classifier.admin_names, result.admin_area[i]),
                "weapon_party": weapon_party,
            }
        )
    return rows


def _weapons(
    agreement: LoadedAgreement, located: Sequence[Report], workers: int
) -> dict[int, tuple[str | None, list[str]]]:
    """For each report (by index) that places a weapon: the party holding that ground (None
    when the position's circle reaches across the line) and the weapon zones it lies in."""
    found = [(i, p) for i, r in enumerate(located) if (p := weapon_position(r)) is not None]
    if not found:
        return {}
    classifier = agreement.classifier
    result = classifier.classify(
        np.array([p.lon for _, p in found], dtype=float),
        np.array([p.lat for _, p in found], dtype=float),
        np.array([p.uncertainty_m for _, p in found], dtype=float),
        workers=workers,
    )
    classes = classifier.weapon_classes
    weapons: dict[int, tuple[str | None, list[str]]] = {}
    for k, (i, _) in enumerate(found):
        party = None if result.ambiguous_side[k] else _name(classifier.parties, result.party[k])
        zones = [classes[j].value for j in np.flatnonzero(result.in_weapon_zone[k])]
        weapons[i] = (party, zones)
    return weapons


def _name(names: Sequence[str], index: int) -> str | None:
    return None if index == NO_INDEX else names[index]


def _rounded(value: float) -> float | None:
    """Decimetres: finer digits say nothing about where a report is."""
    return None if np.isnan(value) else round(float(value), 1)
