"""The tamper-evident log as pure functions: how entries are hashed and how a chain is checked.

Each entry's hash covers its position, its kind, its subject, when it was recorded, the hash of
its canonical payload and the previous entry's hash. Changing any stored byte of any entry, or
removing or reordering entries, changes a hash that a later entry or the check relies on; so
`first_break` can name the first entry that no longer matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ceasefire.domain.canonical import sha256_hex, utc_iso

GENESIS_HASH = "0" * 64

# A batch shares one recording time; formatting it once per batch, not per entry, matters on
# the ingest path.
recorded_iso = lru_cache(maxsize=64)(utc_iso)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    kind: str
    subject_id: str
    recorded_at: datetime
    payload: str
    payload_sha256: str
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True, slots=True)
class Break:
    """Where and why a chain stops matching."""

    seq: int
    subject_id: str
    reason: str

    def __str__(self) -> str:
        return f"ledger entry {self.seq} ({self.subject_id}): {self.reason}"


def entry_hash(
    *,
    seq: int,
    kind: str,
    subject_id: str,
    recorded_at: datetime,
    payload_sha256: str,
    prev_hash: str,
) -> str:
    header = (
        f"{seq}\n{kind}\n{subject_id}\n{recorded_iso(recorded_at)}\n{payload_sha256}\n{prev_hash}"
    )
    return hashlib.sha256(header.encode()).hexdigest()


def make_entry(
    *,
    seq: int,
    kind: str,
    subject_id: str,
    recorded_at: datetime,
    payload: str,
    payload_sha256: str,
    prev_hash: str,
) -> LedgerEntry:
    """The next entry of a chain. The payload hash is passed in because callers have it already
    (a report's fingerprint is its payload hash), and hashing twice is the hot path of ingest."""
    return LedgerEntry(
        seq=seq,
        kind=kind,
        subject_id=subject_id,
        recorded_at=recorded_at,
        payload=payload,
        payload_sha256=payload_sha256,
        prev_hash=prev_hash,
        entry_hash=entry_hash(
            seq=seq,
            kind=kind,
            subject_id=subject_id,
            recorded_at=recorded_at,
            payload_sha256=payload_sha256,
            prev_hash=prev_hash,
        ),
    )


def first_break(entries: Iterable[LedgerEntry]) -> Break | None:
    """The first entry, in order of `seq`, whose stored hashes do not match its content."""
    check = ChainCheck()
    for entry in entries:
        found = check.feed(entry)
        if found:
            return found
    return None


class ChainCheck:
    """Checks a chain one entry at a time, so a caller streaming millions of entries can check
    other things (the read tables) in the same pass.

    For each entry: the sequence has no gap, the payload hashes to the stored payload hash, the
    entry links to the one before, and its own hash is what its content gives.
    """

    __slots__ = ("expected_prev", "expected_seq")

    def __init__(self) -> None:
        self.expected_prev = GENESIS_HASH
        self.expected_seq = 1

    def feed(self, entry: LedgerEntry) -> Break | None:
        problem = _problem(entry, self.expected_seq, self.expected_prev)
        if problem:
            return Break(entry.seq, entry.subject_id, problem)
        self.expected_prev = entry.entry_hash
        self.expected_seq += 1
        return None


def _problem(entry: LedgerEntry, expected_seq: int, expected_prev: str) -> str | None:
    if entry.seq != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {entry.seq}: entries are missing"
    if sha256_hex(entry.payload) != entry.payload_sha256:
        return "payload does not match its stored hash (the payload was changed)"
    if entry.prev_hash != expected_prev:
        return "does not link to the entry before it (an entry was changed, removed or inserted)"
    recomputed = entry_hash(
        seq=entry.seq,
        kind=entry.kind,
        subject_id=entry.subject_id,
        recorded_at=entry.recorded_at,
        payload_sha256=entry.payload_sha256,
        prev_hash=entry.prev_hash,
    )
    if recomputed != entry.entry_hash:
        return "entry hash does not match its content (kind, subject or time was changed)"
    return None
