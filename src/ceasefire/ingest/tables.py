"""Small CSV tables people prepare by hand (persons to exchange, declared weapons, what an
inspection saw): header names in English, Ukrainian or Russian, every problem with its line.

These are agreed documents, so a file is taken whole or not at all. A file that is not CSV,
names an unknown column or has a row with the wrong number of cells is refused here at the first
such problem; the rows' contents are checked by the caller, which lists every problem it finds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ceasefire.ingest.csv_reader import check_columns, csv_rows
from ceasefire.ingest.records import FileProblem, read_text


def read_table(
    path: Path, aliases: Mapping[str, Sequence[str]], required: Sequence[str]
) -> list[tuple[str, dict[str, str]]]:
    """(`file:line`, {our column: cell}) for every non-empty row. `aliases` maps our column
    name to the other names a header may use for it (compared in lower case)."""
    header, rows = csv_rows(path, read_text(path))
    known = {alias.lower(): name for name, names in aliases.items() for alias in (name, *names)}
    columns = [known.get(cell.lower(), cell) for cell in header]
    check_columns(path, columns, list(aliases), required)
    table = []
    for line, cells in rows:
        if len(cells) != len(columns):
            raise FileProblem(
                f"{path}:{line}", f"{len(cells)} cells, the header has {len(columns)}"
            )
        table.append(
            (f"{path.name}:{line}", {c: v.strip() for c, v in zip(columns, cells, strict=True)})
        )
    if not table:
        raise FileProblem(str(path), "no rows under the header")
    return table
