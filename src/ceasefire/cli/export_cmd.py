"""`ceasefire export`: reports or incidents as files others can open or re-import."""

from __future__ import annotations

import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ceasefire.cli.context import AppState, fail, out, time_zone
from ceasefire.clock import utc_now
from ceasefire.domain.incidents.vocabulary import Role


class ExportFormat(StrEnum):
    GEOJSON = "geojson"
    CSV = "csv"
    ACLED_CSV = "acled-csv"
    KML = "kml"


class What(StrEnum):
    REPORTS = "reports"
    INCIDENTS = "incidents"


def export_cmd(
    ctx: typer.Context,
    output_format: Annotated[
        ExportFormat, typer.Option("--format", help="geojson, csv, acled-csv or kml.")
    ] = ExportFormat.GEOJSON,
    what: Annotated[What, typer.Option(help="reports (analysts) or incidents.")] = What.REPORTS,
    role: Annotated[Role, typer.Option(help="Export only what this role may see.")] = Role.ANALYST,
    party: Annotated[
        str | None, typer.Option(help="With --role party: the party whose liaison receives it.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Observed at or after this time.")] = None,
    until: Annotated[str | None, typer.Option(help="Observed before this time.")] = None,
    bbox: Annotated[str | None, typer.Option(help="west,south,east,north")] = None,
    tz: Annotated[
        str, typer.Option("--tz", help="Zone for times without offset, and ACLED dates.")
    ] = "Europe/Kyiv",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: standard output).")
    ] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement for incidents (default: the agreement in use).")
    ] = None,
) -> None:
    """Reports in our import schema (`ceasefire ingest` reads them back to the same reports) or
    in ACLED's columns; incidents as the role may see them. Reports carry their sources and
    exact positions, so only an analyst's export holds them; other roles export incidents."""
    from ceasefire.cli.files import write_atomically
    from ceasefire.cli.reports_cmd import parse_bbox, parse_time
    from ceasefire.domain.incidents.disclosure import concerns_party, incident_summary
    from ceasefire.domain.incidents.selection import Selection
    from ceasefire.publish.document import Rendered
    from ceasefire.services.incidents import IncidentFilter, incident_stories
    from ceasefire.services.publishing import PublishingError, report_agreement
    from ceasefire.store.db import reading
    from ceasefire.store.report_store import ReportFilter, list_reports
    from ceasefire.store.report_summary import load_sources

    state: AppState = ctx.obj
    zone = time_zone(tz)
    if role is Role.PARTY and not party:
        raise fail("--role party: name the party with --party")
    if what is What.REPORTS and role is not Role.ANALYST:
        raise fail(
            f"--role {role.value}: reports carry their sources and exact positions, which only "
            "analysts see; use --what incidents"
        )
    if what is What.INCIDENTS and output_format is ExportFormat.ACLED_CSV:
        raise fail("--format acled-csv: ACLED's columns describe reports; use --what reports")
    start, end = (
        parse_time("--since", since, zone, end=False),
        parse_time("--until", until, zone, end=True),
    )
    box = parse_bbox(bbox)
    if output is not None and not output.parent.is_dir():
        raise fail(f"-o: the folder {output.parent} does not exist")
    with reading(state.engine()) as connection:
        if what is What.REPORTS:
            found = list_reports(connection, ReportFilter(since=start, until=end, bbox=box))
            sources = load_sources(connection, {r.source_id for r in found})
            body = _reports_document(found, sources, output_format, zone)
            count = len(found)
        else:
            try:
                loaded = report_agreement(connection, agreement)
            except PublishingError as exc:
                raise fail(str(exc)) from None
            stories = incident_stories(connection, loaded, IncidentFilter(since=start, until=end))
            now = utc_now()
            rows = [
                incident_summary(s, role, now)
                for s in stories
                if Selection(bbox=box).keeps(s, now)
                and (role is not Role.PARTY or concerns_party(s, party or ""))
            ]
            body = _incidents_document(rows, output_format)
            count = len(rows)
    if output is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    write_atomically(output, Rendered(body))
    out.print(f"{count} {what.value} written to {output} ({output_format.value})", highlight=False)


def _reports_document(
    found: list[Any], sources: dict[str, Any], fmt: ExportFormat, zone: Any
) -> bytes:
    from ceasefire.export import acled
    from ceasefire.export.report_formats import csv_text, report_fields, to_geojson, write_csv
    from ceasefire.geofiles.kml import points_kml

    if fmt is ExportFormat.GEOJSON:
        return (
            json.dumps(to_geojson(found, sources), ensure_ascii=False, indent=1) + "\n"
        ).encode()
    if fmt is ExportFormat.CSV:
        stream = io.StringIO()
        write_csv(found, sources, stream)
        return stream.getvalue().encode()
    if fmt is ExportFormat.ACLED_CSV:
        return csv_text(acled.acled_rows(found, sources, zone), acled.COLUMNS).encode()
    rows = [report_fields(r, sources[r.source_id]) for r in found]
    return points_kml(rows, title="ceasefire reports", name_keys=("category", "external_id"))


def _incidents_document(rows: list[dict[str, Any]], fmt: ExportFormat) -> bytes:
    from ceasefire.export.report_formats import csv_text, point_feature
    from ceasefire.geofiles.kml import points_kml

    if fmt is ExportFormat.GEOJSON:
        features = [point_feature(dict(row), row["incident"]) for row in rows]
        document = {"type": "FeatureCollection", "features": features}
        return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()
    if fmt is ExportFormat.CSV:
        return csv_text(rows, list(rows[0]) if rows else ["incident"]).encode()
    return points_kml(rows, title="ceasefire incidents", name_keys=("incident", "category"))
