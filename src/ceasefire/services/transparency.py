"""The log's signing key and its checkpoints: created by `init`, rotated on the record,
signed by the clock and after an import.

The private key lives in a file outside the database (`$CEASEFIRE_LOG_KEY`, else beside an
SQLite record as `<file>.log-key`, else `<database name>.log-key` in the working folder):
whoever can write the database must not thereby be able to sign for it. The key's public
half is adopted in the log itself (a `LogKeyAdopted` entry), so every checkpoint can be
checked against a key the record committed to, and a rotation is on the record too.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.ledger import recorded_iso
from ceasefire.domain.log_bundle import BundledEntry, bundle_document
from ceasefire.domain.transparency import Checkpoint, NoteError, NoteSigner, NoteVerifier
from ceasefire.store.db import writing
from ceasefire.store.ledger_store import append_entry, lock_head
from ceasefire.store.schema import ledger, log_keys
from ceasefire.store.transparency_store import (
    LOG_KEY_ADOPTED,
    StoredCheckpoint,
    StoredTree,
    key_content,
    latest_checkpoint,
    store_checkpoint,
)

KEY_VAR = "CEASEFIRE_LOG_KEY"
KEY_SUFFIX = ".log-key"


class LogKeyError(ValueError):
    """A key file that cannot be read or used, said in words."""


@dataclass(frozen=True, slots=True)
class AdoptedKey:
    origin: str
    key_id: str
    vkey: str
    reason: str
    adopted_by: str
    adopted_at: datetime
    ledger_seq: int

    def verifier(self) -> NoteVerifier:
        return NoteVerifier.from_vkey(self.vkey)


def key_path(url: str, environ: Mapping[str, str] = os.environ) -> Path:
    """Where the log's signing key is kept for the record at `url`."""
    given = environ.get(KEY_VAR)
    if given:
        return Path(given)
    parsed = make_url(url)
    database = parsed.database or "ceasefire"
    if parsed.get_backend_name() == "sqlite":
        if database == ":memory:":
            return Path("memory" + KEY_SUFFIX)
        return Path(database + KEY_SUFFIX)
    return Path(database + KEY_SUFFIX)


def read_key(path: Path) -> NoteSigner | None:
    """The signing key in `path`, or None when there is no such file."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LogKeyError(f"cannot read the log's signing key {path}: {exc.strerror}") from None
    try:
        return NoteSigner.from_skey(text)
    except (NoteError, ValueError) as exc:
        raise LogKeyError(f"{path} is not a signing key ({exc})") from None


def write_key(path: Path, signer: NoteSigner) -> None:
    """A new key file, readable by its owner only; never over an existing one (a key that
    signed checkpoints must not vanish under a typo)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise LogKeyError(f"{path} exists already: move it away to write a new key") from None
    except OSError as exc:
        raise LogKeyError(f"cannot write the log's signing key {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.skey() + "\n")


def new_origin() -> str:
    """A log's name: unique, so a checkpoint of one mission's log is never taken for
    another's (C2SP tlog-checkpoint's origin)."""
    return f"ceasefire.log/{secrets.token_hex(6)}"


def adopted_keys(connection: Connection) -> list[AdoptedKey]:
    """Every key the log adopted, oldest first; the last is the one that signs now."""
    rows = connection.execute(select(log_keys).order_by(log_keys.c.ledger_seq))
    return [AdoptedKey(**row._mapping) for row in rows]


def adopt_key(
    connection: Connection,
    clock: Callable[[], datetime],
    signer: NoteSigner,
    *,
    reason: str,
    adopted_by: str,
) -> AdoptedKey:
    """Record `signer`'s public key as the log's signing key from now on."""
    lock_head(connection)
    content = key_content(signer.name, signer.vkey, reason, adopted_by)
    seq, at = append_entry(
        connection,
        clock,
        LOG_KEY_ADOPTED,
        f"{signer.name}+{signer.key_id.hex()}",
        canonical_json(content),
    )
    key = AdoptedKey(signer.name, signer.key_id.hex(), signer.vkey, reason, adopted_by, at, seq)
    connection.execute(
        log_keys.insert().values(
            origin=key.origin,
            key_id=key.key_id,
            vkey=key.vkey,
            reason=reason,
            adopted_by=adopted_by,
            adopted_at=at,
            ledger_seq=seq,
        )
    )
    return key


@dataclass(frozen=True, slots=True)
class KeyState:
    """What `init` found or did about the log's key, for it to say."""

    path: Path
    key: AdoptedKey | None
    created: bool = False
    adopted: bool = False
    missing: bool = False  # the log has a key, but this machine has no file for it


def ensure_key(
    connection: Connection, path: Path, clock: Callable[[], datetime], *, origin: str | None
) -> KeyState:
    """The log's key on `init`: created and adopted when the log has none; checked against
    the file when it has one (a file holding another key is refused: it would sign
    checkpoints no one can check)."""
    keys = adopted_keys(connection)
    signer = read_key(path)
    if keys:
        current = keys[-1]
        if signer is None:
            return KeyState(path, current, missing=True)
        if signer.vkey != current.vkey:
            raise LogKeyError(
                f"{path} holds the key {signer.name}+{signer.key_id.hex()}, but the log signs "
                f"with {current.origin}+{current.key_id}: point {KEY_VAR} at the log's key, "
                "or adopt this one with `ceasefire log rotate-key`"
            )
        return KeyState(path, current)
    created = signer is None
    if signer is None:
        signer = NoteSigner.generate(origin or new_origin())
        write_key(path, signer)
    key = adopt_key(connection, clock, signer, reason="the log's first key", adopted_by="init")
    return KeyState(path, key, created=created, adopted=True)


def rotate_key(
    engine: Engine, path: Path, clock: Callable[[], datetime], *, reason: str, by: str
) -> tuple[AdoptedKey, Path]:
    """A new signing key for the same log: written beside the old one's file, adopted in the
    log, and the old file renamed `<file>.retired-<key id>` (kept: checkpoints it signed
    remain checkable from the log's adoption entries, but it signs nothing more)."""
    with writing(engine) as connection:
        keys = adopted_keys(connection)
        if not keys:
            raise LogKeyError("the log has no key yet: `ceasefire init` creates it")
        current = keys[-1]
        signer = NoteSigner.generate(current.origin)
        fresh = path.with_name(path.name + ".new")
        write_key(fresh, signer)
        try:
            key = adopt_key(connection, clock, signer, reason=reason, adopted_by=by)
        except Exception:
            fresh.unlink(missing_ok=True)
            raise
    retired = path.with_name(f"{path.name}.retired-{current.key_id}")
    if path.exists():
        path.replace(retired)
    fresh.replace(path)
    return key, retired


@dataclass(frozen=True, slots=True)
class Signed:
    checkpoint: StoredCheckpoint
    new: bool  # False: the latest checkpoint already covered the whole log


def sign_checkpoint(
    engine: Engine,
    signer: NoteSigner,
    clock: Callable[[], datetime],
    *,
    at_least_every: timedelta = timedelta(0),
) -> Signed | None:
    """A signed checkpoint of the log as it is now, unless the latest one covers it already
    or was signed less than `at_least_every` ago (a busy server signs a few times a minute,
    not on each report). None when the log is empty."""
    with writing(engine) as connection:
        keys = adopted_keys(connection)
        if not keys or keys[-1].vkey != signer.vkey:
            raise LogKeyError(
                "this key is not the one the log adopted"
                + (f" ({keys[-1].origin}+{keys[-1].key_id})" if keys else " (it adopted none)")
            )
        tree = StoredTree(connection)
        size = tree.size()
        latest = latest_checkpoint(connection)
        now = clock()
        if latest is not None and (latest.size >= size or now - latest.signed_at < at_least_every):
            return Signed(latest, False)
        if size == 0:
            return None
        root = tree.root(size)
        note = signer.sign(Checkpoint(signer.name, size, root).body())
        try:
            with connection.begin_nested():
                stored = store_checkpoint(connection, size, root, note, now)
        except IntegrityError:  # another server signed this size at the same moment
            stored = False
        found = latest_checkpoint(connection)
        assert found is not None
        return Signed(found, stored)


def sign_key_now(engine: Engine, path: Path) -> Signed | None:
    """A checkpoint signed with the key in `path` now, if there is a key there."""
    from ceasefire.clock import utc_now

    signer = read_key(path)
    return None if signer is None else sign_checkpoint(engine, signer, utc_now)


def usable_signer(engine: Engine, path: Path) -> tuple[NoteSigner | None, str]:
    """The key a process signs checkpoints with, and a note for its operator when it will
    sign none. A key file that is not the log's current key is an error, not a note: its
    checkpoints would fail every check."""
    from ceasefire.store.db import reading

    signer = read_key(path)
    with reading(engine) as connection:
        keys = adopted_keys(connection)
    if not keys:
        return (
            None,
            "the log has no signing key yet (`ceasefire init` creates it): checkpoints are "
            "not signed",
        )
    current = keys[-1]
    if signer is None:
        return None, (
            f"no signing key at {path}: checkpoints are not signed here (the log signs with "
            f"{current.origin}+{current.key_id}; set ${KEY_VAR} to its file)"
        )
    if signer.vkey != current.vkey:
        raise LogKeyError(
            f"{path} holds the key {signer.name}+{signer.key_id.hex()}, but the log signs with "
            f"{current.origin}+{current.key_id}"
        )
    return signer, ""


class NotYetSigned(LookupError):
    """The entries asked for are recorded, but no signed checkpoint covers them yet."""


def entries_bundle(connection: Connection, seqs: Sequence[int], about: str = "") -> dict[str, Any]:
    """A bundle of the entries at `seqs` with their inclusion proofs against a signed
    checkpoint, with its witnesses' cosignatures (see `_bundle_checkpoint`)."""
    from ceasefire.store.log_check import log_verifiers, read_signed

    wanted = sorted(set(seqs))
    latest = _bundle_checkpoint(connection, wanted[-1] if wanted else 1)
    if latest is None or (wanted and latest.size < wanted[-1]):
        covered = (
            "no checkpoint is signed yet"
            if latest is None
            else (f"the latest signed checkpoint covers {latest.size:,} entries")
        )
        raise NotYetSigned(
            f"entry {wanted[-1] if wanted else 0:,} is recorded but {covered}: the clock signs "
            "one within seconds (`ceasefire clock --once`, or a running `serve`)"
        )
    _, verifier = read_signed(latest.note, log_verifiers(connection))
    vkey = next(k.vkey for k in adopted_keys(connection) if k.key_id == verifier.id.hex())
    tree = StoredTree(connection)
    entries = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = connection.execute(
            select(ledger).where(ledger.c.seq.in_(chunk)).order_by(ledger.c.seq)
        )
        for row in rows:
            entries.append(
                BundledEntry(
                    int(row.seq),
                    row.kind,
                    row.subject_id,
                    recorded_iso(row.recorded_at),
                    row.payload,
                    row.payload_sha256,
                    tuple(tree.inclusion(int(row.seq) - 1, latest.size)),
                )
            )
    from ceasefire.services.witnesses import cosignatures_of, with_cosignatures

    note = with_cosignatures(latest, cosignatures_of(connection, latest.size))
    return bundle_document(note, vkey, entries, about)


def _bundle_checkpoint(connection: Connection, covering: int) -> StoredCheckpoint | None:
    """The checkpoint to prove entries against: the newest one covering them that the
    agreement's quorum of witnesses cosigned (a party checks its own witness's cosignature on
    it), else the latest."""
    from sqlalchemy import func

    from ceasefire.services.witnesses import quorum
    from ceasefire.store.schema import log_checkpoints, log_cosignatures

    counted = (
        select(log_cosignatures.c.size, func.count().label("n"))
        .group_by(log_cosignatures.c.size)
        .subquery()
    )
    row = connection.execute(
        select(log_checkpoints)
        .join(counted, counted.c.size == log_checkpoints.c.size)
        .where(log_checkpoints.c.size >= covering, counted.c.n >= quorum(connection))
        .order_by(log_checkpoints.c.size.desc())
        .limit(1)
    ).first()
    if row is not None:
        return StoredCheckpoint(**row._mapping)
    return latest_checkpoint(connection)


def report_seq(connection: Connection, report_id: str) -> int | None:
    """The log position of a report, by its id."""
    from ceasefire.store.schema import reports

    found = connection.execute(
        select(reports.c.ledger_seq).where(reports.c.report_id == report_id)
    ).scalar()
    return None if found is None else int(found)
