"""Violations for the engine, until incidents exist: one per report that names a party.

Each report with an `alleged_party` becomes a violation attributed to that party, with the
report's observed start as event time, its receipt as record time, its category's default
severity, its sector from an agreement's placement, and status `reported` (no review exists
yet). A plan that counts only verified violations counts none of these; `--counting reported`
says so explicitly, for simulation.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from ceasefire.domain.engine.violations import Violation
from ceasefire.domain.taxonomy import Category, default_severity
from ceasefire.store.schema import report_geography, reports

REPORTED = "reported"


def violations_from_reports(connection: Connection, agreement: str | None) -> list[Violation]:
    r, g = reports.c, report_geography.c
    sector = g.sector if agreement else None
    columns = [
        r.report_id,
        r.alleged_party,
        r.observed_start,
        r.received_at,
        r.category,
        r.damaged_object,
        r.lon,
        r.lat,
    ]
    query = select(*columns, *([sector] if sector is not None else [])).where(r.alleged_party != "")
    if agreement:
        query = query.outerjoin(
            report_geography, (g.report_id == r.report_id) & (g.agreement == agreement)
        )
    result = []
    for row in connection.execute(query):
        category = Category(row.category)
        result.append(
            Violation(
                violation_id=row.report_id,
                party=row.alleged_party,
                observed_at=row.observed_start,
                known_at=row.received_at,
                severity=default_severity(category),
                category=category,
                sector=row.sector if agreement else None,
                status=REPORTED,
                damaged_object=row.damaged_object,
                lon=row.lon,
                lat=row.lat,
            )
        )
    return result
