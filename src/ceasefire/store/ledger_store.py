"""Reading and extending the ledger table."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from ceasefire.domain.canonical import sha256_hex
from ceasefire.domain.ledger import GENESIS_HASH, LedgerEntry, make_entry
from ceasefire.store.bulk import insert_tuples
from ceasefire.store.report_rows import ledger_values
from ceasefire.store.schema import ledger
from ceasefire.store.transparency_store import extend_tree

# The last entry's sequence number, hash and record time.
ChainHead = tuple[int, str, datetime | None]


def lock_head(connection: Connection) -> ChainHead:
    """The last entry's sequence number and hash, with appends by others held off until this
    transaction ends. SQLite did that when the write transaction began (BEGIN IMMEDIATE);
    PostgreSQL takes a lock that still lets readers read."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE ledger IN SHARE ROW EXCLUSIVE MODE")
    query = select(ledger.c.seq, ledger.c.entry_hash, ledger.c.recorded_at)
    row = connection.execute(query.order_by(ledger.c.seq.desc()).limit(1)).first()
    if row is None:
        return 0, GENESIS_HASH, None
    return int(row.seq), str(row.entry_hash), row.recorded_at


def ledger_head(connection: Connection) -> tuple[int, str]:
    """The last entry's sequence number and hash, without locking (for readers that cite the
    record they read, such as published reports)."""
    query = select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
    row = connection.execute(query).first()
    return (0, GENESIS_HASH) if row is None else (int(row.seq), str(row.entry_hash))


def record_time(clock: Callable[[], datetime], head_recorded_at: datetime | None) -> datetime:
    """Now, taken under the write lock, and never before the head's own record time (another
    machine's clock may run ahead of ours)."""
    now = clock()
    return now if head_recorded_at is None or now >= head_recorded_at else head_recorded_at


def insert_entries(connection: Connection, entries: Sequence[LedgerEntry]) -> None:
    """The one door by which entries enter the ledger: each is also a leaf of the log's
    Merkle tree, in the same transaction."""
    text_times = connection.dialect.name == "sqlite"
    insert_tuples(connection, ledger, [ledger_values(e, text_times=text_times) for e in entries])
    extend_tree(connection, entries)


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


def append_entry(
    connection: Connection,
    clock: Callable[[], datetime],
    kind: str,
    subject: str,
    payload: str,
) -> tuple[int, datetime]:
    """One ledger entry for one fact (an agreement, a decision, an acknowledgement), inside the
    caller's write transaction; returns its sequence number and record time."""
    head_seq, head_hash, head_recorded_at = lock_head(connection)
    recorded_at = record_time(clock, head_recorded_at)
    entry = make_entry(
        seq=head_seq + 1,
        kind=kind,
        subject_id=subject,
        recorded_at=recorded_at,
        payload=payload,
        payload_sha256=sha256_hex(payload),
        prev_hash=head_hash,
    )
    insert_entries(connection, [entry])
    return entry.seq, recorded_at
