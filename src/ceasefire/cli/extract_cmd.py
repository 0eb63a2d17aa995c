"""`ceasefire extract`: what the free-text extractor reads from prose, field by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ceasefire.cli.context import err, fail, out, reference_time_option, time_zone
from ceasefire.domain.extraction.extract import as_record, extract
from ceasefire.ingest.records import FileProblem, read_text
from ceasefire.ingest.text_reader import LANGUAGES, paragraphs
from ceasefire.services.extraction import extraction_context

FORMATS = ("table", "json")


def extract_cmd(
    file: Annotated[Path, typer.Argument(help="Prose: one report per paragraph.")],
    lang: Annotated[
        str, typer.Option("--lang", help=f"Language of the text ({'|'.join(LANGUAGES)}).")
    ] = "en",
    reference_time: Annotated[
        str | None,
        typer.Option(
            "--reference-time",
            help="When the text was written, for 'yesterday' or a time without a date "
            "(e.g. 2026-02-05T19:30+02:00). Without it such phrases are flagged, not guessed.",
        ),
    ] = None,
    tz: Annotated[
        str, typer.Option("--tz", help="Zone for times the text writes without an offset.")
    ] = "Europe/Kyiv",
    format_name: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Read reports written in prose and show each field found, the words it came from, the
    rule that read it and how sure it is; fields the text does not settle are flagged."""
    if format_name not in FORMATS:
        raise fail(f"--format: {format_name!r} is not one of {', '.join(FORMATS)}")
    if lang not in LANGUAGES:
        raise fail(f"--lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    zone = time_zone(tz)
    reference = reference_time_option(reference_time, zone)
    try:
        text = read_text(file)
    except FileProblem as problem:
        raise fail(str(problem)) from None
    context = extraction_context(zone, reference)
    results = [
        (line, paragraph, extract(paragraph, context)) for line, paragraph in paragraphs(text)
    ]
    if format_name == "json":
        records = [
            {"where": f"{file}:{line}", "text": paragraph, **as_record(extraction)}
            for line, paragraph, extraction in results
        ]
        out.print_json(json.dumps(records, ensure_ascii=False))
        return
    for line, paragraph, extraction in results:
        out.print(_table(f"{file}:{line}", paragraph, as_record(extraction)))
    flagged = sum(1 for _, _, e in results if e.flags)
    err.print(f"{len(results)} paragraphs read; {flagged} with fields flagged for the analyst.")


def _table(where: str, paragraph: str, record: dict[str, Any]) -> Table:
    table = Table(title=f"{where}  {_shorten(paragraph, 90)}", title_justify="left")
    for column in ("field", "value", "from the words", "rule", "confidence"):
        table.add_column(column, justify="right" if column == "confidence" else "left")
    for name, found in record["fields"].items():
        table.add_row(
            name,
            _shown(found["value"]),
            _shorten(found["evidence"], 40),
            found["rule"],
            f"{found['confidence']:.2f}",
        )
    for flag in record["flags"]:
        table.add_row(flag["field"], "", "", f"FLAGGED: {flag['reason']}", "", style="yellow")
    return table


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items() if v is not None)
    return str(value)


def _shorten(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
