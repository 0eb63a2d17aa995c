"""Entries of the log carried out of it with their proofs: a receipt for one report, the
entries a published report cites. A bundle is checked with nothing but the log's public key:
no database, no server, no trust in whoever handed it over.

A bundle (JSON) holds a signed checkpoint and, for each entry, what its leaf is made of
(position, kind, subject, record time, payload) and its inclusion proof against that
checkpoint. Checking it: the checkpoint's signature is the log's; each payload hashes to the
hash its leaf commits to; each leaf is in the checkpoint's tree at its position.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ceasefire.domain.canonical import sha256_hex
from ceasefire.domain.transparency import (
    Checkpoint,
    CosignatureVerifier,
    NoteError,
    NoteVerifier,
    entry_leaf,
    leaf_hash,
    open_note,
    verify_inclusion,
)

BUNDLE_FORMAT = "ceasefire-log-bundle/1"


class BundleError(ValueError):
    """What is wrong with a bundle, naming where."""


@dataclass(frozen=True, slots=True)
class BundledEntry:
    seq: int
    kind: str
    subject_id: str
    recorded_at: str  # exactly as the leaf has it (UTC, ISO 8601)
    payload: str
    payload_sha256: str
    proof: tuple[bytes, ...]

    def leaf(self) -> bytes:
        return leaf_hash(
            entry_leaf(self.seq, self.kind, self.subject_id, self.recorded_at, self.payload_sha256)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "leaf_index": self.seq - 1,
            "kind": self.kind,
            "subject_id": self.subject_id,
            "recorded_at": self.recorded_at,
            "payload": self.payload,
            "payload_sha256": self.payload_sha256,
            "inclusion_proof": [base64.b64encode(p).decode() for p in self.proof],
        }


def bundle_document(
    checkpoint_note: str, log_key: str, entries: Sequence[BundledEntry], about: str = ""
) -> dict[str, Any]:
    return {
        "format": BUNDLE_FORMAT,
        "about": about,
        "log_key": log_key,
        "checkpoint": checkpoint_note,
        "entries": [e.to_json() for e in entries],
    }


@dataclass(frozen=True, slots=True)
class CheckedBundle:
    checkpoint: Checkpoint
    entries: tuple[BundledEntry, ...]
    signed_by: str  # the key that vouched for the checkpoint
    cosigned_by: tuple[str, ...]  # other signatures on it (witnesses), not checked here


def check_bundle(
    document: Any, verifier: NoteVerifier, witnesses: Sequence[CosignatureVerifier] = ()
) -> CheckedBundle:
    """Every check a bundle must pass, or a `BundleError` saying the first that failed. Each
    of `witnesses` (the keys of the witnesses the checker trusts, its own party's first) must
    have cosigned the checkpoint: then the server cannot have shown this history to the
    checker alone."""
    if not isinstance(document, Mapping) or document.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"not a log bundle (its format is not {BUNDLE_FORMAT!r})")
    note = document.get("checkpoint")
    if not isinstance(note, str):
        raise BundleError("checkpoint: missing")
    try:
        text, others = open_note(note, verifier)
        checkpoint = Checkpoint.parse(text)
    except NoteError as exc:
        raise BundleError(f"checkpoint: {exc}") from None
    if checkpoint.origin != verifier.name:
        raise BundleError(f"checkpoint: of {checkpoint.origin}, not {verifier.name}")
    lines = note.rpartition("\n\n")[2].splitlines()
    for witness in witnesses:
        mine = [line for line in lines if line.startswith(f"\u2014 {witness.name} ")]
        if not mine:
            raise BundleError(f"checkpoint: not cosigned by the witness {witness.name}")
        try:
            witness.check(mine[0], text)
        except NoteError as exc:
            raise BundleError(f"checkpoint: {exc}") from None
    raw = document.get("entries")
    if not isinstance(raw, list):
        raise BundleError("entries: missing")
    entries = tuple(_entry(item, f"entries[{i}]") for i, item in enumerate(raw))
    for i, entry in enumerate(entries):
        where = f"entries[{i}] (entry {entry.seq}, {entry.subject_id})"
        if sha256_hex(entry.payload) != entry.payload_sha256:
            raise BundleError(f"{where}: its payload does not hash to its payload_sha256")
        if not verify_inclusion(
            entry.seq - 1, checkpoint.size, entry.leaf(), entry.proof, checkpoint.root
        ):
            raise BundleError(
                f"{where}: not in the log at this position (its inclusion proof does not lead "
                f"to the checkpoint's root of {checkpoint.size:,} entries)"
            )
    return CheckedBundle(checkpoint, entries, verifier.name, tuple(others))


def _entry(item: Any, where: str) -> BundledEntry:
    if not isinstance(item, Mapping):
        raise BundleError(f"{where}: not an object")
    try:
        seq = item["seq"]
        kind, subject, at, payload, digest = (
            item[k] for k in ("kind", "subject_id", "recorded_at", "payload", "payload_sha256")
        )
        proof = tuple(base64.b64decode(p, validate=True) for p in item["inclusion_proof"])
    except KeyError as exc:
        raise BundleError(f"{where}.{exc.args[0]}: missing") from None
    except (TypeError, binascii.Error):
        raise BundleError(f"{where}.inclusion_proof: not a list of base64 hashes") from None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise BundleError(f"{where}.seq: not a position in the log")
    if not all(isinstance(f, str) for f in (kind, subject, at, payload, digest)):
        raise BundleError(
            f"{where}: kind, subject_id, recorded_at, payload, payload_sha256 are text"
        )
    if any(len(p) != 32 for p in proof):
        raise BundleError(f"{where}.inclusion_proof: a hash is not 32 bytes")
    return BundledEntry(seq, kind, subject, at, payload, digest, proof)
