"""The ledger's Merkle tree in the database: tiles kept up to date with every append, proofs
read from them, and the signed checkpoints.

Appends go through `extend_tree` inside the append's own transaction (under the ledger's
lock), so the tree and the ledger never disagree about what has been recorded. A proof or a
root reads only the tiles on its path: a few rows, whatever the size of the log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select

from ceasefire.domain.ledger import LedgerEntry, recorded_iso
from ceasefire.domain.transparency import (
    NodeSource,
    TileKey,
    consistency_path,
    entry_leaf,
    extend_tiles,
    inclusion_path,
    leaf_hash,
    range_root,
    tail_keys,
    tile_node,
    tile_of,
)
from ceasefire.store.schema import ledger, log_checkpoints, log_tiles

_PAGE = 10_000

LOG_KEY_ADOPTED = "LogKeyAdopted"
WITNESS_ADDED = "WitnessRegistered"


def witness_content(name: str, vkey: str, party: str, added_by: str) -> dict[str, str]:
    """What a witness's registration holds in the log (and `verify` recomputes)."""
    return {"added_by": added_by, "name": name, "party": party, "vkey": vkey}


def key_content(origin: str, vkey: str, reason: str, adopted_by: str) -> dict[str, str]:
    """What a key adoption's ledger entry holds (and `verify` recomputes from its row)."""
    return {"adopted_by": adopted_by, "origin": origin, "reason": reason, "vkey": vkey}


class TreeDamaged(RuntimeError):
    """The stored tree does not fit the ledger (a tile row was removed or cut): appends stop
    rather than extend a tree no proof could be trusted from."""


def entry_leaf_hash(entry: LedgerEntry) -> bytes:
    return leaf_hash(
        entry_leaf(
            entry.seq,
            entry.kind,
            entry.subject_id,
            recorded_iso(entry.recorded_at),
            entry.payload_sha256,
        )
    )


def extend_tree(connection: Connection, entries: Sequence[LedgerEntry]) -> None:
    """Add `entries` (the next entries of the ledger, in order) to the tree."""
    if not entries:
        return
    size = entries[0].seq - 1
    _extend(connection, size, [entry_leaf_hash(e) for e in entries])


def _extend(connection: Connection, size: int, leaves: list[bytes]) -> None:
    tails = _read_tiles(connection, tail_keys(size))
    try:
        changed = extend_tiles(size, tails, leaves)
    except ValueError as exc:
        raise TreeDamaged(
            f"the log's stored tree does not fit its {size:,} entries ({exc}); "
            "`ceasefire verify` says where"
        ) from None
    existing = [key for key in changed if key in tails]
    if existing:
        connection.execute(delete(log_tiles).where(_tiles_keyed(existing)))
    connection.execute(
        log_tiles.insert(),
        [
            {"level": level, "idx": idx, "hashes": hashes}
            for (level, idx), hashes in changed.items()
        ],
    )


def _read_tiles(connection: Connection, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
    wanted = list(keys)
    if not wanted:
        return {}
    rows = connection.execute(select(log_tiles).where(_tiles_keyed(wanted)))
    return {(int(r.level), int(r.idx)): bytes(r.hashes) for r in rows}


def _tiles_keyed(keys: Iterable[TileKey]) -> ColumnElement[bool]:
    """The tiles of `keys`, found down the primary key: a lookup per level (SQLite answers a
    row-value IN by scanning the whole table, which grows with the log)."""
    by_level: dict[int, list[int]] = {}
    for level, index in keys:
        by_level.setdefault(level, []).append(index)
    return or_(
        *(
            and_(log_tiles.c.level == level, log_tiles.c.idx.in_(indexes))
            for level, indexes in sorted(by_level.items())
        )
    )


def build_tiles(connection: Connection, on_progress: Callable[[int], None] | None = None) -> int:
    """The tree of a ledger that has none yet (a record from before the log, migrating): every
    entry a leaf, in order, a page at a time. Returns the number of leaves."""
    size = 0
    for page in _leaf_pages(connection):
        _extend(connection, size, page)
        size += len(page)
        if on_progress:
            on_progress(size)
    return size


def _leaf_pages(connection: Connection, after: int = 0) -> Iterator[list[bytes]]:
    columns = (
        ledger.c.seq,
        ledger.c.kind,
        ledger.c.subject_id,
        ledger.c.recorded_at,
        ledger.c.payload_sha256,
    )
    while True:
        rows = connection.execute(
            select(*columns).where(ledger.c.seq > after).order_by(ledger.c.seq).limit(_PAGE)
        ).all()
        if not rows:
            return
        yield [
            leaf_hash(
                entry_leaf(
                    r.seq, r.kind, r.subject_id, recorded_iso(r.recorded_at), r.payload_sha256
                )
            )
            for r in rows
        ]
        after = rows[-1].seq


class StoredTree:
    """Reads complete subtrees from the tiles: a proof or a root first works out which tiles
    its path crosses, reads them in one query, then hashes at most 255 nodes per level of
    tiles. A few rows and well under a millisecond of hashing, whatever the log's size."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._tiles: dict[TileKey, bytes] = {}

    def size(self) -> int:
        return int(self._connection.execute(select(func.max(ledger.c.seq))).scalar() or 0)

    def _tile(self, key: TileKey) -> bytes:
        tile = self._tiles.get(key)
        if tile is None:
            self._load({key})
            tile = self._tiles.get(key)
            if tile is None:
                raise TreeDamaged(f"tile {key[0]}/{key[1]} of the log's tree is missing")
        return tile

    def _load(self, keys: set[TileKey]) -> None:
        wanted = sorted(keys - self._tiles.keys())
        if wanted:
            self._tiles |= _read_tiles(self._connection, wanted)

    def _prefetched(self, compute: Callable[[NodeSource], _T]) -> _T:
        """`compute` run over the tiles it needs, read in one query: a first pass records
        which tiles its nodes live in (without hashing), the second does the work."""
        keys: set[TileKey] = set()

        def record(height: int, index: int) -> bytes:
            keys.add(tile_of(height, index))
            return _BLANK

        compute(record)
        self._load(keys)
        return compute(self.node)

    def node(self, height: int, index: int) -> bytes:
        return tile_node(height, index, self._tile)

    def root(self, size: int) -> bytes:
        return self._prefetched(lambda node: range_root(0, size, node))

    def leaf(self, index: int) -> bytes:
        return self.node(0, index)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return self._prefetched(lambda node: inclusion_path(index, size, node))

    def consistency(self, first: int, size: int) -> list[bytes]:
        return self._prefetched(lambda node: consistency_path(first, size, node))


_BLANK = bytes(32)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    size: int
    root_hash: str
    note: str
    signed_at: datetime


def latest_checkpoint(connection: Connection) -> StoredCheckpoint | None:
    row = connection.execute(
        select(log_checkpoints).order_by(log_checkpoints.c.size.desc()).limit(1)
    ).first()
    return None if row is None else StoredCheckpoint(**row._mapping)


def checkpoint_covering(connection: Connection, size: int) -> StoredCheckpoint | None:
    """The earliest checkpoint of at least `size` leaves (a receipt's proof is shortest
    against it, and it exists as soon as any checkpoint covers the entry)."""
    row = connection.execute(
        select(log_checkpoints)
        .where(log_checkpoints.c.size >= size)
        .order_by(log_checkpoints.c.size)
        .limit(1)
    ).first()
    return None if row is None else StoredCheckpoint(**row._mapping)


def checkpoints(connection: Connection) -> Iterator[StoredCheckpoint]:
    """Every stored checkpoint, smallest first."""
    query = select(log_checkpoints).order_by(log_checkpoints.c.size)
    for row in connection.execute(query):
        yield StoredCheckpoint(**row._mapping)


def store_checkpoint(
    connection: Connection, size: int, root: bytes, note: str, signed_at: datetime
) -> bool:
    """Keep a signed checkpoint; False if one of that size is kept already (another server
    signed it first)."""
    exists = connection.execute(
        select(log_checkpoints.c.size).where(log_checkpoints.c.size == size)
    ).first()
    if exists:
        return False
    connection.execute(
        log_checkpoints.insert().values(
            size=size, root_hash=root.hex(), note=note, signed_at=signed_at
        )
    )
    return True
