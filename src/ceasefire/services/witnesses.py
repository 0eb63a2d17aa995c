"""The parties' witnesses, from the server's side: registered in the log, their cosignatures
of checkpoints checked and kept, and whether a checkpoint is witnessed by the quorum the
agreement names.

A witness is what makes a signed checkpoint worth more than the mission's word: it runs on a
party's (or a guarantor's) own machine, with its own key, remembers the last checkpoint it
cosigned, and cosigns a newer one only once a consistency proof shows it extends that one.
The server cannot forge a cosignature; so once a quorum of the parties' witnesses cosigned a
checkpoint, no one (the mission's administrator included) can present a history that
contradicts it without the witnesses refusing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.transparency import (
    CosignatureVerifier,
    NoteError,
    note_body,
)
from ceasefire.store.ledger_store import append_entry, lock_head
from ceasefire.store.schema import log_checkpoints, log_cosignatures, log_witnesses
from ceasefire.store.transparency_store import WITNESS_ADDED, StoredCheckpoint, witness_content

# A cosignature dated further ahead of the server's clock than this is refused (C2SP allows
# verifiers to refuse cosignatures from the future).
FUTURE_SLACK = timedelta(minutes=10)


class WitnessError(ValueError):
    """A witness or a cosignature that cannot be accepted, said in words."""


@dataclass(frozen=True, slots=True)
class Witness:
    name: str
    key_id: str
    vkey: str
    party: str
    added_by: str
    added_at: datetime
    ledger_seq: int

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier.from_vkey(self.vkey)


def witnesses(connection: Connection) -> list[Witness]:
    rows = connection.execute(select(log_witnesses).order_by(log_witnesses.c.ledger_seq))
    return [Witness(**row._mapping) for row in rows]


def add_witness(
    connection: Connection,
    clock: Callable[[], datetime],
    vkey: str,
    *,
    party: str,
    added_by: str,
) -> Witness:
    """Register a witness's public key (as its operator gave it) in the log."""
    try:
        verifier = CosignatureVerifier.from_vkey(vkey)
    except NoteError as exc:
        raise WitnessError(f"the witness's key: {exc}") from None
    lock_head(connection)
    known = {w.name: w for w in witnesses(connection)}
    if verifier.name in known:
        raise WitnessError(
            f"a witness named {verifier.name} is registered already (for "
            f"{known[verifier.name].party}): a new key needs a new name"
        )
    content = witness_content(verifier.name, vkey, party, added_by)
    seq, at = append_entry(
        connection,
        clock,
        WITNESS_ADDED,
        f"{verifier.name}+{verifier.id.hex()}",
        canonical_json(content),
    )
    witness = Witness(verifier.name, verifier.id.hex(), vkey, party, added_by, at, seq)
    connection.execute(
        log_witnesses.insert().values(
            name=witness.name,
            key_id=witness.key_id,
            vkey=vkey,
            party=party,
            added_by=added_by,
            added_at=at,
            ledger_seq=seq,
        )
    )
    return witness


@dataclass(frozen=True, slots=True)
class Cosigned:
    witness: str
    party: str
    signed_time: int
    line: str


def accept_cosignature(
    connection: Connection, size: int, line: str, now: datetime
) -> tuple[Cosigned, bool]:
    """Check a witness's cosignature of the checkpoint of `size` entries and keep it; False
    when that witness's cosignature of it was kept already (a retry)."""
    note = connection.execute(
        select(log_checkpoints.c.note).where(log_checkpoints.c.size == size)
    ).scalar()
    if note is None:
        raise LookupError(f"no checkpoint of {size:,} entries was signed")
    name = line.removeprefix("\u2014 ").partition(" ")[0]
    found = next((w for w in witnesses(connection) if w.name == name), None)
    if found is None:
        raise WitnessError(
            f"{name!r} is not a registered witness (`ceasefire log witness add` registers one)"
        )
    try:
        signed_time = found.verifier().check(line, note_body(note))
    except NoteError as exc:
        raise WitnessError(str(exc)) from None
    if signed_time > (now + FUTURE_SLACK).timestamp():
        raise WitnessError(f"the cosignature is dated {signed_time}, in the future")
    cosigned = Cosigned(found.name, found.party, signed_time, line)
    kept = connection.execute(
        select(log_cosignatures.c.line).where(
            log_cosignatures.c.size == size, log_cosignatures.c.witness == found.name
        )
    ).scalar()
    if kept is not None:
        return cosigned, False
    try:
        with connection.begin_nested():
            connection.execute(
                log_cosignatures.insert().values(
                    size=size,
                    witness=found.name,
                    signed_time=signed_time,
                    line=line,
                    received_at=now,
                )
            )
    except IntegrityError:  # the same witness, twice at once
        return cosigned, False
    return cosigned, True


def cosignatures_of(connection: Connection, size: int) -> list[Cosigned]:
    party = {w.name: w.party for w in witnesses(connection)}
    rows = connection.execute(
        select(log_cosignatures)
        .where(log_cosignatures.c.size == size)
        .order_by(log_cosignatures.c.witness)
    )
    return [Cosigned(r.witness, party.get(r.witness, ""), int(r.signed_time), r.line) for r in rows]


def with_cosignatures(checkpoint: StoredCheckpoint, cosigned: list[Cosigned]) -> str:
    """The checkpoint's note with its witnesses' signature lines added (C2SP: a cosigned
    checkpoint is the same note with more signatures)."""
    return checkpoint.note + "".join(c.line + "\n" for c in cosigned)


def quorum(connection: Connection) -> int:
    """How many witnesses' cosignatures make a checkpoint witnessed: what the agreement in
    use names (`witness_quorum`), else one."""
    from ceasefire.store.agreement_store import agreement_named, default_name

    name = default_name(connection)
    loaded = None if name is None else agreement_named(connection, name)
    return 1 if loaded is None else loaded.spec.witness_quorum
