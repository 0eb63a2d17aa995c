"""Reading and extending the ledger table."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, func, select

from ceasefire.domain.ledger import GENESIS_HASH, LedgerEntry
from ceasefire.store.schema import ledger

INSERT_CHUNK = 5_000


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
    for start in range(0, len(entries), INSERT_CHUNK):
        chunk = entries[start : start + INSERT_CHUNK]
        connection.execute(ledger.insert(), [_row(entry) for entry in chunk])


def _row(entry: LedgerEntry) -> dict[str, object]:
    # Spelled out: dataclasses.asdict deep-copies every field and was a third of ingest time.
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "subject_id": entry.subject_id,
        "recorded_at": entry.recorded_at,
        "payload": entry.payload,
        "payload_sha256": entry.payload_sha256,
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


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
