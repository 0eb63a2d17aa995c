"""`ceasefire reports list|summary|extraction`."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ceasefire.cli.context import AppState, fail, out, time_zone
from ceasefire.clock import utc_now

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ceasefire.domain.reports import Report
    from ceasefire.domain.validation import BBox

app = typer.Typer(help="Read the stored reports.", no_args_is_help=True)

OUTPUT_FORMATS = ("table", "json", "csv", "geojson")


def parse_time(option: str, text: str | None, tz: tzinfo, *, end: bool) -> datetime | None:
    """A time option: ISO 8601 (a date alone, as an end, means the end of that day), or one
    relative to now (`now`, `today`, `yesterday`, `-3d`, `-36h`)."""
    from ceasefire.domain.timeparse import end_of_day, parse_moment, parse_relative

    if text is None:
        return None
    try:
        moment = parse_relative(text, utc_now(), tz) or parse_moment(text, tz)
    except ValueError as exc:
        raise fail(f"{option}: {exc}; or now, today, yesterday, -3d, -36h") from None
    return end_of_day(moment, tz) if end and moment.date_only else moment.at


def parse_bbox(text: str | None) -> BBox | None:
    from ceasefire.domain.validation import BBox

    if text is None:
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise fail(f"--bbox: {text!r} must be four numbers west,south,east,north") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise fail(f"--bbox: {text!r} must be west,south,east,north with west<east, south<north")
    return BBox(west, south, east, north)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Observed at or after (ISO 8601; a date means its start).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Observed before (a date alone includes that whole day).")
    ] = None,
    bbox: Annotated[str | None, typer.Option(help="west,south,east,north in degrees.")] = None,
    category: Annotated[
        str | None, typer.Option(help="A category or family, e.g. shelling.")
    ] = None,
    source: Annotated[str | None, typer.Option(help="Only this source id.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    offset: Annotated[int, typer.Option(min=0, help="Skip this many first.")] = 0,
    output_format: Annotated[
        str, typer.Option("--format", help="table|json|csv|geojson")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file.")
    ] = None,
    tz: Annotated[
        str, typer.Option(help="Zone for dates and times without an offset.")
    ] = "Europe/Kyiv",
    agreement: Annotated[
        str | None,
        typer.Option(
            help="Agreement whose geography --sector/--side/--zone use (default: the one in use)."
        ),
    ] = None,
    sector: Annotated[str | None, typer.Option(help="Sector name, e.g. 'Donetsk Oblast'.")] = None,
    side: Annotated[
        str | None, typer.Option(help="Party controlling where it was, e.g. RU.")
    ] = None,
    zone: Annotated[
        str | None,
        typer.Option(
            help="dmz, breach (weapon inside its class's zone), ambiguous (uncertainty "
            "crosses the line), or a weapon class."
        ),
    ] = None,
) -> None:
    """List reports whose observed window overlaps the time filter, oldest first."""
    from ceasefire.domain.taxonomy import WeaponClass, categories_matching, filter_names
    from ceasefire.export.report_formats import dump_json, to_geojson, to_json, write_csv
    from ceasefire.store.db import reading
    from ceasefire.store.report_store import (
        ZONE_FILTERS,
        ReportFilter,
        count_reports,
        list_reports,
    )
    from ceasefire.store.report_summary import load_sources

    if output_format not in OUTPUT_FORMATS:
        raise fail(f"--format: {output_format!r} is not one of {', '.join(OUTPUT_FORMATS)}")
    zone_info = time_zone(tz)
    try:
        categories = None if category is None else categories_matching(category)
    except ValueError:
        raise fail(
            f"--category: unknown {category!r}; valid: {', '.join(filter_names())}"
        ) from None
    if zone is not None and zone not in ZONE_FILTERS and zone not in {w.value for w in WeaponClass}:
        valid = ", ".join([*ZONE_FILTERS, *(w.value for w in WeaponClass)])
        raise fail(f"--zone: unknown {zone!r}; valid: {valid}")
    state: AppState = ctx.obj
    engine = state.engine()
    if sector or side or zone:
        agreement = _agreement_for_filters(engine, agreement)
    report_filter = ReportFilter(
        agreement=agreement,
        sector=sector,
        side=side.upper() if side else None,
        zone=zone,
        since=parse_time("--since", since, zone_info, end=False),
        until=parse_time("--until", until, zone_info, end=True),
        bbox=parse_bbox(bbox),
        categories=categories,
        source_id=source,
        limit=limit,
        offset=offset,
    )
    with reading(engine) as connection:
        found = list_reports(connection, report_filter)
        total = count_reports(connection, report_filter)  # ignores limit and offset
        sources = load_sources(connection, {r.source_id for r in found})
    if output_format == "table":
        _print_table(found, total)
        return
    stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if output_format == "csv":
            write_csv(found, sources, stream)
        elif output_format == "json":
            dump_json(to_json(found, sources), stream)
        else:
            dump_json(to_geojson(found, sources), stream)
    finally:
        if output:
            stream.close()


def _agreement_for_filters(engine: Engine, given: str | None) -> str:
    from ceasefire.store.agreement_store import default_name, latest_agreements
    from ceasefire.store.db import reading

    with reading(engine) as connection:
        names = [a.name for a in latest_agreements(connection)]
    if given is not None:
        if given not in names:
            raise fail(
                f"--agreement: no agreement {given!r} in the record "
                f"(have: {', '.join(names) or 'none'})"
            )
        return given
    if not names:
        raise fail(
            "--sector, --side and --zone need an agreement: `ceasefire agreement load NAME` first"
        )
    with reading(engine) as connection:
        chosen = default_name(connection)
    if chosen is None:
        raise fail(
            f"several agreements in the record ({', '.join(names)}): pass --agreement, or set "
            "the default with `ceasefire agreement use NAME`"
        )
    return chosen


def _where(report: Report) -> str:
    if report.lon is None or report.lat is None:
        return report.place
    place = report.place.split(",")[0] if report.place else ""
    return f"{report.lat:.3f}N {report.lon:.3f}E {place}".strip()  # uncertainty: --format json


def _print_table(found: list[Report], total: int) -> None:
    table = Table(title=f"{len(found)} of {total} reports", title_justify="left")
    table.add_column("observed (UTC)", no_wrap=True)
    table.add_column("category", no_wrap=True)
    table.add_column("where", min_width=15)
    table.add_column("killed", justify="right", no_wrap=True, min_width=6)
    table.add_column("source", min_width=12)
    table.add_column("report", overflow="fold")  # whole, folded in a narrow terminal
    for r in found:
        table.add_row(
            r.observed_start.strftime("%Y-%m-%d %H:%M"),
            r.category.value,
            _where(r),
            str(r.killed),
            r.source_id,
            r.report_id,
        )
    out.print(table)


@app.command("summary")
def summary_cmd(
    ctx: typer.Context,
    format_name: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Totals: reports, sources, the time span, and counts by category, year and source."""
    from ceasefire.store.db import reading
    from ceasefire.store.report_summary import summarise

    if format_name not in ("table", "json"):
        raise fail(f"--format: {format_name!r} is not one of table, json")
    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        s = summarise(connection)
    if format_name == "json":
        print(json.dumps(asdict(s), default=str, ensure_ascii=False, indent=1))
        return
    if s.reports == 0:
        out.print("No reports stored yet: `ceasefire ingest FILE` adds some.")
        return
    assert s.first_observed is not None and s.last_observed is not None
    out.print(
        f"{s.reports} reports from {s.sources} sources, observed "
        f"{s.first_observed:%Y-%m-%d} to {s.last_observed:%Y-%m-%d}; {s.killed} people reported "
        f"killed; {s.ledger_entries} entries in the tamper-evident log.",
        highlight=False,
    )
    for title, rows in (
        ("by category", s.by_category),
        ("by year", sorted(s.by_year, key=lambda b: b.key)),
        ("by source", s.by_source),
        ("by location precision", s.by_geo_precision),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column(title.split()[-1])
        table.add_column("reports", justify="right")
        table.add_column("killed", justify="right", no_wrap=True, min_width=6)
        for row in rows:
            table.add_row(row.key, str(row.reports), str(row.killed))
        out.print(table)


@app.command("extraction")
def extraction_cmd(
    ctx: typer.Context,
    report_id: Annotated[str, typer.Argument(help="A report filed in prose (its report_id).")],
    format_name: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """How a report filed in prose was read: per field the words, the rule and the confidence,
    and the flags, as stored beside the report when it was accepted."""
    from ceasefire.cli.extract_cmd import extraction_table
    from ceasefire.store.db import reading
    from ceasefire.store.extraction_store import read_from_prose

    if format_name not in ("table", "json"):
        raise fail(f"--format: {format_name!r} is not one of table, json")
    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        found = read_from_prose(connection, report_id)
    if found is None:
        raise fail(f"no report {report_id!r} read from prose in the record", code=1)
    text, record = found
    if format_name == "json":
        out.print_json(json.dumps(record | {"text": text}, ensure_ascii=False))
        return
    out.print(extraction_table(report_id, text, record))
