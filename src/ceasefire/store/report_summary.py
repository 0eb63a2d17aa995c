"""Totals over the stored reports, computed in SQL so they stay fast on a large record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, func, select

from ceasefire.domain.reports import Source
from ceasefire.store.report_rows import source_from_row
from ceasefire.store.schema import ledger, reports, sources


@dataclass(frozen=True, slots=True)
class Breakdown:
    key: str
    reports: int
    killed: int


@dataclass(frozen=True, slots=True)
class ReportSummary:
    reports: int
    sources: int
    ledger_entries: int
    first_observed: datetime | None
    last_observed: datetime | None
    killed: int
    by_category: list[Breakdown]
    by_year: list[Breakdown]
    by_source: list[Breakdown]
    by_geo_precision: list[Breakdown]


def _breakdown(connection: Connection, key: ColumnElement[Any]) -> list[Breakdown]:
    query = (
        select(key, func.count(), func.coalesce(func.sum(reports.c.killed), 0))
        .group_by(key)
        .order_by(func.count().desc())
    )
    return [Breakdown(str(k), int(n), int(killed)) for k, n, killed in connection.execute(query)]


def _year(connection: Connection) -> ColumnElement[str]:
    """The UTC year of the observed start, in each database's own terms."""
    if connection.dialect.name == "sqlite":  # stored as ISO text in UTC
        return func.substr(reports.c.observed_start, 1, 4, type_=String)
    utc = func.timezone("UTC", reports.c.observed_start)
    return func.to_char(utc, "YYYY", type_=String)


def summarise(connection: Connection) -> ReportSummary:
    count, first, last, killed = connection.execute(
        select(
            func.count(),
            func.min(reports.c.observed_start),
            func.max(reports.c.observed_start),
            func.coalesce(func.sum(reports.c.killed), 0),
        )
    ).one()
    return ReportSummary(
        reports=int(count),
        sources=int(connection.execute(select(func.count()).select_from(sources)).scalar_one()),
        ledger_entries=int(
            connection.execute(select(func.count()).select_from(ledger)).scalar_one()
        ),
        first_observed=first,
        last_observed=last,
        killed=int(killed),
        by_category=_breakdown(connection, reports.c.category),
        by_year=_breakdown(connection, _year(connection).label("year")),
        by_source=_breakdown(connection, reports.c.source_id),
        by_geo_precision=_breakdown(connection, func.coalesce(reports.c.geo_precision, "none")),
    )


def load_sources(connection: Connection, source_ids: set[str] | None = None) -> dict[str, Source]:
    query = select(sources)
    if source_ids is not None:
        query = query.where(sources.c.source_id.in_(sorted(source_ids)))
    return {row.source_id: source_from_row(row._mapping) for row in connection.execute(query)}
