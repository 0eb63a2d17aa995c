"""Translating reports to table rows and back; the row holds every field the log holds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ceasefire.domain.canonical import report_content, report_from_content
from ceasefire.domain.intake import PreparedReport
from ceasefire.domain.reports import Report

_JSON_LIST_COLUMNS = ("links", "attachments")


def report_row(prepared: PreparedReport, ledger_seq: int) -> dict[str, Any]:
    r = prepared.report
    return {
        "report_id": r.report_id,
        "source_id": r.source_id,
        "external_id": r.external_id,
        "observed_start": r.observed_start,
        "observed_end": r.observed_end,
        "time_precision": r.time_precision.value,
        "category": r.category.value,
        "lon": r.lon,
        "lat": r.lat,
        "uncertainty_m": r.uncertainty_m,
        "geo_precision": None if r.geo_precision is None else r.geo_precision.value,
        "place": r.place,
        "weapon_class": None if r.weapon_class is None else r.weapon_class.value,
        "explosions": r.explosions,
        "projectiles": r.projectiles,
        "bursts": r.bursts,
        "shots": r.shots,
        "direction": None if r.direction is None else r.direction.value,
        "bearing_deg": r.bearing_deg,
        "distance_min_m": r.distance_min_m,
        "distance_max_m": r.distance_max_m,
        "killed": r.killed,
        "injured": r.injured,
        "civilians_killed": r.civilians_killed,
        "civilians_injured": r.civilians_injured,
        "damaged_object": None if r.damaged_object is None else r.damaged_object.value,
        "alleged_party": r.alleged_party,
        "text": r.text,
        "links": json.dumps(list(r.links)),
        "attachments": json.dumps(list(r.attachments)),
        "fingerprint": prepared.fingerprint,
        "received_at": r.received_at,
        "ledger_seq": ledger_seq,
    }


def report_from_row(row: Mapping[Any, Any]) -> Report:
    """Rebuild a report from its row, through the same content mapping the log uses, so a
    row that was edited in the database comes back edited and `verify` can see it."""
    content = dict(row)
    for column in _JSON_LIST_COLUMNS:
        content[column] = json.loads(content[column])
    content["observed_start"] = row["observed_start"].isoformat()
    content["observed_end"] = row["observed_end"].isoformat()
    return report_from_content(content, row["received_at"])


def row_content(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The canonical content a row stands for (what its fingerprint must hash)."""
    return report_content(report_from_row(row))
