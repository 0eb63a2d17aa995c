"""Exports others can open or re-import: reports and incidents as GeoJSON, CSV or KML.

Reports come out in our own import schema (what `ceasefire ingest` reads back to the same
reports); incidents as their summaries, with what the caller's role may see and nothing more.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from ceasefire.api.answers import stories_answer
from ceasefire.api.params import incident_window, parse_bbox, parse_time
from ceasefire.api.routes_incidents import AgreementQuery
from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission, Role
from ceasefire.domain.incidents.disclosure import incident_summary
from ceasefire.domain.incidents.selection import Selection
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.export.report_formats import csv_text, point_feature, report_fields, to_geojson
from ceasefire.geofiles.kml import points_kml
from ceasefire.store.db import reading
from ceasefire.store.report_store import ReportFilter, list_reports
from ceasefire.store.report_summary import load_sources

router = APIRouter(tags=["exports"])
Format = Literal["geojson", "csv", "kml"]
MEDIA = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "kml": "application/vnd.google-earth.kml+xml",
}


def _answer(body: str | bytes, fmt: str, name: str) -> Response:
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@router.get(
    "/export/reports",
    summary="Reports in our import schema, re-importable (monitors: their own)",
    **needs(Permission.REPORTS_READ),
)
def export_reports(
    request: Request,
    format: Annotated[Format, Query(description="geojson, csv or kml")] = "geojson",
    since: str | None = None,
    until: str | None = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
) -> Response:
    principal = principal_of(request)
    zone = request.app.state.zone
    report_filter = ReportFilter(
        since=parse_time("since", since, zone, end=False),
        until=parse_time("until", until, zone, end=True),
        bbox=parse_bbox(bbox),
        submitted_by=principal.name if principal.role is Role.MONITOR else None,
    )
    with reading(request.app.state.engine) as connection:
        found = list_reports(connection, report_filter)
        sources = load_sources(connection, {r.source_id for r in found})
    rows = [report_fields(r, sources[r.source_id]) for r in found]
    if format == "geojson":
        return _answer(json.dumps(to_geojson(found, sources)), format, "reports")
    if format == "csv":
        return _answer(csv_text(rows, list(rows[0]) if rows else ["source_id"]), format, "reports")
    return _answer(
        points_kml(rows, title="ceasefire reports", name_keys=("category", "external_id")),
        format,
        "reports",
    )


@router.get(
    "/export/incidents",
    summary="Incidents as the caller's role may see them",
    **needs(Permission.INCIDENTS_READ),
)
def export_incidents(
    request: Request,
    format: Annotated[Format, Query(description="geojson, csv or kml")] = "geojson",
    since: str | None = None,
    until: str | None = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    agreement: AgreementQuery = None,
) -> Response:
    disclosure = principal_of(request).disclosure
    box = parse_bbox(bbox)

    def build(stories: list[IncidentStory], now: datetime) -> str | bytes:
        rows = [
            incident_summary(s, disclosure, now)
            for s in stories
            if Selection(bbox=box).keeps(s, now)
        ]
        return _incidents_body(rows, format)

    window = incident_window(since, until, request.app.state.zone)
    # Replies fall overdue with time: the answer is kept for the minute.
    body = stories_answer(request, agreement, window, (box, format), build, per_minute=True)
    return _answer(body, format, "incidents")


def _incidents_body(rows: list[dict[str, Any]], fmt: str) -> str | bytes:
    if fmt == "geojson":
        features = [point_feature(dict(row), row["incident"]) for row in rows]
        return json.dumps({"type": "FeatureCollection", "features": features})
    if fmt == "csv":
        return csv_text(rows, list(rows[0]) if rows else ["incident"])
    return points_kml(rows, title="ceasefire incidents", name_keys=("incident", "category"))
