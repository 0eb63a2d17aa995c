"""Appending reports to the record and reading them back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, select

from ceasefire.domain.intake import IntakePlan, chain_entries, plan_intake
from ceasefire.domain.reports import Report, Source
from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import Accepted, BBox
from ceasefire.store.bulk import insert_tuples
from ceasefire.store.ledger_store import ChainHead, insert_entries, lock_head, record_time
from ceasefire.store.report_rows import report_from_row, report_values, source_from_row
from ceasefire.store.schema import report_geography, report_submitters, reports, sources

_LOOKUP_CHUNK = 900  # below SQLite's limit on bound parameters in one statement


def append_reports(
    connection: Connection,
    batch: Sequence[Accepted],
    *,
    clock: Callable[[], datetime],
    head: ChainHead | None = None,
) -> tuple[IntakePlan, list[int]]:
    """Store what is new in the batch, inside the caller's write transaction.

    `head`: the chain's head, if the caller has taken it with `lock_head` in this transaction
    and appended nothing since (a writer that holds the lock spares itself a second one).
    Returns the plan (what was added, how many repeated what is stored, and what conflicted:
    nothing conflicting is written) and the ledger sequence number of each added report."""
    head_seq, head_hash, head_recorded_at = head or lock_head(connection)
    recorded_at = record_time(clock, head_recorded_at)
    report_ids = {accepted.report.report_id for accepted in batch}
    source_ids = {accepted.source.source_id for accepted in batch}
    plan = plan_intake(
        batch,
        known_fingerprints=_known_fingerprints(connection, report_ids),
        known_sources=_known_sources(connection, source_ids),
    )
    source_entries, report_entries = chain_entries(
        plan, head_seq=head_seq, head_hash=head_hash, recorded_at=recorded_at
    )
    insert_entries(connection, source_entries + report_entries)
    if plan.sources:
        connection.execute(
            sources.insert(),
            [
                {
                    "source_id": s.source_id,
                    "kind": s.kind.value,
                    "organisation": s.organisation,
                    "reliability": s.reliability.value,
                    "ledger_seq": entry.seq,
                }
                for s, entry in zip(plan.sources, source_entries, strict=True)
            ],
        )
    text_times = connection.dialect.name == "sqlite"
    rows = [
        report_values(prepared, entry, text_times=text_times)
        for prepared, entry in zip(plan.reports, report_entries, strict=True)
    ]
    insert_tuples(connection, reports, rows)
    return plan, [entry.seq for entry in report_entries]


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        yield ordered[start : start + _LOOKUP_CHUNK]


def _known_fingerprints(connection: Connection, report_ids: set[str]) -> dict[str, str]:
    known: dict[str, str] = {}
    for chunk in _chunks(report_ids):
        query = select(reports.c.report_id, reports.c.fingerprint).where(
            reports.c.report_id.in_(chunk)
        )
        known.update({row.report_id: row.fingerprint for row in connection.execute(query)})
    return known


def _known_sources(connection: Connection, source_ids: set[str]) -> dict[str, Source]:
    known: dict[str, Source] = {}
    for chunk in _chunks(source_ids):
        for row in connection.execute(select(sources).where(sources.c.source_id.in_(chunk))):
            known[row.source_id] = source_from_row(row._mapping)
    return known


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """Which reports to list. A report matches a time window when its observed window
    overlaps it: a report observed "on 20 April" matches a query for that afternoon."""

    since: datetime | None = None
    until: datetime | None = None
    bbox: BBox | None = None
    categories: frozenset[Category] | None = None
    source_id: str | None = None
    submitted_by: str | None = None  # only reports this API user filed
    limit: int | None = None
    offset: int = 0
    # Against one agreement's geography (see `report_geography`):
    agreement: str | None = None
    sector: str | None = None
    side: str | None = None  # the controlling party
    zone: str | None = (
        None  # dmz, breach (weapon in its class's zone), ambiguous, or a weapon class
    )


def _conditions(f: ReportFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.since is not None:
        conditions.append(reports.c.observed_end >= f.since)
    if f.until is not None:
        conditions.append(reports.c.observed_start < f.until)
    if f.bbox is not None:
        conditions += [
            reports.c.lon.between(f.bbox.west, f.bbox.east),
            reports.c.lat.between(f.bbox.south, f.bbox.north),
        ]
    if f.categories is not None:
        conditions.append(reports.c.category.in_(sorted(c.value for c in f.categories)))
    if f.source_id is not None:
        conditions.append(reports.c.source_id == f.source_id)
    if f.submitted_by is not None:
        mine = select(report_submitters.c.report_id).where(
            report_submitters.c.user == f.submitted_by
        )
        conditions.append(reports.c.report_id.in_(mine))
    geography = _geography_conditions(f)
    if geography:
        placed = select(report_geography.c.report_id).where(*geography)
        conditions.append(reports.c.report_id.in_(placed))
    return conditions


ZONE_FILTERS = ("dmz", "breach", "ambiguous")


def _geography_conditions(f: ReportFilter) -> list[ColumnElement[bool]]:
    g = report_geography.c
    conditions: list[ColumnElement[bool]] = []
    if f.sector is not None:
        conditions.append(g.sector == f.sector)
    if f.side is not None:
        conditions.append(g.party == f.side)
    if f.zone == "dmz":
        conditions.append(g.in_dmz.is_(True))
    elif f.zone == "breach":
        conditions.append(g.weapon_zone_breach.is_(True))
    elif f.zone == "ambiguous":
        conditions.append(g.ambiguous_side.is_(True))
    elif f.zone is not None:
        conditions.append(g.weapon_zones.contains(f'"{f.zone}"'))
    if conditions and f.agreement is not None:
        conditions.append(g.agreement == f.agreement)
    return conditions


def list_reports(connection: Connection, report_filter: ReportFilter) -> list[Report]:
    query = (
        select(reports)
        .where(*_conditions(report_filter))
        .order_by(reports.c.observed_start, reports.c.report_id)
    )
    if report_filter.limit is not None:
        query = query.limit(report_filter.limit)
    if report_filter.offset:
        query = query.offset(report_filter.offset)
    return [report_from_row(row._mapping) for row in connection.execute(query)]


def count_reports(connection: Connection, report_filter: ReportFilter) -> int:
    query = select(func.count()).select_from(reports).where(*_conditions(report_filter))
    return int(connection.execute(query).scalar_one())
