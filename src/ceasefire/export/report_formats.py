"""Reports as our CSV columns, JSON and GeoJSON. What these write, `ceasefire ingest` reads
back to the same reports (same ids, same content): an export is a re-importable file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any

from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.reports import Report, Source
from ceasefire.domain.validation import REPORT_FIELDS


def report_fields(report: Report, source: Source) -> dict[str, Any]:
    """A report in the import schema's field names and plain JSON values."""
    r = report
    return {
        "source_id": r.source_id,
        "source_kind": source.kind.value,
        "source_org": source.organisation,
        "source_reliability": source.reliability.value,
        "external_id": r.external_id,
        "observed_start": utc_iso(r.observed_start),
        "observed_end": utc_iso(r.observed_end),
        "time_precision": r.time_precision.value,
        "lon": r.lon,
        "lat": r.lat,
        "uncertainty_m": r.uncertainty_m,
        "geo_precision": None if r.geo_precision is None else r.geo_precision.value,
        "place": r.place,
        "category": r.category.value,
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
        "links": list(r.links),
        "attachments": list(r.attachments),
    }


def write_csv(reports: Iterable[Report], sources: Mapping[str, Source], stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(REPORT_FIELDS)
    for report in reports:
        fields = report_fields(report, sources[report.source_id])
        writer.writerow(_cell(fields[name]) for name in REPORT_FIELDS)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def to_json(reports: Iterable[Report], sources: Mapping[str, Source]) -> list[dict[str, Any]]:
    return [
        {"report_id": r.report_id, "received_at": utc_iso(r.received_at)}
        | report_fields(r, sources[r.source_id])
        for r in reports
    ]


def to_geojson(reports: Iterable[Report], sources: Mapping[str, Source]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection; reports known only by a place name get no geometry."""
    features = []
    for r in reports:
        properties = report_fields(r, sources[r.source_id])
        lon, lat = properties.pop("lon"), properties.pop("lat")
        geometry = None if lon is None else {"type": "Point", "coordinates": [lon, lat]}
        features.append(
            {"type": "Feature", "id": r.report_id, "geometry": geometry, "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


def dump_json(document: Any, stream: IO[str]) -> None:
    json.dump(document, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
