"""`ceasefire ingest`: import report files, account for every record."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ceasefire.cli.context import (
    AppState,
    err,
    fail,
    out,
    reference_time_option,
    styled,
    time_zone,
)
from ceasefire.clock import utc_now
from ceasefire.ingest.names import FORMAT_NAMES, LANGUAGES

if TYPE_CHECKING:
    from ceasefire.services.ingest import IngestOutcome

MAX_LINES_SHOWN = 50


def ingest(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(help="Report files: CSV, JSON Lines, GeoJSON, ACLED or UCDP CSV."),
    ],
    format_name: Annotated[
        str | None,
        typer.Option(
            "--format", help=f"Format of every file ({'|'.join(FORMAT_NAMES)}); default: detected."
        ),
    ] = None,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Store nothing if any record is rejected.")
    ] = False,
    tz: Annotated[
        str, typer.Option("--tz", help="Zone for dates and times written without an offset.")
    ] = "Europe/Kyiv",
    rejects_dir: Annotated[
        Path | None,
        typer.Option("--rejects-dir", help="Where rejects files go (default: beside each input)."),
    ] = None,
    source: Annotated[
        str, typer.Option("--source", help="Prose files (--format text): who wrote them.")
    ] = "free-text",
    source_kind: Annotated[
        str,
        typer.Option(
            "--source-kind",
            help="Prose files: monitor_patrol|camera_uav|sensor|party_complaint|news_osint.",
        ),
    ] = "news_osint",
    reliability: Annotated[
        str, typer.Option("--reliability", help="Prose files: the source's reliability, A-F.")
    ] = "F",
    lang: Annotated[str, typer.Option("--lang", help="Prose files: en|uk|ru.")] = "en",
    reference_time: Annotated[
        str | None,
        typer.Option(
            "--reference-time",
            help="Prose files: when they were written, for 'yesterday' and times without a date.",
        ),
    ] = None,
) -> None:
    """Import reports. Repeats are recognised and stored once; rejected records are listed as
    file:line: field: reason and written to a rejects file. Exit 1 if anything was rejected."""
    from ceasefire.cli.progress import progress_bar
    from ceasefire.domain.validation import IngestRules
    from ceasefire.ingest.text_reader import TextOptions
    from ceasefire.services.ingest import ingest_files

    state: AppState = ctx.obj
    engine = state.engine()
    if format_name is not None and format_name not in FORMAT_NAMES:
        raise fail(f"--format: {format_name!r} is not one of {', '.join(FORMAT_NAMES)}")
    if rejects_dir is not None and not rejects_dir.is_dir():  # said before anything is stored
        raise fail(f"--rejects-dir: {rejects_dir} is not a folder (create it first)")
    rules = IngestRules(now=utc_now(), zone=time_zone(tz))
    if lang not in LANGUAGES:
        raise fail(f"--lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    prose = TextOptions(
        source_id=source,
        source_kind=source_kind,
        reliability=reliability,
        lang=lang,
        reference=reference_time_option(reference_time, rules.zone),
    )
    with progress_bar() as update:
        outcome = ingest_files(
            engine,
            files,
            rules=rules,
            format_name=format_name,
            all_or_nothing=all_or_nothing,
            rejects_dir=rejects_dir,
            progress=update,
            clock=utc_now,
            text=prose,
        )
    _print_problems(outcome)
    _print_summary(outcome, tz)
    if not outcome.ok:
        raise typer.Exit(1)


def _print_problems(outcome: IngestOutcome) -> None:
    shown = 0
    for file in outcome.files:
        if file.problem is not None:
            err.print(str(file.problem), style="red")
        for rejection in file.rejections:
            for line in rejection.lines():
                if shown < MAX_LINES_SHOWN:
                    err.print(line, highlight=False, markup=False)
                shown += 1
    if shown > MAX_LINES_SHOWN:
        err.print(f"... and {shown - MAX_LINES_SHOWN} more; all are in the rejects files.")


def _print_summary(outcome: IngestOutcome, tz: str) -> None:
    table = Table(title="ingest", title_justify="left")
    for column in ("file", "format", "records", "valid", "rejected", "skipped", "rejects file"):
        table.add_column(
            column,
            justify="right" if column in {"records", "valid", "rejected", "skipped"} else "left",
        )
    for f in outcome.files:
        table.add_row(
            str(f.path),
            f.format_name or "-",
            str(f.records),
            str(f.accepted),
            "file refused" if f.problem else str(len(f.rejections)),
            str(sum(f.skipped.values())),
            str(f.rejects_path or ""),
        )
    out.print(table)
    for f in outcome.files:
        for reason, count in sorted(f.skipped.items()):
            out.print(f"skipped {count} in {f.path.name}: {reason}", highlight=False)
    if not outcome.stored:
        out.print(
            styled("bold red", "nothing stored", " (--all-or-nothing and something was rejected)")
        )
        return
    out.print(
        f"stored {outcome.added} new reports ({outcome.sources_added} new sources); "
        f"{outcome.repeats} already in the record; times without an offset read as {tz}.",
        highlight=False,
    )
    g = outcome.grouping
    if g is not None and outcome.added:
        line = f"incidents: {g.new_incidents} new"
        if g.joined:
            line += (
                f"; {g.joined} reports joined {g.incidents_joined} incidents already recorded "
                "(likely more reports of the same events)"
            )
        if g.regrouped:
            line += (
                f"; {g.regrouped} reports recorded earlier regrouped (an earlier report of "
                "their events came in late)"
            )
        out.print(line, highlight=False)
