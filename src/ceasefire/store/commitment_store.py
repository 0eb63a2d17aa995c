"""Commitments' facts in the record: each an entry in the ledger and a row that repeats it.

Exchange lists are the exception that proves the rule: their persons are kept in a table of
their own, and the ledger entry holds only a salted digest of them (see `exchange_persons`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ceasefire.domain.canonical import canonical_json, sha256_hex
from ceasefire.store.ledger_store import append_entry, lock_head
from ceasefire.store.schema import commitment_records, exchange_persons

EVIDENCE = "CommitmentEvidence"
EXCHANGE_LIST = "ExchangeListImported"
EXCHANGE_DECISION = "ExchangeDecided"
WEAPONS_DECLARED = "WeaponsDeclared"
WEAPONS_INSPECTED = "WeaponsInspected"
# Each kind's record ids: E1, E2... for evidence, L1... for lists, and so on.
PREFIXES = {
    EVIDENCE: "E",
    EXCHANGE_LIST: "L",
    EXCHANGE_DECISION: "X",
    WEAPONS_DECLARED: "D",
    WEAPONS_INSPECTED: "I",
}
RECORD_KINDS = frozenset(PREFIXES)
# The content field each kind's `subject` column repeats (for lookups), so verify can check it.
SUBJECT_FIELD = {
    EVIDENCE: "commitment",
    EXCHANGE_LIST: "side",
    EXCHANGE_DECISION: "agreed",
    WEAPONS_DECLARED: "party",
    WEAPONS_INSPECTED: "area_id",
}


@dataclass(frozen=True, slots=True)
class Record:
    record_id: str
    kind: str
    subject: str
    content: dict[str, Any]
    recorded_at: datetime
    ledger_seq: int


def append_record(
    connection: Connection,
    clock: Callable[[], datetime],
    kind: str,
    subject: str,
    content: dict[str, Any],
) -> Record:
    """One fact, numbered within its kind, inside the caller's write transaction."""
    lock_head(connection)  # numbering and appending under the one lock
    count = connection.execute(
        select(func.count())
        .select_from(commitment_records)
        .where(commitment_records.c.kind == kind)
    ).scalar_one()
    record_id = f"{PREFIXES[kind]}{int(count) + 1}"
    payload = canonical_json(content)
    seq, recorded_at = append_entry(connection, clock, kind, record_id, payload)
    connection.execute(
        commitment_records.insert().values(
            ledger_seq=seq,
            record_id=record_id,
            kind=kind,
            subject=subject,
            content=payload,
            recorded_at=recorded_at,
        )
    )
    return Record(record_id, kind, subject, content, recorded_at, seq)


def records(
    connection: Connection, kind: str, *, until: datetime | None = None, subject: str | None = None
) -> list[Record]:
    """Records of a kind in the order they were recorded; `until`: recorded by then."""
    query = select(commitment_records).where(commitment_records.c.kind == kind)
    if until is not None:
        query = query.where(commitment_records.c.recorded_at <= until)
    if subject is not None:
        query = query.where(commitment_records.c.subject == subject)
    return [
        Record(
            row.record_id,
            row.kind,
            row.subject,
            json.loads(row.content),
            row.recorded_at,
            int(row.ledger_seq),
        )
        for row in connection.execute(query.order_by(commitment_records.c.ledger_seq))
    ]


def persons_digest(salt: str, persons: Sequence[dict[str, Any]]) -> str:
    """What the ledger keeps of a list: it changes if any person changes, and without the
    salt (kept beside the persons, not in the ledger) no one can test a guessed name."""
    return sha256_hex(canonical_json({"salt": salt, "persons": list(persons)}))


def new_salt() -> str:
    return secrets.token_hex(16)


def store_persons(
    connection: Connection, list_id: str, salt: str, persons: Sequence[dict[str, Any]]
) -> None:
    if persons:
        connection.execute(
            exchange_persons.insert(),
            [
                {"list_id": list_id, "row_no": i + 1, "salt": salt, "content": canonical_json(p)}
                for i, p in enumerate(persons)
            ],
        )


def list_persons(connection: Connection, list_id: str) -> tuple[str, list[dict[str, Any]]]:
    """(salt, persons in row order) of one list."""
    rows = connection.execute(
        select(exchange_persons)
        .where(exchange_persons.c.list_id == list_id)
        .order_by(exchange_persons.c.row_no)
    ).all()
    salt = rows[0].salt if rows else ""
    return salt, [json.loads(row.content) for row in rows]


def persons_problem(connection: Connection) -> tuple[int, str, str] | None:
    """The first record whose private rows (a list's persons, a decision's reason) no longer
    match the digest its ledger entry recorded, as (ledger seq, record id, reason); or private
    rows of a record the ledger never made."""
    recorded = {
        r.record_id: r
        for kind in (EXCHANGE_LIST, EXCHANGE_DECISION)
        for r in records(connection, kind)
    }
    for record in sorted(recorded.values(), key=lambda r: r.ledger_seq):
        rows = connection.execute(
            select(exchange_persons)
            .where(exchange_persons.c.list_id == record.record_id)
            .order_by(exchange_persons.c.row_no)
        ).all()
        numbered = [int(row.row_no) for row in rows] == list(range(1, record.content["count"] + 1))
        salts = {row.salt for row in rows}
        persons = [json.loads(row.content) for row in rows]
        salt = rows[0].salt if rows else ""
        if (
            not numbered
            or len(salts) > 1
            or persons_digest(salt, persons) != record.content["persons_sha256"]
        ):
            return (
                record.ledger_seq,
                record.record_id,
                f"the private rows of {record.record_id} differ from what the log recorded "
                "(a person or reason changed, added, removed or renumbered)",
            )
    stray = connection.execute(select(exchange_persons.c.list_id).distinct()).scalars().all()
    for list_id in stray:
        if list_id not in recorded:
            return 0, list_id, f"private rows of {list_id}, which the log never recorded"
    return None
