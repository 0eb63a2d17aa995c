"""`--format table|json|csv` for the commands that list things.

A table is for a person at a terminal; a script, a spreadsheet or another tool needs every
field whole and typed. Each listing command builds its rows once, as plain values (times as
ISO 8601 with their offset), and `emit` writes them in the format asked for: the same rows,
so the three views cannot disagree.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from ceasefire.cli.context import out


class ListFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


ListFormatOption = Annotated[
    ListFormat,
    typer.Option(
        "--format",
        help="table (for reading), json or csv (every field whole, for scripts).",
        case_sensitive=False,
    ),
]

Row = Mapping[str, Any]


def emit(
    rows: Sequence[Row],
    output_format: ListFormat,
    table: Callable[[Sequence[Row]], Table] | None = None,
    *,
    title: str = "",
) -> None:
    """Write `rows` as asked: json (a list of objects), csv (a header, then a line a row) or
    a table, by `table` when the command lays its own out, else one column per field."""
    if output_format is ListFormat.JSON:
        sys.stdout.write(json.dumps(list(rows), default=_plain, ensure_ascii=False, indent=1))
        sys.stdout.write("\n")
    elif output_format is ListFormat.CSV:
        fields = list(rows[0]) if rows else []
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    elif not rows and table is None:
        out.print(f"{title or 'listed'}: none")
    else:
        out.print(table(rows) if table else plain_table(rows, title))


def plain_table(rows: Sequence[Row], title: str = "") -> Table:
    shown = Table(title=title or None, title_justify="left")
    for field in rows[0] if rows else []:
        shown.add_column(field.replace("_", " "))
    for row in rows:
        shown.add_row(*(_cell(v, short=True) for v in row.values()))
    return shown


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def _cell(value: Any, *, short: bool = False) -> str:
    """One field as text: a time to the minute in a table, whole in csv; lists joined."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}" if short else value.isoformat()
    if isinstance(value, list | tuple | set | frozenset) and all(
        isinstance(v, str | int | float) for v in value
    ):
        return " ".join(str(v) for v in value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=_plain, ensure_ascii=False)
    return str(value)
