"""`ceasefire extract`: what the free-text extractor reads from prose, field by field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ceasefire.cli.context import err, fail, out, reference_time_option, time_zone
from ceasefire.ingest.names import LANGUAGES

if TYPE_CHECKING:
    from ceasefire.ingest.records import RawRecord

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
    from ceasefire.ingest.records import FileProblem, read_text
    from ceasefire.ingest.text_reader import TextOptions, paragraphs, read_paragraph
    from ceasefire.services.extraction import extraction_context

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
    options = TextOptions(lang=lang, reference=reference)
    # The same reading `ingest --format text` stores, paragraph for paragraph.
    records = [
        read_paragraph(f"{file}:{line}", paragraph, n, options, context)
        for n, (line, paragraph) in enumerate(paragraphs(text), start=1)
    ]
    if format_name == "json":
        shown = [_as_json(record) for record in records]
        out.print_json(json.dumps(shown, ensure_ascii=False))
        return
    for record in records:
        if record.extraction is not None:
            out.print(extraction_table(record.where, str(record.original), record.extraction))
        if record.problem is not None:
            err.print(f"{record.where}: {record.problem.field}: {record.problem.reason}")
    flagged = sum(1 for r in records if r.extraction and r.extraction["flags"])
    unstorable = sum(1 for r in records if r.problem)
    err.print(
        f"{len(records)} paragraphs read; {flagged} with fields flagged for the analyst; "
        f"{unstorable} could not be stored as they stand."
    )


def _as_json(record: RawRecord) -> dict[str, Any]:
    shown: dict[str, Any] = {"where": record.where, "text": record.original}
    shown |= dict(record.extraction or {})
    if record.problem is not None:
        shown["problem"] = {"field": record.problem.field, "reason": record.problem.reason}
    return shown


def extraction_table(where: str, paragraph: str, record: Mapping[str, Any]) -> Table:
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
