"""Small CSV tables people prepare by hand (persons to exchange, declared weapons, what an
inspection saw): header names in English, Ukrainian or Russian, every problem with its line.

These are agreed documents, so a file is taken whole or not at all: one unreadable row refuses
the file, and the error lists every problem found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ceasefire.ingest.csv_reader import check_columns, csv_rows
from ceasefire.ingest.records import FileProblem, read_text


class TableProblems(Exception):
    """Rows that cannot be used; each problem reads `file:line: column: reason`."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        shown = list(problems[:20])
        more = len(problems) - len(shown)
        super().__init__(
            f"{path}: {len(problems)} problem(s), nothing stored:\n  "
            + "\n  ".join(shown)
            + (f"\n  ... and {more} more" if more else "")
        )
        self.problems = list(problems)


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
