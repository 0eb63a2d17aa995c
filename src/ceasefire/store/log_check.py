"""`verify`'s check of the Merkle tree: recomputed from the ledger as it streams past, held
against the stored tiles and against every signed checkpoint it knows.

The hash chain alone is caught out by whoever can write the database: change an entry,
re-hash every entry after it, and the chain is whole again. A checkpoint signed before the
change (kept by the server, by a party's witness, or in a file someone holds) fixes the root
of the first N entries; recomputing the tree from the entries as they now are gives another
root, and the tiles stored when the entries were appended say which leaf moved. A log cut at
its end falls short of a checkpoint's size. Memory stays flat: one tile row per level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, func, select

from ceasefire.domain.ledger import Break
from ceasefire.domain.transparency import (
    EMPTY_ROOT,
    HASH_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    CosignatureVerifier,
    NoteError,
    NoteVerifier,
    TileKey,
    note_body,
    open_note,
    range_root,
    tile_levels,
    tile_node,
    tile_width,
)
from ceasefire.store.schema import (
    log_checkpoints,
    log_cosignatures,
    log_keys,
    log_tiles,
    log_witnesses,
)
from ceasefire.store.transparency_store import checkpoints

_READ_AHEAD = 64  # stored tiles read in one query as verify reaches them


@dataclass(frozen=True, slots=True)
class HeldCheckpoint:
    """A checkpoint the tree must agree with, and where it came from (for the message)."""

    size: int
    root: bytes
    where: str


@dataclass
class TreeReport:
    """What the tree check established, for `verify` to say."""

    size: int = 0
    root: bytes = b""
    checked: list[HeldCheckpoint] = field(default_factory=list)
    unsigned: bool = True  # no checkpoint at all: nothing outside the database vouches


def log_verifiers(connection: Connection) -> list[NoteVerifier]:
    """The keys the log adopted (the record's own say of who signs its checkpoints)."""
    rows = connection.execute(select(log_keys.c.vkey).order_by(log_keys.c.ledger_seq))
    return [NoteVerifier.from_vkey(row.vkey) for row in rows]


def read_signed(note: str, verifiers: list[NoteVerifier]) -> tuple[Checkpoint, NoteVerifier]:
    """The checkpoint in a signed note, once one of `verifiers` vouches for it."""
    problems: list[str] = []
    for verifier in verifiers:
        try:
            text, _ = open_note(note, verifier)
        except NoteError as exc:
            problems.append(str(exc))
            continue
        checkpoint = Checkpoint.parse(text)
        if checkpoint.origin != verifier.name:
            raise NoteError(f"the checkpoint is of {checkpoint.origin}, signed as {verifier.name}")
        return checkpoint, verifier
    if not verifiers:
        raise NoteError("the log adopted no key to check it with")
    raise NoteError("; ".join(dict.fromkeys(problems)))


def stored_checkpoints(
    connection: Connection, verifiers: list[NoteVerifier]
) -> tuple[list[HeldCheckpoint], Break | None]:
    """The server's own checkpoints, each checked: its signature is by a key the log adopted,
    and its row says what its note says."""
    held: list[HeldCheckpoint] = []
    for stored in checkpoints(connection):
        label = f"the checkpoint of {stored.size:,} entries signed {_when(stored.signed_at)}"
        try:
            checkpoint, _ = read_signed(stored.note, verifiers)
        except NoteError as exc:
            return held, Break(stored.size, "log_checkpoints", f"{label} does not verify ({exc})")
        if checkpoint.size != stored.size or checkpoint.root.hex() != stored.root_hash:
            return held, Break(
                stored.size, "log_checkpoints", f"{label}: its row differs from its signed note"
            )
        held.append(HeldCheckpoint(checkpoint.size, checkpoint.root, label))
    return held, None


def _when(at: datetime | str) -> str:
    return at if isinstance(at, str) else at.isoformat(timespec="seconds")


class TreeCheck:
    """Fed each entry's leaf hash in log order; answers the first disagreement."""

    def __init__(self, connection: Connection, held: list[HeldCheckpoint]) -> None:
        self._connection = connection
        self._size = 0
        self._rows: list[bytearray] = [bytearray()]  # per tile level: the row being filled
        self._counts: list[int] = [0]  # per tile level: hashes pushed so far
        self._stored: dict[TileKey, bytes | None] = {}  # tiles read ahead, a page at a time
        self._held = sorted((h for h in held if h.size), key=lambda h: h.size)
        self._next = 0
        self._due = self._held[0].size if self._held else 0  # the next checkpoint's size
        self.report = TreeReport(unsigned=not held)

    def feed(self, seq: int, leaf: bytes) -> Break | None:
        """The next entry's leaf (`verify` calls this for every entry of the log)."""
        self._size += 1
        found = self._push(0, leaf)
        if found:
            return found
        if self._size == self._due:
            return self._checkpoints_due()
        return None

    def _checkpoints_due(self) -> Break | None:
        size = self._size
        while self._next < len(self._held) and self._held[self._next].size == size:
            held = self._held[self._next]
            if self._root() != held.root:
                return self._root_break(held)
            self.report.checked.append(held)
            self._next += 1
        self._due = self._held[self._next].size if self._next < len(self._held) else 0
        return None

    def _push(self, level: int, item: bytes) -> Break | None:
        if level == len(self._rows):
            self._rows.append(bytearray())
            self._counts.append(0)
        row = self._rows[level]
        row += item
        self._counts[level] += 1
        if len(row) < TILE_WIDTH * HASH_SIZE:
            return None
        index = (self._counts[level] - 1) // TILE_WIDTH
        tile = tile_levels(bytes(row))
        found = self._tile_break(level, index, bytes(row), tile)
        if found:
            return found
        up = tile[-HASH_SIZE:]
        row.clear()
        return self._push(level + 1, up)

    def _root(self) -> bytes:
        """The root of the log so far, from the rows being filled: every complete subtree
        left of the log's end has its root in the row of its level (a tile's root is a node
        of the row above), so this costs at most the hashing of those partial rows."""
        if self._size == 0:
            return EMPTY_ROOT
        tiles = [tile_levels(bytes(row)) for row in self._rows]

        def node(height: int, index: int) -> bytes:
            level, rest = divmod(height, TILE_HEIGHT)
            return tile_node(
                height,
                index - (self._counts[level] // TILE_WIDTH << (TILE_HEIGHT - rest)),
                lambda _key: tiles[level],
            )

        return range_root(0, self._size, node)

    def _stored_tile(self, level: int, index: int) -> bytes | None:
        key = (level, index)
        if key not in self._stored:
            self._stored.clear()
            ahead = index + _READ_AHEAD
            rows = self._connection.execute(
                select(log_tiles.c.idx, log_tiles.c.hashes).where(
                    log_tiles.c.level == level, log_tiles.c.idx >= index, log_tiles.c.idx < ahead
                )
            )
            found = {(level, int(r.idx)): bytes(r.hashes) for r in rows}
            self._stored = {(level, i): found.get((level, i)) for i in range(index, ahead)}
        return self._stored[key]

    def _tile_break(
        self, level: int, index: int, row: bytes, tile: bytes | None = None
    ) -> Break | None:
        """Whether the stored tile is the one the recomputed `row` makes (its `tile`, when
        the caller has it); if not, the first entry it disagrees about."""
        found = self._stored_tile(level, index)
        stored = found if found is not None else b""
        if stored == (tile if tile is not None else tile_levels(row)):
            return None
        span = 1 << (TILE_HEIGHT * level)  # entries under one hash of this level
        first = index * TILE_WIDTH * span
        if found is None:
            return Break(
                first + 1, f"leaf {first}", f"the log's stored tree lacks tile {level}/{index}"
            )
        width, stored_width = len(row) // HASH_SIZE, tile_width(stored)
        if stored_width is None:
            return Break(first + 1, f"leaf {first}", f"tile {level}/{index} is damaged")
        for position in range(min(width, stored_width)):
            part = slice(position * HASH_SIZE, (position + 1) * HASH_SIZE)
            if stored[part] != row[part]:
                seq = first + position * span + 1
                if level:
                    reason = (
                        f"the log's stored tree was altered (its nodes of height "
                        f"{TILE_HEIGHT * level} over this entry differ from the entries' own)"
                    )
                else:
                    reason = (
                        "is not the entry the log's tree recorded at this position: it was "
                        "changed after it was logged, and the chain re-hashed to hide it (or "
                        "the stored tree was altered)"
                    )
                return Break(seq, f"leaf {seq - 1}", reason)
        if stored_width > width:  # the tree knew entries the ledger no longer has
            return _cut(first + width * span)
        return Break(
            first + 1,
            f"leaf {first}",
            "the log's stored tree was altered (its nodes over these entries differ from the "
            "entries' own)",
        )

    def _root_break(self, held: HeldCheckpoint) -> Break:
        before = self.report.checked[-1].size if self.report.checked else 0
        located = self._partial_break()
        reason = (
            f"the log's first {held.size:,} entries no longer hash to {held.where} "
            f"(root {held.root.hex()[:16]}...): an entry among {before + 1:,}..{held.size:,} "
            "was changed after that checkpoint was signed"
        )
        if located is not None:
            return Break(located.seq, located.subject_id, f"{located.reason}; {reason}")
        return Break(held.size, "checkpoint", reason)

    def _partial_break(self) -> Break | None:
        """Which leaf of the level-0 tile being filled differs from the stored one, if any."""
        if not self._rows or not self._rows[0]:
            return None
        index = self._counts[0] // TILE_WIDTH
        return self._tile_break(0, index, bytes(self._rows[0]))

    def finish(self) -> Break | None:
        """After the last entry: the tiles still being filled, checkpoints the log falls short
        of (its end was cut), and tiles beyond its end."""
        size = self._size
        for level, row in enumerate(self._rows):
            if row:
                found = self._tile_break(level, self._counts[level] // TILE_WIDTH, bytes(row))
                if found:
                    return found
        if self._next < len(self._held):
            held = self._held[self._next]
            return Break(
                size,
                "end of the log",
                f"the log holds {size:,} entries, but {held.where} covers {held.size:,}: "
                f"entries {size + 1:,}..{held.size:,} were removed",
            )
        beyond = self._connection.execute(
            select(func.max(log_tiles.c.idx)).where(log_tiles.c.level == 0)
        ).scalar()
        if beyond is not None and int(beyond) >= -(-size // TILE_WIDTH):
            return _cut(size)
        self.report.size = size
        self.report.root = self._root()
        return None


def _cut(size: int) -> Break:
    return Break(
        size,
        "end of the log",
        f"the log's tree holds leaves after entry {size:,}, which the ledger no longer has: "
        "entries at its end were removed",
    )


def cosignature_problem(connection: Connection) -> Break | None:
    """Each kept cosignature is its registered witness's, over its checkpoint's body: one
    added by hand (to make a checkpoint look witnessed) or altered is named."""
    keys = {
        row.name: CosignatureVerifier.from_vkey(row.vkey)
        for row in connection.execute(select(log_witnesses.c.name, log_witnesses.c.vkey))
    }
    query = select(
        log_cosignatures.c.size,
        log_cosignatures.c.witness,
        log_cosignatures.c.line,
        log_cosignatures.c.signed_time,
        log_checkpoints.c.note,
    ).select_from(
        log_cosignatures.outerjoin(
            log_checkpoints, log_checkpoints.c.size == log_cosignatures.c.size
        )
    )
    for row in connection.execute(query):
        where = f"the cosignature by {row.witness} of the checkpoint of {int(row.size):,} entries"
        verifier = keys.get(row.witness)
        if verifier is None:
            return Break(
                int(row.size), "log_cosignatures", f"{where}: no such witness is registered"
            )
        if row.note is None:
            return Break(int(row.size), "log_cosignatures", f"{where}: no such checkpoint")
        try:
            signed = verifier.check(row.line, note_body(row.note))
        except NoteError as exc:
            return Break(int(row.size), "log_cosignatures", f"{where} does not verify ({exc})")
        if signed != int(row.signed_time):
            return Break(int(row.size), "log_cosignatures", f"{where}: its row misstates its time")
    return None
