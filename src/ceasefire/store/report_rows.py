"""Translating reports to table rows and back; the row holds every field the log holds."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ceasefire.domain.canonical import report_content, report_from_content, utc_iso
from ceasefire.domain.intake import PreparedReport
from ceasefire.domain.ledger import LedgerEntry, recorded_iso
from ceasefire.domain.reports import Reliability, Report, Source, SourceKind

_JSON_LIST_COLUMNS = ("links", "attachments")


def _recorded(value: datetime, as_text: bool) -> object:
    """A record time for its column; a batch shares one, so its text is made once."""
    return recorded_iso(value) if as_text else value


def report_values(
    prepared: PreparedReport, entry: LedgerEntry, *, text_times: bool
) -> tuple[object, ...]:
    """A reports-table row as a tuple in column order: the report's content (whose key order
    is the table's), then fingerprint, time received and ledger position. With `text_times`
    (SQLite) times are the canonical ISO text, which the content already holds."""
    content = dict(prepared.content)
    updates = content.pop("updates", None)
    for column in _JSON_LIST_COLUMNS:
        values = content[column]
        content[column] = json.dumps(values) if values else "[]"  # most reports have none
    report = prepared.report
    if not text_times:
        content["observed_start"] = report.observed_start
        content["observed_end"] = report.observed_end
    return (
        *content.values(),
        prepared.fingerprint,
        _recorded(entry.recorded_at, text_times),  # received when the record took it
        entry.seq,
        updates,
    )


def ledger_values(entry: LedgerEntry, *, text_times: bool) -> tuple[object, ...]:
    return (
        entry.seq,
        entry.kind,
        entry.subject_id,
        _recorded(entry.recorded_at, text_times),
        entry.payload,
        entry.payload_sha256,
        entry.prev_hash,
        entry.entry_hash,
    )


def report_from_row(row: Mapping[Any, Any]) -> Report:
    """Rebuild a report from its row, through the same content mapping the log uses, so a
    row that was edited in the database comes back edited and `verify` can see it."""
    content = dict(row)
    if content.get("updates") is None:
        content.pop("updates", None)
    for column in _JSON_LIST_COLUMNS:
        content[column] = json.loads(content[column])
    content["observed_start"] = utc_iso(row["observed_start"])
    content["observed_end"] = utc_iso(row["observed_end"])
    return report_from_content(content, row["received_at"])


def source_from_row(row: Mapping[Any, Any]) -> Source:
    return Source(
        row["source_id"],
        SourceKind(row["kind"]),
        row["organisation"],
        Reliability(row["reliability"]),
    )


def row_content(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The canonical content a row stands for (what its fingerprint must hash)."""
    return report_content(report_from_row(row))
