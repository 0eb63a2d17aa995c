"""`ceasefire publish daily|spot|period`: published reports, as HTML, PDF or Markdown."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, time, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from ceasefire.cli.context import AppState, err, fail, out, time_zone
from ceasefire.clock import utc_now

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ceasefire.publish.document import Rendered
    from ceasefire.publish.map_layers import MapLayers

app = typer.Typer(
    help="Published reports: daily, spot and period, with maps and plots.", no_args_is_help=True
)


class DocumentFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"


TzOption = Annotated[str, typer.Option("--tz", help="The mission's time zone.")]
FormatOption = Annotated[DocumentFormat, typer.Option("--format", help="html, pdf or md.")]
OutputOption = Annotated[
    Path | None,
    typer.Option("-o", "--output", help="File to write (default: named after the report, here)."),
]
AgreementOption = Annotated[
    str | None,
    typer.Option(help="Agreement for sectors and zones (default: the one in use)."),
]
BundleOption = Annotated[
    Path | None,
    typer.Option(
        "--bundle",
        help="Also write the log entries the report cites (its incidents' reports and "
        "reviews) with their inclusion proofs and the checkpoint: anyone checks it offline "
        "with `ceasefire log check-bundle`.",
        dir_okay=False,
    ),
]
Report = TypeVar("Report")


def _date(text: str, zone: tzinfo) -> date:
    """YYYY-MM-DD, or `today` / `yesterday` in `zone`."""
    from ceasefire.domain.timeparse import parse_relative

    relative = parse_relative(text, utc_now(), zone)
    if relative is not None and relative.date_only:
        return relative.at.astimezone(zone).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--date: {text!r} is not a date (YYYY-MM-DD, today or yesterday)") from None


def _cutoff(text: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise fail(f"--cutoff: {text!r} is not a time of day (HH:MM)") from None


def _publish(
    state: AppState,
    target: Path,
    output_format: DocumentFormat,
    build: Callable[[Connection], Report],
    agreement_of: Callable[[Report], str | None],
    render: Callable[[Report, MapLayers, str, str], Rendered],
    bundle: Path | None = None,
    cited: Callable[[Report], Iterable[str]] = lambda _: (),
) -> tuple[Report, Rendered]:
    """Sign a checkpoint of the record (when this machine holds the log's key), read the
    record in one transaction, render, write the file whole: what every report command does,
    with progress shown while it reads and renders. The report states that checkpoint; with
    `bundle`, the entries it cites are written beside it with their proofs against it."""
    import json

    from ceasefire.cli.files import write_atomically, write_files
    from ceasefire.services.publishing import (
        PublishingError,
        cited_entries,
        map_layers,
        report_agreement,
    )
    from ceasefire.services.transparency import NotYetSigned, entries_bundle, sign_checkpoint
    from ceasefire.store.db import reading

    for path, option in ((target, "-o"), (bundle, "--bundle")):
        if path is not None and not path.parent.is_dir():
            raise fail(f"{option}: the folder {path.parent} does not exist")
    engine = state.engine()
    signer = state.signer(engine)
    if signer is not None:
        with err.status("signing a checkpoint of the record"):
            sign_checkpoint(engine, signer, utc_now)
    document = None
    with err.status("reading the record"):
        try:
            with reading(engine) as connection:
                report = build(connection)
                layers = map_layers(report_agreement(connection, agreement_of(report)))
                if bundle is not None:
                    seqs = cited_entries(connection, cited(report))
                    document = entries_bundle(connection, seqs, about=f"cited by {target.name}")
        except PublishingError as exc:
            raise fail(str(exc)) from None
        except NotYetSigned as exc:
            raise fail(f"--bundle: {exc}") from None
    if bundle is not None and document is not None:
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        write_files([(bundle, text.encode())])
        err.print(
            f"wrote {bundle}: {len(document['entries'])} entries with their proofs",
            highlight=False,
        )
    with err.status(f"rendering {output_format.value.upper()}"):
        rendered = render(report, layers, output_format.value, target.stem)
    write_atomically(target, rendered)
    return report, rendered


@app.command("daily")
def daily_cmd(
    ctx: typer.Context,
    day: Annotated[
        str, typer.Option("--date", help="The report's day: the 24 hours to the cut-off on it.")
    ],
    cutoff: Annotated[str, typer.Option(help="Cut-off, local time of day.")] = "19:30",
    tz: TzOption = "Europe/Kyiv",
    output_format: FormatOption = DocumentFormat.HTML,
    output: OutputOption = None,
    agreement: AgreementOption = None,
    bundle: BundleOption = None,
) -> None:
    """The daily report: summary, per-sector table against the previous day, a map and a
    time-of-day plot, every incident placed from a named place, the plan's tracks, decisions
    and open actions. Same record and cut-off, same report."""
    from ceasefire.domain.publishing.period import daily_period
    from ceasefire.publish.render import render_daily  # matplotlib: only when drawing
    from ceasefire.services.publishing import build_daily

    zone = time_zone(tz)
    on = _date(day, zone)
    period = daily_period(on, _cutoff(cutoff), zone)
    target = output or Path(f"daily-{on.isoformat()}.{output_format.value}")
    report, rendered = _publish(
        ctx.obj,
        target,
        output_format,
        lambda connection: build_daily(connection, period, agreement),
        lambda built: built.agreement,
        render_daily,
        bundle,
        lambda built: [line.label for line in built.incidents],
    )
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
    tz: TzOption = "Europe/Kyiv",
    output_format: FormatOption = DocumentFormat.HTML,
    output: OutputOption = None,
    agreement: AgreementOption = None,
    bundle: BundleOption = None,
) -> None:
    """A spot report on one incident, for immediate circulation: what, where, when, how well
    attested, attribution and its basis, clauses breached, replies, the plan's decisions."""
    from ceasefire.domain.incidents.book import incident_number
    from ceasefire.publish.render import render_spot  # matplotlib: only when drawing
    from ceasefire.services.publishing import build_spot

    zone = time_zone(tz)
    number = incident_number(incident)
    if number is None:
        raise fail(f"{incident!r} is not an incident id (like INC-42)")
    target = output or Path(f"spot-INC-{number}.{output_format.value}")
    report, _ = _publish(
        ctx.obj,
        target,
        output_format,
        lambda connection: build_spot(connection, number, zone, agreement, utc_now()),
        lambda _: agreement,
        render_spot,
        bundle,
        lambda built: [built.incident.label],
    )
    out.print(f"Spot report {report.incident.label}: wrote {target}", highlight=False)


@app.command("period")
def period_cmd(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="Start: a date (local midnight) or a time.")],
    until: Annotated[str, typer.Option(help="End, exclusive: a date means the end of that day.")],
    tz: TzOption = "Europe/Kyiv",
    output_format: FormatOption = DocumentFormat.HTML,
    output: OutputOption = None,
    agreement: AgreementOption = None,
    bundle: BundleOption = None,
) -> None:
    """A weekly or monthly report: violations day by day per party, compliance per party and
    clause, sectors against the previous period of the same length, grave incidents, the plan."""
    from ceasefire.cli.reports_cmd import parse_time
    from ceasefire.domain.publishing.period import span_period
    from ceasefire.publish.render import render_period  # matplotlib: only when drawing
    from ceasefire.services.publishing import build_period

    zone = time_zone(tz)
    begin = parse_time("--from", start, zone, end=False)
    end = parse_time("--until", until, zone, end=True)
    assert begin is not None and end is not None  # both options are required
    if end <= begin:
        raise fail(f"--until: {until} is not after --from {start}")
    period = span_period(begin, end, zone)
    target = output or Path(f"period-{start}-{until}.{output_format.value}")
    report, _ = _publish(
        ctx.obj,
        target,
        output_format,
        lambda connection: build_period(connection, period, agreement),
        lambda built: built.base.agreement,
        render_period,
        bundle,
        lambda built: [line.label for line in built.base.incidents],
    )
    out.print(
        f"Period report: {report.base.total.violations} violations over {len(report.days)} "
        f"days; wrote {target}",
        highlight=False,
    )
