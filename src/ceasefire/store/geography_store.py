"""Each report's place against each agreement's geography: derived, recomputed at will."""

from __future__ import annotations

import os
from collections.abc import Sequence

from sqlalchemy import Connection, delete

from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.geo.placement import placements
from ceasefire.domain.reports import Report
from ceasefire.store.bulk import insert_tuples
from ceasefire.store.schema import report_geography


def classify_and_store(
    connection: Connection,
    agreement: LoadedAgreement,
    reports: Sequence[Report],
    *,
    replace: bool = False,
) -> int:
    """Classify reports against the agreement and store the rows; `replace` first drops what
    an earlier version of the agreement computed. Returns the number of rows written."""
    if replace:
        connection.execute(
            delete(report_geography).where(report_geography.c.agreement == agreement.name)
        )
    columns = [column.name for column in report_geography.columns]
    rows = [
        tuple(row[c] for c in columns)
        for row in placements(agreement, reports, workers=os.cpu_count() or 1)
    ]
    insert_tuples(connection, report_geography, rows)
    return len(rows)


def place_again(connection: Connection) -> int:
    """Every stored report placed again against the latest version of every agreement (after
    the placement rules changed); returns the rows written."""
    from ceasefire.store.agreement_store import latest_agreements
    from ceasefire.store.report_store import ReportFilter, list_reports

    agreements = latest_agreements(connection)
    if not agreements:
        return 0
    reports = list_reports(connection, ReportFilter())
    return sum(classify_and_store(connection, a, reports, replace=True) for a in agreements)
