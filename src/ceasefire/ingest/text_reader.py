"""Prose reports: one report per paragraph, read by the free-text extractor.

A paragraph is stored with the fields the extractor read and its own words as the report's
text; how each field was read goes beside it (`RawRecord.extraction`). A paragraph that lacks
what every report needs (when, where, what) is rejected with the extractor's flags as the
reason and written back to a rejects file, for an analyst to complete: nothing is invented to
make it fit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from ceasefire.domain.extraction.extract import Context, as_record, extract, report_fields
from ceasefire.domain.timeparse import parse_moment
from ceasefire.domain.validation import FieldError, Value
from ceasefire.ingest.names import LANGUAGES as LANGUAGES
from ceasefire.ingest.records import ParsedFile, RawRecord

_BLANK_LINES = re.compile(r"\n[ \t]*\n")
# What a report cannot be stored without (any of the fields), and the flag that says why.
NEEDED = (
    (("observed_start",), "observed_start"),
    (("category",), "category"),
    (("lon", "place"), "location"),
)
# A paragraph longer than this is several reports run together (or not a report at all);
# reading it would also cost time that grows with its length.
MAX_PARAGRAPH = 5_000


@dataclass(frozen=True, slots=True)
class TextOptions:
    """Who the paragraphs come from, their language, and the time they were written (for
    "yesterday"); recorded with each extraction."""

    source_id: str = "free-text"
    source_kind: str = "news_osint"
    source_org: str = ""
    reliability: str = "F"
    lang: str = "en"
    reference: datetime | None = None


def reference_time(text: str | None, zone: tzinfo) -> datetime | None:
    """When a text was written, from ISO 8601 (read in `zone` without an offset); None when
    not given. Raises ValueError naming what is wrong."""
    return None if text is None else parse_moment(text, zone).at


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, paragraph) for each run of non-blank lines."""
    normalised = text.replace("\r\n", "\n")
    offset = 0
    for block in _BLANK_LINES.split(normalised):
        start = normalised.index(block, offset) if block else offset
        offset = start + len(block)
        stripped = block.strip()
        if stripped:
            leading = len(block) - len(block.lstrip())
            yield normalised.count("\n", 0, start + leading) + 1, stripped


def external_id(paragraph: str, reference: datetime | None = None) -> str:
    """The paragraph's identity: its words, whitespace aside, and the time it was read
    against, so the same text imported again is recognised whatever the file or its layout,
    while "yesterday" written on two different days is two reports."""
    words = " ".join(paragraph.split())
    against = reference.isoformat() if reference else ""
    return "text:" + hashlib.sha256(f"{words}\x1f{against}".encode()).hexdigest()[:20]


def parse_text(path: Path, text: str, options: TextOptions, context: Context) -> ParsedFile:
    found = list(paragraphs(text))

    def records() -> Iterator[RawRecord]:
        for position, (line, paragraph) in enumerate(found, start=1):
            yield read_paragraph(f"{path}:{line}", paragraph, position, options, context)

    def write_rejects(target: Path, originals: Sequence[Any]) -> None:
        target.write_text("\n\n".join(str(o) for o in originals) + "\n", encoding="utf-8")

    return ParsedFile("text", len(found), records(), write_rejects, ".rejects.txt")


def read_paragraph(
    where: str, paragraph: str, position: int, options: TextOptions, context: Context
) -> RawRecord:
    """One paragraph as a record: the report's fields, the words as its text, how each field
    was read; a `problem` naming what could not be read when a required field is missing.

    Runs of spaces and the line breaks inside a paragraph are layout, not words: they are
    collapsed before reading, so the stored text, the spans that point into it and the report's
    identity are the same however the paragraph was wrapped."""
    paragraph = " ".join(paragraph.split())
    if len(paragraph) > MAX_PARAGRAPH:
        reason = (
            f"{len(paragraph):,} characters, more than one report's worth (at most "
            f"{MAX_PARAGRAPH:,}): put a blank line between reports"
        )
        return RawRecord(where, {}, paragraph, position, problem=FieldError("text", reason))
    extraction = extract(paragraph, context)
    fields: dict[str, Value] = {
        **report_fields(extraction),
        "source_id": options.source_id,
        "source_kind": options.source_kind,
        "source_org": options.source_org,
        "source_reliability": options.reliability,
        "external_id": external_id(paragraph, options.reference),
    }
    missing = [
        f"{flag}: {_why(extraction.flags, flag)}"
        for names, flag in NEEDED
        if all(fields.get(name) in (None, "") for name in names)
    ]
    problem = None
    if missing:
        problem = FieldError("text", "not read: " + "; ".join(missing) + " (complete it by hand)")
    record = as_record(extraction) | {
        "lang": options.lang,
        "reference_time": options.reference.isoformat() if options.reference else None,
    }
    return RawRecord(where, fields, paragraph, position, problem=problem, extraction=record)


@dataclass(frozen=True, slots=True)
class TextReading:
    """How to read prose files: the options and the extractor's context."""

    options: TextOptions
    context: Context


def _why(flags: Sequence[Any], field: str) -> str:
    reasons = [f.reason for f in flags if f.field == field]
    return reasons[0] if reasons else "not found in the text"
