"""Checking the whole record: the hash chain, and every read table against the log.

One pass in log order, so the first problem found is the earliest entry that no longer
matches, whether the log itself or a read row derived from it was changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, or_, select

from ceasefire.domain.canonical import canonical_json, sha256_hex, source_content
from ceasefire.domain.intake import REPORT_RECEIVED, SOURCE_REGISTERED
from ceasefire.domain.ledger import Break, ChainCheck, LedgerEntry
from ceasefire.domain.reports import Reliability, Source, SourceKind
from ceasefire.store.agreement_store import AGREEMENT_LOADED
from ceasefire.store.ledger_store import entry_count
from ceasefire.store.report_rows import row_content
from ceasefire.store.schema import agreements, ledger, reports, sources

_PAGE = 5_000
_REPORT_PREFIX = "r_"
_SOURCE_PREFIX = "s_"
_AGREEMENT_PREFIX = "a_"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    entries_checked: int
    first_break: Break | None


def verify(
    connection: Connection, on_progress: Callable[[int, int], None] | None = None
) -> VerifyResult:
    """Check every entry; `on_progress(done, total)` is called after each page."""
    total = entry_count(connection)
    check = ChainCheck()
    done = 0
    for page in _pages(connection):
        for row in page:
            entry = LedgerEntry(**{c.name: row[c.name] for c in ledger.columns})
            found = check.feed(entry) or _projection_problem(entry, row)
            if found:
                return VerifyResult(done, found)
            done += 1
        if on_progress:
            on_progress(done, total)
    orphan = _orphan_row(connection)
    return VerifyResult(done, orphan)


def _pages(connection: Connection) -> Any:
    """The log joined to the read rows each entry produced, a page at a time."""
    report_columns = [c.label(_REPORT_PREFIX + c.name) for c in reports.columns]
    source_columns = [c.label(_SOURCE_PREFIX + c.name) for c in sources.columns]
    agreement_columns = [c.label(_AGREEMENT_PREFIX + c.name) for c in agreements.columns]
    base = (
        select(ledger, *report_columns, *source_columns, *agreement_columns)
        .select_from(
            ledger.outerjoin(reports, reports.c.ledger_seq == ledger.c.seq)
            .outerjoin(sources, sources.c.ledger_seq == ledger.c.seq)
            .outerjoin(agreements, agreements.c.ledger_seq == ledger.c.seq)
        )
        .order_by(ledger.c.seq)
        .limit(_PAGE)
    )
    after = 0
    while True:
        rows = [row._mapping for row in connection.execute(base.where(ledger.c.seq > after))]
        if not rows:
            return
        yield rows
        after = rows[-1]["seq"]


def _unprefixed(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    values = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    return None if all(v is None for v in values.values()) else values


def _projection_problem(entry: LedgerEntry, row: Mapping[str, Any]) -> Break | None:
    if entry.kind == REPORT_RECEIVED:
        problem = _report_problem(entry, _unprefixed(row, _REPORT_PREFIX))
    elif entry.kind == SOURCE_REGISTERED:
        problem = _source_problem(entry, _unprefixed(row, _SOURCE_PREFIX))
    elif entry.kind == AGREEMENT_LOADED:
        problem = _agreement_problem(entry, _unprefixed(row, _AGREEMENT_PREFIX))
    else:
        problem = None
    return Break(entry.seq, entry.subject_id, problem) if problem else None


def _report_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its report row is missing from the reports table (deleted)"
    if row["report_id"] != entry.subject_id:
        return f"the reports row for this entry is {row['report_id']!r}, not the entry's report"
    try:
        content = row_content(row)
    except (ValueError, KeyError, TypeError) as exc:
        return f"its report row no longer reads as a report ({exc})"
    if sha256_hex(canonical_json(content)) != entry.payload_sha256:
        return "its report row differs from the log: " + _differences(entry.payload, content)
    if row["received_at"] != entry.recorded_at:
        return (
            f"its report row says received at {row['received_at'].isoformat()}, "
            f"the log says {entry.recorded_at.isoformat()}"
        )
    return None


def _source_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its source row is missing from the sources table (deleted)"
    try:
        source = Source(
            row["source_id"],
            SourceKind(row["kind"]),
            row["organisation"],
            Reliability(row["reliability"]),
        )
    except ValueError as exc:
        return f"its source row no longer reads as a source ({exc})"
    content = source_content(source)
    if sha256_hex(canonical_json(content)) != entry.payload_sha256:
        return "its source row differs from the log: " + _differences(entry.payload, content)
    return None


def _agreement_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its agreement row is missing from the agreements table (deleted)"
    if sha256_hex(row["document"]) != entry.payload_sha256:
        return f"agreement {row['name']} version {row['version']} differs from the log"
    return None


def _differences(payload: str, content: dict[str, Any]) -> str:
    logged = json.loads(payload)
    changed = [
        f"{key} is {content.get(key)!r} in the table, {logged.get(key)!r} in the log"
        for key in sorted(set(logged) | set(content))
        if logged.get(key) != content.get(key)
    ]
    return "; ".join(changed) or "the encodings differ"


def _orphan_row(connection: Connection) -> Break | None:
    """A read row that no log entry accounts for (inserted behind the log's back)."""
    for table, key, kind in (
        (reports, reports.c.report_id, REPORT_RECEIVED),
        (sources, sources.c.source_id, SOURCE_REGISTERED),
    ):
        query = (
            select(key, table.c.ledger_seq)
            .select_from(table.outerjoin(ledger, ledger.c.seq == table.c.ledger_seq))
            .where(or_(ledger.c.seq.is_(None), ledger.c.subject_id != key, ledger.c.kind != kind))
            .limit(1)
        )
        row = connection.execute(query).first()
        if row is not None:
            return Break(
                int(row[1]),
                str(row[0]),
                f"{table.name} row {row[0]!r} is not what ledger entry {row[1]} recorded "
                "(a row was added outside the log)",
            )
    return None
