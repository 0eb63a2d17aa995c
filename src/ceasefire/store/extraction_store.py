"""What the extractor read from a report's text, in the record beside the report.

The report row holds the fields as accepted; this holds how each was read (the words, the
rule, the confidence) and what was flagged, so an analyst can check a report filed from prose
long after, and `verify` protects it like any other fact.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ceasefire.domain.canonical import canonical_json
from ceasefire.store.ledger_store import append_entry
from ceasefire.store.schema import report_extractions, reports

REPORT_EXTRACTED = "ReportExtracted"


def append_extractions(
    connection: Connection,
    clock: Callable[[], datetime],
    extractions: Sequence[tuple[str, Mapping[str, Any]]],
) -> None:
    """One entry per (report id, extraction), inside the caller's write transaction, after
    the reports themselves."""
    for report_id, content in extractions:
        payload = canonical_json(dict(content))
        seq, recorded_at = append_entry(connection, clock, REPORT_EXTRACTED, report_id, payload)
        connection.execute(
            report_extractions.insert().values(
                ledger_seq=seq, report_id=report_id, content=payload, recorded_at=recorded_at
            )
        )


def append_new_extractions(
    connection: Connection,
    clock: Callable[[], datetime],
    new_reports: Iterable[str],
    readings: Iterable[tuple[str, Mapping[str, Any]]],
) -> None:
    """The readings of the reports this transaction stored new; a repeat keeps the reading it
    was first stored with, and of two readings of one new report the first wins, as the
    report itself did."""
    new = set(new_reports)
    first: dict[str, Mapping[str, Any]] = {}
    for report_id, reading in readings:
        if report_id in new:
            first.setdefault(report_id, reading)
    append_extractions(connection, clock, list(first.items()))


def extraction_of(connection: Connection, report_id: str) -> dict[str, Any] | None:
    """The stored extraction of a report, or None for a report not read from prose."""
    found = read_from_prose(connection, report_id)
    return None if found is None else found[1]


def read_from_prose(connection: Connection, report_id: str) -> tuple[str, dict[str, Any]] | None:
    """A report's text and how it was read, or None for a report not read from prose."""
    row = connection.execute(
        select(reports.c.text, report_extractions.c.content)
        .join(reports, reports.c.report_id == report_extractions.c.report_id)
        .where(report_extractions.c.report_id == report_id)
    ).first()
    return None if row is None else (str(row.text), dict(json.loads(row.content)))
