"""Choosing the reader for a file: by `--format`, else by its name and first line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ceasefire.ingest.csv_reader import parse_our_csv
from ceasefire.ingest.datasets import ACLED_REQUIRED, UCDP_REQUIRED, parse_acled, parse_ucdp
from ceasefire.ingest.json_readers import parse_geojson, parse_jsonl
from ceasefire.ingest.names import FORMAT_NAMES as FORMAT_NAMES
from ceasefire.ingest.records import FileProblem, ParsedFile
from ceasefire.ingest.strikes import STRIKES_REQUIRED, parse_strikes
from ceasefire.ingest.text_reader import TextReading, parse_text
from ceasefire.ingest.viina import VIINA_REQUIRED, parse_viina

Parser = Callable[[Path, str], ParsedFile]

PARSERS: dict[str, Parser] = {
    "csv": parse_our_csv,
    "jsonl": parse_jsonl,
    "geojson": parse_geojson,
    "acled": parse_acled,
    "ucdp": parse_ucdp,
    "missile-attacks": parse_strikes,
    "viina": parse_viina,
}


def detect_format(path: Path, text: str) -> str:
    """The format a file is in. CSV headers tell ACLED and UCDP exports from ours."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".csv", ".tsv", ".txt") or not suffix:
        first_line = text.split("\n", 1)[0]
        columns = {name.strip().strip('"') for name in first_line.split(",")}
        if set(ACLED_REQUIRED) <= columns:
            return "acled"
        if set(UCDP_REQUIRED) <= columns:
            return "ucdp"
        if set(STRIKES_REQUIRED) <= columns:
            return "missile-attacks"
        if set(VIINA_REQUIRED) <= columns:
            return "viina"
        if suffix == ".txt" and not _looks_like_a_header(columns):
            return "text"  # prose: a .txt file whose first line is not a CSV header
        return "csv"
    raise FileProblem(
        str(path),
        f"cannot tell the format from the name {path.name!r}; pass --format "
        f"({'|'.join(FORMAT_NAMES)})",
    )


_COLUMN_NAME = re.compile(r"^[A-Za-z_][\w ./-]{0,63}$")


def _looks_like_a_header(columns: set[str]) -> bool:
    """Three or more short names between commas: a table's header, not a sentence."""
    return len(columns) >= 3 and all(_COLUMN_NAME.match(c) for c in columns)


def open_file(
    path: Path, text: str, format_name: str | None, reading: TextReading | None = None
) -> ParsedFile:
    """The file's records. Prose (`text`) is read with `reading`: who wrote it and what the
    extractor reads it against."""
    name = format_name or detect_format(path, text)
    if name == "text":
        if reading is None:
            raise FileProblem(str(path), "prose files need the extractor's context (a bug)")
        return parse_text(path, text, reading.options, reading.context)
    if name not in PARSERS:
        raise FileProblem(str(path), f"unknown format {name!r}; valid: {', '.join(FORMAT_NAMES)}")
    return PARSERS[name](path, text)
