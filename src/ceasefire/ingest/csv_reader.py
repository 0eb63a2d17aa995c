"""CSV files: our own columns, and the shared reading that ACLED and UCDP exports use."""

from __future__ import annotations

import csv
import difflib
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ceasefire.domain.validation import REPORT_FIELDS, REQUIRED_FIELDS, FieldError, Value
from ceasefire.ingest.records import FileProblem, ParsedFile, RawRecord

RowMapper = Callable[[dict[str, str]], tuple[dict[str, Value], str | None]]

csv.field_size_limit(16 * 1024 * 1024)  # long free-text notes are legitimate
_NAMED_UNKNOWN = 20  # unknown header columns named one by one; the rest are counted


def csv_rows(path: Path, text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and each row with the line it starts on (rows may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [name.strip() for name in next(reader)]
    except csv.Error as exc:
        raise FileProblem(f"{path}:1", f"not valid CSV: {exc}") from None
    duplicated = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicated:
        raise FileProblem(f"{path}:1", f"header: column(s) {', '.join(duplicated)} given twice")

    def rows() -> Iterator[tuple[int, list[str]]]:
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileProblem(f"{path}:{line}", f"not valid CSV: {exc}") from None
            if row and any(cell.strip() for cell in row):
                yield line, row
            line = reader.line_num + 1

    return header, rows()


def check_columns(
    path: Path, header: Sequence[str], known: Sequence[str], required: Sequence[str]
) -> None:
    given, valid = set(header), set(known)
    missing = [name for name in required if name not in given]
    unknown = [name for name in header if name not in valid]
    problems = []
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    # Each named with a suggestion, up to a point: a header of a million stray columns gets
    # the first few and a count, at once, not a message of a million lines after minutes.
    for name in unknown[:_NAMED_UNKNOWN]:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"unknown column {name!r}{hint}")
    if len(unknown) > _NAMED_UNKNOWN:
        problems.append(f"and {len(unknown) - _NAMED_UNKNOWN:,} more unknown columns")
    if problems:
        raise FileProblem(f"{path}:1", "header: " + "; ".join(problems))


def parse_csv_file(
    path: Path,
    text: str,
    *,
    format_name: str,
    known: Sequence[str],
    required: Sequence[str],
    mapper: RowMapper,
    column_names: dict[str, str],
) -> ParsedFile:
    header, rows = csv_rows(path, text)
    check_columns(path, header, known, required)
    width = len(header)

    def records() -> Iterator[RawRecord]:
        for line, row in rows:
            where = f"{path}:{line}"
            if len(row) != width:
                problem = FieldError("row", f"has {len(row)} cells, the header has {width}")
                yield RawRecord(where, {}, row, line, problem=problem)
                continue
            values = dict(zip(header, row, strict=True))
            fields, skip = mapper(values)
            yield RawRecord(where, fields, row, line, skip_reason=skip, column_names=column_names)

    def write_rejects(target: Path, originals: Sequence[Any]) -> None:
        with target.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(originals)

    total = text.count("\n") + 1
    return ParsedFile(format_name, total, records(), write_rejects, ".rejects.csv")


def parse_our_csv(path: Path, text: str) -> ParsedFile:
    return parse_csv_file(
        path,
        text,
        format_name="csv",
        known=REPORT_FIELDS,
        required=REQUIRED_FIELDS,
        mapper=lambda values: (dict(values), None),
        column_names={},
    )
