"""`ceasefire report daily|spot|period`: published reports, as HTML, PDF or Markdown."""

from __future__ import annotations

from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ceasefire.cli.context import AppState, err, fail, out, time_zone
from ceasefire.cli.files import write_atomically
from ceasefire.cli.reports_cmd import parse_time
from ceasefire.domain.incidents.book import incident_number
from ceasefire.domain.publishing.period import daily_period, span_period
from ceasefire.publish.render import render_daily, render_period, render_spot
from ceasefire.services.publishing import (
    PublishingError,
    build_daily,
    build_period,
    build_spot,
    map_layers,
    report_agreement,
)
from ceasefire.store.db import reading

app = typer.Typer(
    help="Published reports: daily, spot and period, with maps and plots.", no_args_is_help=True
)


class DocumentFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--date: {text!r} is not a date (YYYY-MM-DD)") from None


def _cutoff(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise fail(f"--cutoff: {text!r} is not a time of day (HH:MM)") from None


@app.command("daily")
def daily_cmd(
    ctx: typer.Context,
    day: Annotated[
        str, typer.Option("--date", help="The report's day: the 24 hours to the cut-off on it.")
    ],
    cutoff: Annotated[str, typer.Option(help="Cut-off, local time of day.")] = "19:30",
    tz: Annotated[str, typer.Option("--tz", help="The mission's time zone.")] = "Europe/Kyiv",
    output_format: Annotated[
        DocumentFormat, typer.Option("--format", help="html, pdf or md.")
    ] = DocumentFormat.HTML,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default daily-DATE.FORMAT here)."),
    ] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement for sectors and zones (default: the only one).")
    ] = None,
) -> None:
    """The daily report: summary, per-sector table against the previous day, a map and a
    time-of-day plot, every incident placed from a named place, the plan's tracks, decisions
    and open actions. Same record and cut-off, same report."""
    state: AppState = ctx.obj
    zone = time_zone(tz)
    period = daily_period(_date(day), _cutoff(cutoff), zone)
    target = output or Path(f"daily-{day}.{output_format.value}")
    if not target.parent.is_dir():
        raise fail(f"-o: the folder {target.parent} does not exist")
    engine = state.engine()
    with err.status("reading the record"):
        try:
            with reading(engine) as connection:
                report = build_daily(connection, period, agreement)
                layers = map_layers(report_agreement(connection, report.agreement))
        except PublishingError as exc:
            raise fail(str(exc)) from None
    with err.status(f"rendering {output_format.value.upper()}"):
        rendered = render_daily(report, layers, output_format.value, target.stem)
    write_atomically(target, rendered)
    extra = f" and {', '.join(rendered.attachments)}" if rendered.attachments else ""
    out.print(
        f"Daily report {report.number}: {report.total.violations} violations in "
        f"{len(report.incidents)} incidents; wrote {target}{extra}",
        highlight=False,
    )


@app.command("spot")
def spot_cmd(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="The incident, like INC-42.")],
    tz: Annotated[str, typer.Option("--tz", help="The mission's time zone.")] = "Europe/Kyiv",
    output_format: Annotated[
        DocumentFormat, typer.Option("--format", help="html, pdf or md.")
    ] = DocumentFormat.HTML,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default spot-INC-N.FORMAT here)."),
    ] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement for sectors and zones (default: the only one).")
    ] = None,
) -> None:
    """A spot report on one incident, for immediate circulation: what, where, when, how well
    attested, attribution and its basis, clauses breached, replies, the plan's decisions."""
    state: AppState = ctx.obj
    zone = time_zone(tz)
    number = incident_number(incident)
    if number is None:
        raise fail(f"{incident!r} is not an incident id (like INC-42)")
    target = output or Path(f"spot-INC-{number}.{output_format.value}")
    if not target.parent.is_dir():
        raise fail(f"-o: the folder {target.parent} does not exist")
    with err.status("reading the record"):
        try:
            with reading(state.engine()) as connection:
                report = build_spot(connection, number, zone, agreement)
                layers = map_layers(report_agreement(connection, agreement))
        except PublishingError as exc:
            raise fail(str(exc)) from None
    with err.status(f"rendering {output_format.value.upper()}"):
        rendered = render_spot(report, layers, output_format.value, target.stem)
    write_atomically(target, rendered)
    out.print(f"Spot report {report.incident.label}: wrote {target}", highlight=False)


@app.command("period")
def period_cmd(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="Start: a date (local midnight) or a time.")],
    until: Annotated[str, typer.Option(help="End, exclusive: a date means the end of that day.")],
    tz: Annotated[str, typer.Option("--tz", help="The mission's time zone.")] = "Europe/Kyiv",
    output_format: Annotated[
        DocumentFormat, typer.Option("--format", help="html, pdf or md.")
    ] = DocumentFormat.HTML,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default period-FROM-UNTIL.FORMAT)."),
    ] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement for sectors and zones (default: the only one).")
    ] = None,
) -> None:
    """A weekly or monthly report: violations day by day per party, compliance per party and
    clause, sectors against the previous period of the same length, grave incidents, the plan."""
    state: AppState = ctx.obj
    zone = time_zone(tz)
    begin = parse_time("--from", start, zone, end=False)
    end = parse_time("--until", until, zone, end=True)
    assert begin is not None and end is not None
    if end <= begin:
        raise fail(f"--until: {until} is not after --from {start}")
    period = span_period(begin, end, zone)
    target = output or Path(f"period-{start}-{until}.{output_format.value}")
    if not target.parent.is_dir():
        raise fail(f"-o: the folder {target.parent} does not exist")
    with err.status("reading the record"):
        try:
            with reading(state.engine()) as connection:
                report = build_period(connection, period, agreement)
                layers = map_layers(report_agreement(connection, report.base.agreement))
        except PublishingError as exc:
            raise fail(str(exc)) from None
    with err.status(f"rendering {output_format.value.upper()}"):
        rendered = render_period(report, layers, output_format.value, target.stem)
    write_atomically(target, rendered)
    out.print(
        f"Period report: {report.base.total.violations} violations over {len(report.days)} "
        f"days; wrote {target}",
        highlight=False,
    )
