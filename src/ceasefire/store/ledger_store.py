"""Reading and extending the ledger table."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, func, select

from ceasefire.domain.ledger import GENESIS_HASH, LedgerEntry
from ceasefire.store.bulk import insert_tuples
from ceasefire.store.report_rows import ledger_values
from ceasefire.store.schema import ledger


def lock_head(connection: Connection) -> tuple[int, str]:
    """The last entry's sequence number and hash, with appends by others held off until this
    transaction ends. SQLite did that when the write transaction began (BEGIN IMMEDIATE);
    PostgreSQL takes a lock that still lets readers read."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE ledger IN SHARE ROW EXCLUSIVE MODE")
    row = connection.execute(
        select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (int(row.seq), str(row.entry_hash))


def insert_entries(connection: Connection, entries: Sequence[LedgerEntry]) -> None:
    text_times = connection.dialect.name == "sqlite"
    insert_tuples(connection, ledger, [ledger_values(e, text_times=text_times) for e in entries])


def entry_count(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(ledger)).scalar_one())


def iter_entries(connection: Connection, *, batch: int = 10_000) -> Iterator[LedgerEntry]:
    """Every entry in order, fetched in pages so memory stays flat on a large log."""
    after = 0
    while True:
        rows = connection.execute(
            select(ledger).where(ledger.c.seq > after).order_by(ledger.c.seq).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield LedgerEntry(**row._mapping)
        after = rows[-1].seq
