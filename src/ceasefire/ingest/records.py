"""What every import format produces: records with our field names and where they came from."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ceasefire.domain.validation import FieldError, Value


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read: `where` is `file:line` (or `file:features[i]` for GeoJSON).

    `skip_reason` marks a well-formed record that lies outside what we store (an ACLED protest,
    say): reported and counted, not an error. `problem` marks a record too broken to read
    (a CSV row with the wrong number of cells, a line that is not JSON): it is rejected.
    `column_names` maps our field names to the input's own, so an error names the column the
    user can find in the file.
    """

    where: str
    fields: Mapping[str, Value]
    original: Any
    position: int
    skip_reason: str | None = None
    problem: FieldError | None = None
    column_names: Mapping[str, str] = field(default_factory=dict)
    # What the reader learnt beyond the report's fields, stored beside a new report: for a
    # paragraph of prose, how each field was read (`store.extraction_store`).
    extraction: Mapping[str, Any] | None = None


class FileProblem(Exception):
    """A file that cannot be read at all: empty, not UTF-8, malformed, missing columns."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


RejectsWriter = Callable[[Path, Sequence[Any]], None]


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A file opened for import: its records, how far through them a record is (`position`
    out of `total`, for progress), and how to write rejected originals in the same format."""

    format_name: str
    total: int
    records: Iterator[RawRecord]
    write_rejects: RejectsWriter
    rejects_suffix: str


def read_text(path: Path) -> str:
    """The whole file as text; refuses empty files and anything that is not UTF-8."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileProblem(str(path), "no such file") from None
    except IsADirectoryError:
        raise FileProblem(str(path), "is a folder, not a file") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(
            f"{path}:{line}",
            f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "re-save the file as UTF-8",
        ) from None
    if not text.strip():
        raise FileProblem(str(path), "the file is empty")
    return text
