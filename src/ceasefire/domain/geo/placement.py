"""Where reports stand against an agreement's geography, as rows keyed by column name.

Pure: the store writes the rows, `classify` prints them. Callers choose how many threads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from ceasefire.domain.geo.classify import NO_INDEX
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.reports import Report


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
    classes = classifier.weapon_classes
    rows: list[dict[str, object]] = []
    for i, report in enumerate(located):
        zones = [classes[j].value for j in np.flatnonzero(result.in_weapon_zone[i])]
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
                    report.weapon_class is not None and report.weapon_class.value in zones
                ),
                "sector": _name(classifier.sector_names, result.sector[i]),
                "admin_area": _name(classifier.admin_names, result.admin_area[i]),
            }
        )
    return rows


def _name(names: Sequence[str], index: int) -> str | None:
    return None if index == NO_INDEX else names[index]


def _rounded(value: float) -> float | None:
    """Decimetres: finer digits say nothing about where a report is."""
    return None if np.isnan(value) else round(float(value), 1)
