"""`ceasefire classify FILE --agreement NAME`: where each report in a file stands, without
storing anything."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ceasefire.cli.context import AppState, err, fail, out, require_agreement, time_zone
from ceasefire.clock import utc_now

PLACEMENT_FIELDS = (
    "party",
    "signed_distance_m",
    "distance_m",
    "ambiguous_side",
    "in_dmz",
    "weapon_zones",
    "weapon_zone_breach",
    "sector",
    "admin_area",
)


def classify(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A report file in any import format.")],
    agreement: Annotated[str, typer.Option(help="Name of an agreement in the record.")],
    output_format: Annotated[str, typer.Option("--format", help="csv|geojson|kml")] = "csv",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file.")
    ] = None,
    format_name: Annotated[
        str | None, typer.Option("--input-format", help="Input format; default: detected.")
    ] = None,
    tz: Annotated[str, typer.Option(help="Zone for times without an offset.")] = "Europe/Kyiv",
) -> None:
    """Add to each report: the party controlling where it was, the signed distance to the line
    (m, positive on the agreement's positive side), whether it is ambiguous (its uncertainty
    reaches across the line), in the DMZ, which weapon zones it lies in, sector and oblast."""
    from ceasefire.domain.geo.placement import placements
    from ceasefire.domain.validation import IngestRules
    from ceasefire.export.report_formats import report_fields
    from ceasefire.services.ingest import read_reports

    if output_format not in ("csv", "geojson", "kml"):
        raise fail(f"--format: {output_format!r} is not csv, geojson or kml")
    if output_format == "kml" and output is None:
        raise fail("--format kml needs -o FILE.kml")
    state: AppState = ctx.obj
    loaded = require_agreement(state.engine(), agreement)
    rules = IngestRules(now=utc_now(), zone=time_zone(tz))
    outcome, accepted = read_reports(file, rules, format_name)
    if outcome.problem is not None:
        raise fail(str(outcome.problem), code=1)
    placed = {
        row["report_id"]: row
        for row in placements(loaded, [a.report for a in accepted], workers=os.cpu_count() or 1)
    }
    rows = [
        report_fields(a.report, a.source) | _placement(placed.get(a.report.report_id))
        for a in accepted
    ]
    _write(rows, output_format, output, title=f"{file.name} against {loaded.name}")
    for rejection in outcome.rejections:
        for line in rejection.lines():
            err.print(line, highlight=False, markup=False)
    if output:
        out.print(
            f"{len(rows)} reports classified against {loaded.name} "
            f"(version {loaded.version}) to {output}",
            highlight=False,
        )
    if outcome.rejections:
        raise typer.Exit(1)


def _write(
    rows: list[dict[str, Any]], output_format: str, output: Path | None, *, title: str
) -> None:
    from ceasefire.domain.validation import REPORT_FIELDS
    from ceasefire.export.report_formats import csv_cell, point_feature
    from ceasefire.geofiles.kml import write_points_kml

    if output_format == "kml":
        assert output is not None  # checked with the options
        write_points_kml(output, rows, title=title, name_keys=("category", "observed_start"))
        return
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if output_format == "csv":
            writer = csv.DictWriter(
                stream, [*REPORT_FIELDS, *PLACEMENT_FIELDS], lineterminator="\n"
            )
            writer.writeheader()
            writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
        else:
            features = [point_feature(row) for row in rows]
            json.dump(
                {"type": "FeatureCollection", "features": features}, stream, ensure_ascii=False
            )
            stream.write("\n")
    finally:
        if output:
            stream.close()


def _placement(row: dict[str, object] | None) -> dict[str, Any]:
    if row is None:  # a report known only by place name
        return dict.fromkeys(PLACEMENT_FIELDS)
    values = {name: row[name] for name in PLACEMENT_FIELDS}
    values["weapon_zones"] = json.loads(str(row["weapon_zones"]))
    return values
