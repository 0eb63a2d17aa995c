"""Deciding what a batch of accepted records adds to the record: new, repeat or conflict.

Pure: the caller looks up what the store already holds for the batch's ids and passes it in.
Idempotence lives here. A report's identity is (source, external id); the same identity with
the same content is a repeat and adds nothing, with different content it is a conflict that is
reported, never an overwrite. The same holds within one batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ceasefire.domain.canonical import (
    canonical_json,
    report_content,
    sha256_hex,
    source_content,
)
from ceasefire.domain.ledger import LedgerEntry, make_entry
from ceasefire.domain.reports import Report, Source
from ceasefire.domain.validation import Accepted

REPORT_RECEIVED = "ReportReceived"
SOURCE_REGISTERED = "SourceRegistered"


@dataclass(frozen=True, slots=True)
class PreparedReport:
    """A report with its content, canonical payload and the payload's hash (fingerprint)."""

    report: Report
    content: dict[str, Any]
    payload: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Conflict:
    index: int  # position of the record in the batch, to find its input row again
    field: str
    reason: str


@dataclass(slots=True)
class IntakePlan:
    sources: list[Source] = field(default_factory=list)
    reports: list[PreparedReport] = field(default_factory=list)
    repeats: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def prepare(report: Report) -> PreparedReport:
    content = report_content(report)
    payload = canonical_json(content)
    return PreparedReport(report, content, payload, sha256_hex(payload))


def plan_intake(
    batch: Sequence[Accepted],
    known_fingerprints: Mapping[str, str],
    known_sources: Mapping[str, Source],
) -> IntakePlan:
    """Split a batch into what is new, what repeats, and what conflicts with the record."""
    plan = IntakePlan()
    fingerprints = dict(known_fingerprints)
    sources = dict(known_sources)
    for index, accepted in enumerate(batch):
        source_problem = _source_conflict(accepted.source, sources)
        if source_problem:
            plan.conflicts.append(Conflict(index, "source_id", source_problem))
            continue
        prepared = prepare(accepted.report)
        report_id = prepared.report.report_id
        seen = fingerprints.get(report_id)
        if seen == prepared.fingerprint:
            plan.repeats += 1
            continue
        if seen is not None:
            plan.conflicts.append(Conflict(index, "external_id", _report_conflict(prepared)))
            continue
        if accepted.source.source_id not in sources:
            sources[accepted.source.source_id] = accepted.source
            plan.sources.append(accepted.source)
        fingerprints[report_id] = prepared.fingerprint
        plan.reports.append(prepared)
    return plan


def _source_conflict(source: Source, known: Mapping[str, Source]) -> str | None:
    registered = known.get(source.source_id)
    if registered is None or registered == source:
        return None
    return (
        f"source {source.source_id!r} is registered as {_describe(registered)}, "
        f"not {_describe(source)}; a source's description is changed by review, not by import"
    )


def _describe(source: Source) -> str:
    org = f", organisation {source.organisation!r}" if source.organisation else ""
    return f"kind {source.kind.value}, reliability {source.reliability.value}{org}"


def _report_conflict(prepared: PreparedReport) -> str:
    r = prepared.report
    return (
        f"report {r.external_id!r} from source {r.source_id!r} was already accepted with "
        "different content; a correction is a new report (new external_id), never an overwrite"
    )


def chain_entries(
    plan: IntakePlan, *, head_seq: int, head_hash: str, recorded_at: datetime
) -> tuple[list[LedgerEntry], list[LedgerEntry]]:
    """Ledger entries for the plan, chained after the head: sources first, then reports, all
    recorded at `recorded_at`, the moment the batch is written (taken under the write lock, so
    record times never run backwards along the chain)."""
    source_entries: list[LedgerEntry] = []
    report_entries: list[LedgerEntry] = []
    seq, prev = head_seq, head_hash
    for source in plan.sources:
        seq += 1
        payload = canonical_json(source_content(source))
        entry = make_entry(
            seq=seq,
            kind=SOURCE_REGISTERED,
            subject_id=source.source_id,
            recorded_at=recorded_at,
            payload=payload,
            payload_sha256=sha256_hex(payload),
            prev_hash=prev,
        )
        source_entries.append(entry)
        prev = entry.entry_hash
    for prepared in plan.reports:
        seq += 1
        entry = make_entry(
            seq=seq,
            kind=REPORT_RECEIVED,
            subject_id=prepared.report.report_id,
            recorded_at=recorded_at,
            payload=prepared.payload,
            payload_sha256=prepared.fingerprint,
            prev_hash=prev,
        )
        report_entries.append(entry)
        prev = entry.entry_hash
    return source_entries, report_entries
