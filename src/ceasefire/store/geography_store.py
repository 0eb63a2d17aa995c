"""Each report's place against each agreement's geography: derived, recomputed at will."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

import numpy as np
from sqlalchemy import Connection, delete

from ceasefire.domain.geo.classify import NO_INDEX
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.reports import Report
from ceasefire.store.bulk import insert_tuples
from ceasefire.store.schema import report_geography


def classify_and_store(
    connection: Connection,
    agreement: LoadedAgreement,
    reports: Sequence[Report],
    *,
    replace: bool = False,
) -> int:
    """Classify reports against the agreement and store the rows; `replace` first drops what
    an earlier version of the agreement computed. Returns the number of rows written."""
    if replace:
        connection.execute(
            delete(report_geography).where(report_geography.c.agreement == agreement.name)
        )
    columns = [column.name for column in report_geography.columns]
    rows = [tuple(row[c] for c in columns) for row in placements(agreement, reports)]
    insert_tuples(connection, report_geography, rows)
    return len(rows)


def placements(agreement: LoadedAgreement, reports: Sequence[Report]) -> list[dict[str, object]]:
    """Where each located report stands against the agreement, keyed by column name."""
    located = [r for r in reports if r.lon is not None and r.lat is not None]
    if not located:
        return []
    classifier = agreement.classifier
    lon = np.array([r.lon for r in located], dtype=float)
    lat = np.array([r.lat for r in located], dtype=float)
    radius = np.array([r.uncertainty_m or 0 for r in located], dtype=float)
    result = classifier.classify(lon, lat, radius, workers=os.cpu_count() or 1)
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
