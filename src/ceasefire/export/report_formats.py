"""Reports as our CSV columns, JSON and GeoJSON. What these write, `ceasefire ingest` reads
back to the same reports (same ids, same content): an export is a re-importable file."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from ceasefire.domain.canonical import report_content, utc_iso
from ceasefire.domain.reports import Report, Source
from ceasefire.domain.validation import REPORT_FIELDS


def report_fields(report: Report, source: Source) -> dict[str, Any]:
    """A report in the import schema's field names and plain JSON values: its canonical
    content (less the derived id) with its source's description."""
    content = report_content(report)
    described = {
        "source_kind": source.kind.value,
        "source_org": source.organisation,
        "source_reliability": source.reliability.value,
    }
    return {
        name: described[name] if name in described else content.get(name) for name in REPORT_FIELDS
    }


def write_csv(reports: Iterable[Report], sources: Mapping[str, Source], stream: IO[str]) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(REPORT_FIELDS)
    for report in reports:
        fields = report_fields(report, sources[report.source_id])
        writer.writerow(csv_cell(fields[name]) for name in REPORT_FIELDS)


def csv_cell(value: Any) -> str:
    """A value as our CSV writes it, and reads back: lists space-separated, floats exact."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Rows as CSV with the given columns, values written as `csv_cell` writes them."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(csv_cell(row.get(c)) for c in columns)
    return stream.getvalue()


def point_feature(fields: dict[str, Any], feature_id: str | None = None) -> dict[str, Any]:
    """A Feature from import-schema fields: lon/lat become the Point, the rest properties."""
    properties = dict(fields)
    lon, lat = properties.pop("lon"), properties.pop("lat")
    geometry = None if lon is None else {"type": "Point", "coordinates": [lon, lat]}
    feature: dict[str, Any] = {"type": "Feature", "geometry": geometry, "properties": properties}
    if feature_id is not None:
        feature["id"] = feature_id
    return feature


def to_json(reports: Iterable[Report], sources: Mapping[str, Source]) -> list[dict[str, Any]]:
    return [
        {"report_id": r.report_id, "received_at": utc_iso(r.received_at)}
        | report_fields(r, sources[r.source_id])
        for r in reports
    ]


def to_geojson(reports: Iterable[Report], sources: Mapping[str, Source]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection; reports known only by a place name get no geometry."""
    features = [point_feature(report_fields(r, sources[r.source_id]), r.report_id) for r in reports]
    return {"type": "FeatureCollection", "features": features}


def dump_json(document: Any, stream: IO[str]) -> None:
    json.dump(document, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
