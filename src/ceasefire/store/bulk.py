"""Bulk inserts straight through the DB-API `executemany`, for the ingest path.

SQLAlchemy's per-row parameter processing cost more than the insert itself on large imports;
rows here are plain tuples already in each database's wire types (see `report_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

CHUNK = 5_000


def insert_tuples(connection: Connection, table: Table, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert rows given as tuples in the table's column order."""
    if not rows:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    columns = ", ".join(column.name for column in table.columns)
    marks = ", ".join([mark] * len(table.columns))
    # Identifiers come from our own table definitions, never from input.
    statement = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"  # noqa: S608
    for start in range(0, len(rows), CHUNK):
        connection.exec_driver_sql(statement, list(rows[start : start + CHUNK]))
