"""`verify`'s check of where each report stands: the `report_geography` rows recomputed from
the reports and the agreements as the log holds them.

Placements are derived, not recorded: who holds the ground where a report puts a weapon
decides whom a violation is counted against, so a row edited by hand (one report's side set
to another party) would move a violation from one party to another with no entry to show for
it. Recomputing every placement catches that, a page of reports at a time (memory stays
flat), with the same code `ingest` places them by.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from ceasefire.domain.geo.placement import placements
from ceasefire.store.report_rows import report_from_row
from ceasefire.store.schema import report_geography, reports

_PAGE = 5_000


def placement_problem(connection: Connection) -> str | None:
    """The first stored placement that is not what its report and agreement give, or a
    placement missing or stored for no report."""
    from ceasefire.store.agreement_store import latest_agreements

    columns = [c.name for c in report_geography.columns]
    for agreement in latest_agreements(connection):
        after = ""
        while True:
            rows = connection.execute(
                select(reports)
                .where(reports.c.report_id > after)
                .order_by(reports.c.report_id)
                .limit(_PAGE)
            ).all()
            if not rows:
                break
            found = [report_from_row(row._mapping) for row in rows]
            want = {str(p["report_id"]): p for p in placements(agreement, found)}
            first, last = rows[0].report_id, rows[-1].report_id
            have = {
                row.report_id: dict(row._mapping)
                for row in connection.execute(
                    select(report_geography).where(
                        report_geography.c.agreement == agreement.name,
                        report_geography.c.report_id >= first,
                        report_geography.c.report_id <= last,
                    )
                )
            }
            for report_id in sorted(set(want) | set(have)):
                problem = _difference(
                    report_id, agreement.name, want.get(report_id), have.get(report_id), columns
                )
                if problem:
                    return problem
            after = last
    return None


def _difference(
    report_id: str,
    agreement: str,
    want: dict[str, Any] | None,
    have: dict[str, Any] | None,
    columns: list[str],
) -> str | None:
    where = f"the placement of report {report_id} against {agreement}"
    if want is None:
        return f"{where} is stored, but the report places nowhere (added outside the record)"
    if have is None:
        return f"{where} is missing from report_geography (deleted)"
    changed = [
        f"{c} is {have.get(c)!r} in the table, {want.get(c)!r} recomputed"
        for c in columns
        if have.get(c) != want.get(c)
    ]
    if changed:
        return f"{where} was changed outside the record: " + "; ".join(changed)
    return None
