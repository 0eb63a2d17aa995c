"""The record as a transparency log: an RFC 9162 Merkle tree over the ledger's entries, and
checkpoints signed as C2SP signed notes that witnesses run by the parties can cosign.

A hash chain catches a careless edit, but whoever runs the database can rewrite an entry and
re-hash everything after it. A Merkle tree with signed checkpoints held outside the database
(by each party's witness) cannot be rewritten that way: a later checkpoint must be provably an
extension of every earlier one (a consistency proof), and any report is provably in it (an
inclusion proof) without trusting the server. This module is the pure part: hashing (RFC 9162
section 2.1: leaves 0x00 || data, nodes 0x01 || left || right, SHA-256), the two proofs and
their verification (sections 2.1.3 and 2.1.4), an append-only frontier that gives the root of
a growing log in O(log n) memory, and the C2SP `tlog-checkpoint` body in a `signed-note`
(Ed25519, from `cryptography`). Checked against the Certificate Transparency reference vectors
and the Go `sumdb/note` example (tests/unit/test_transparency.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the leaf hashes."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index` (RFC 9162 2.1.3.1)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: whether `proof` puts `leaf` at `index` of the tree of `size` leaves
    whose root is `expected_root`."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) (RFC 9162 2.1.4.1): that the tree of the first `first` leaves is a
    prefix of the tree of all of them."""
    n = len(leaves)
    if not 0 < first <= n:
        raise ValueError(f"no consistency proof from {first} to {n} leaves")
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> bool:
    """RFC 9162 2.1.4.2: whether `proof` shows the tree of `first` leaves (root `first_root`)
    is a prefix of the tree of `second` (root `second_root`)."""
    if not 0 < first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first root is itself on the path
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


class Frontier:
    """The roots of the perfect subtrees a growing log decomposes into (one per set bit of its
    size): appending costs O(log n) amortised, and the root of everything so far is their
    fold, so a checkpoint of a million-entry record never reads it whole."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, root), tallest first

    def append(self, leaf: bytes) -> None:
        height, node = 0, leaf
        while self._stack and self._stack[-1][0] == height:
            _, left = self._stack.pop()
            node = node_hash(left, node)
            height += 1
        self._stack.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


# -- proofs over a stored tree ------------------------------------------------------------

# A source of complete-subtree hashes: (height, index) -> the root of leaves
# [index * 2**height, (index + 1) * 2**height). A stored log answers it from its tiles, so a
# proof at a million leaves reads a few tiles, never the leaves.
NodeSource = Callable[[int, int], bytes]


def range_root(start: int, end: int, node: NodeSource) -> bytes:
    """MTH(D[start:end]) for a range the RFC 9162 recursion reaches (a start aligned to the
    largest power of two not above its length), from complete subtrees only."""
    n = end - start
    if n <= 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0:
        height = n.bit_length() - 1
        if start % n:
            raise ValueError(f"[{start}, {end}) is not a subtree of the log")
        return node(height, start >> height)
    k = _split(n)
    return node_hash(range_root(start, start + k, node), range_root(start + k, end, node))


def inclusion_path(index: int, size: int, node: NodeSource) -> list[bytes]:
    """PATH(index, D[size]) (RFC 9162 2.1.3.1) from a node source."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(range_root(start + k, end, node))
            end = start + k
        else:
            path.append(range_root(start, start + k, node))
            start += k
    path.reverse()
    return path


def consistency_path(first: int, size: int, node: NodeSource) -> list[bytes]:
    """PROOF(first, D[size]) (RFC 9162 2.1.4.1) from a node source."""
    if not 0 < first <= size:
        raise ValueError(f"no consistency proof from {first} to {size} leaves")
    path: list[bytes] = []
    start, end, m, whole = 0, size, first, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                path.append(range_root(start, end, node))
            break
        k = _split(n)
        if m <= k:
            path.append(range_root(start + k, end, node))
            end = start + k
        else:
            path.append(range_root(start, start + k, node))
            start, m, whole = start + k, m - k, False
    path.reverse()
    return path


# -- tiles: how the tree is stored -------------------------------------------------------

# A tile holds the hashes of 2**TILE_HEIGHT consecutive nodes of one tree height: tiles of
# level 0 hold leaf hashes, tiles of level L the roots of complete subtrees of height
# L * TILE_HEIGHT. Any complete subtree's root is then at most 2**TILE_HEIGHT - 1 hashes away
# from one stored row (as the Go checksum database stores its tree).
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
HASH_SIZE = 32
# Each tile keeps its row and every complete node above it inside the tile, level by level
# (a full tile's last hash is its root): a proof reads nodes, it never hashes a subtree.

TileKey = tuple[int, int]  # (level, index)


def tail_keys(size: int) -> list[TileKey]:
    """The tiles a log of `size` leaves is still filling (one per level that has a partial
    tile): what an append must read before it extends them."""
    keys: list[TileKey] = []
    count, level = size, 0
    while count:
        if count % TILE_WIDTH:
            keys.append((level, count // TILE_WIDTH))
        count //= TILE_WIDTH
        level += 1
    return keys


def tile_hashes(width: int) -> int:
    """How many hashes a tile of `width` nodes in its row holds: the row, then each level of
    complete nodes above it inside the tile (`width >> 1`, `width >> 2`, ...)."""
    return sum(width >> r for r in range(TILE_HEIGHT + 1))


# A tile's row width by its length in hashes (the length says how wide its row is).
_WIDTH_OF = {tile_hashes(w): w for w in range(TILE_WIDTH + 1)}


def tile_width(tile: bytes) -> int | None:
    """The width of a tile's row, or None when its length fits no width (a damaged tile)."""
    if len(tile) % HASH_SIZE:
        return None
    return _WIDTH_OF.get(len(tile) // HASH_SIZE)


def _levels(tile: bytes, width: int) -> list[bytearray]:
    rows, at = [], 0
    for r in range(TILE_HEIGHT + 1):
        count = (width >> r) * HASH_SIZE
        rows.append(bytearray(tile[at : at + count]))
        at += count
    return rows


def grow_tile(tile: bytes, new: bytes) -> bytes:
    """`tile` with the hashes `new` added to its row, and the nodes they complete above it:
    only those are hashed, so a tile grown one leaf at a time costs one hash per level."""
    width = tile_width(tile)
    if width is None:
        raise ValueError(f"a tile of {len(tile)} bytes is damaged")
    grown = width + len(new) // HASH_SIZE
    if grown > TILE_WIDTH:
        raise ValueError("a tile holds 256 nodes in its row")
    rows = _levels(tile, width)
    rows[0] += new
    for r in range(1, TILE_HEIGHT + 1):
        below, row = rows[r - 1], rows[r]
        for i in range(len(row) // HASH_SIZE, grown >> r):
            pair = below[2 * i * HASH_SIZE : (2 * i + 2) * HASH_SIZE]
            row += hashlib.sha256(b"\x01" + pair).digest()
    return b"".join(bytes(row) for row in rows)


def extend_tiles(
    size: int, tails: dict[TileKey, bytes], leaves: Sequence[bytes]
) -> dict[TileKey, bytes]:
    """The tiles that change when `leaves` (leaf hashes) are appended to a log of `size`
    leaves whose partial tiles are `tails`: each as its whole new content. A tile that fills
    passes its root (its last hash) up to the level above."""
    changed: dict[TileKey, bytes] = {}
    level, count, new = 0, size, list(leaves)
    while new:
        index, width = count // TILE_WIDTH, count % TILE_WIDTH
        tile = tails.get((level, index), b"") if width else b""
        if tile_width(tile) != width:
            raise ValueError(
                f"tile {level}/{index} holds {len(tile)} bytes, the log of {size} leaves "
                f"needs {width} nodes in its row"
            )
        up: list[bytes] = []
        pending: list[bytes] = []
        for item in new:
            pending.append(item)
            width += 1
            if width == TILE_WIDTH:
                tile = grow_tile(tile, b"".join(pending))
                changed[(level, index)] = tile
                up.append(tile[-HASH_SIZE:])
                tile, pending, width = b"", [], 0
                index += 1
        if pending:
            changed[(level, index)] = grow_tile(tile, b"".join(pending))
        count, new, level = count // TILE_WIDTH, up, level + 1
    return changed


def tile_levels(row: bytes) -> bytes:
    """The tile of a row of hashes (any width up to 256): the row and its complete nodes
    (what `grow_tile` gives from nothing, a level at a time: `verify` does this for every
    tile of the log)."""
    if len(row) % HASH_SIZE or len(row) > TILE_WIDTH * HASH_SIZE:
        raise ValueError("a tile's row is up to 256 hashes")
    levels = [row]
    for _ in range(TILE_HEIGHT):
        levels.append(_paired(levels[-1]))
    return b"".join(levels)


def _paired(row: bytes) -> bytes:
    """The level above a row of hashes: 0x01 || left || right for each whole pair."""
    sha256 = hashlib.sha256
    pairs = len(row) // (2 * HASH_SIZE) * 2 * HASH_SIZE
    return b"".join(
        sha256(b"\x01" + row[i : i + 2 * HASH_SIZE]).digest()
        for i in range(0, pairs, 2 * HASH_SIZE)
    )


def tile_of(height: int, index: int) -> TileKey:
    """The tile that holds a complete subtree's root."""
    level, rest = divmod(height, TILE_HEIGHT)
    return level, (index << rest) // TILE_WIDTH


def tile_node(height: int, index: int, read_tile: Callable[[TileKey], bytes]) -> bytes:
    """A complete subtree's root, read from its tile (full or partial: each keeps every
    complete node above its row)."""
    level, rest = divmod(height, TILE_HEIGHT)
    first = index << rest
    tile = read_tile((level, first // TILE_WIDTH))
    width = tile_width(tile)
    at = first % TILE_WIDTH >> rest
    if width is None or at >= width >> rest:
        raise ValueError(f"tile {level}/{first // TILE_WIDTH} does not hold that node")
    slot = sum(width >> r for r in range(rest)) + at
    return tile[slot * HASH_SIZE : (slot + 1) * HASH_SIZE]


def entry_leaf(
    seq: int, kind: str, subject_id: str, recorded_iso: str, payload_sha256: str
) -> bytes:
    """A ledger entry's leaf data: what it is, about whom, when, and its payload's hash, one
    line each. Not its chain hash: the tree must not depend on the chain it replaces."""
    return f"{seq}\n{kind}\n{subject_id}\n{recorded_iso}\n{payload_sha256}\n".encode()


# -- C2SP signed-note and tlog-checkpoint -------------------------------------------------

_ED25519 = 0x01
_DASH = "\u2014 "  # a signature line: an em dash, a space, the key name, a space, the blob


class NoteError(ValueError):
    """A note or key that is malformed, or whose signature does not verify."""


def key_id(name: str, public: bytes) -> bytes:
    """The 4-byte key ID of C2SP signed-note: SHA-256(name || 0x0A || type || key)[:4]."""
    return _typed_key_id(name, _ED25519, public)


def _typed_key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"{name!r}: a key name is non-empty, with no spaces and no '+'")


@dataclass(frozen=True)
class _PrivateKey:
    """An Ed25519 private key with its name, in Go's `sumdb/note` text form. Its type byte
    (`_TYPE`) enters its key ID and both its text forms, so a witness's key can never pass
    for the log's, nor the other way round."""

    _TYPE: ClassVar[int]
    _WHAT: ClassVar[str]

    name: str
    private: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> Self:
        _check_name(name)
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_skey(cls, skey: str) -> Self:
        """`PRIVATE+KEY+<name>+<hex id>+<base64(type || 32-byte seed)>`, as Go's note
        package writes it."""
        parts = skey.split("+", 4)  # the key's base64 may hold '+' too
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError(f"a {cls._WHAT} reads PRIVATE+KEY+name+id+key")
        try:
            raw = base64.b64decode(parts[4], validate=True)
        except ValueError:
            raise NoteError(f"the {cls._WHAT} is not base64") from None
        if len(raw) != 33 or raw[0] != cls._TYPE:
            raise NoteError(f"not an Ed25519 {cls._WHAT}")
        key = cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if key.key_id.hex() != parts[3]:
            raise NoteError(f"the key ID {parts[3]} does not match the key")
        return key

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return _typed_key_id(self.name, self._TYPE, self.public)

    @property
    def vkey(self) -> str:
        """The verifier key to publish: `<name>+<hex id>+<base64(type || public key)>`."""
        blob = base64.b64encode(bytes([self._TYPE]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def skey(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        blob = base64.b64encode(bytes([self._TYPE]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{blob}"


@dataclass(frozen=True)
class NoteSigner(_PrivateKey):
    """The log's signing key (C2SP signed-note, Ed25519: type 0x01)."""

    _TYPE: ClassVar[int] = _ED25519
    _WHAT: ClassVar[str] = "signing key"

    def sign(self, text: str) -> str:
        """The signed note: the text, a blank line, this key's signature line."""
        _check_text(text)
        signature = self.private.sign(text.encode())
        blob = base64.b64encode(self.key_id + signature).decode()
        return f"{text}\n{_DASH}{self.name} {blob}\n"


@dataclass(frozen=True)
class NoteVerifier:
    name: str
    id: bytes
    public: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        parts = vkey.split("+", 2)  # the key's base64 may hold '+' too
        if len(parts) != 3:
            raise NoteError("a verifier key reads name+id+key")
        name, hex_id, blob = parts
        _check_name(name)
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise NoteError("the verifier key's key is not base64") from None
        if len(raw) != 33 or raw[0] != _ED25519:
            raise NoteError("only Ed25519 verifier keys are supported")
        if key_id(name, raw[1:]).hex() != hex_id:
            raise NoteError(f"the key ID {hex_id} does not match the key")
        return cls(name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:]))


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or "\r" in text:
        raise NoteError("a note's text is lines, each ended by a newline, none empty")


def open_note(note: str, verifier: NoteVerifier) -> tuple[str, list[str]]:
    """The note's text, once `verifier`'s signature on it checks out, and the names of the
    other keys that signed it (their signatures are not checked here: a cosignature is
    checked with its own witness's key)."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise NoteError("a signed note is its text, a blank line, and signature lines")
    text += "\n"
    _check_text(text)
    verified, others = False, []
    for line in signatures[:-1].split("\n"):
        if not line.startswith(_DASH):
            raise NoteError(f"{line[:40]!r} is not a signature line")
        name, _, blob = line[len(_DASH) :].partition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise NoteError(f"the signature of {name} is not base64") from None
        if name == verifier.name and raw[:4] == verifier.id:
            try:
                verifier.public.verify(raw[4:], text.encode())
            except InvalidSignature:
                raise NoteError(f"the signature of {name} does not verify") from None
            verified = True
        else:
            others.append(name)
    if not verified:
        raise NoteError(f"the note carries no signature of {verifier.name}")
    return text, others


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A C2SP tlog-checkpoint: the log's origin, its size, its root hash."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("a checkpoint reads origin, size and root hash, a line each")
        origin, size, root_b64 = lines[0], lines[1], lines[2]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise NoteError(f"{size!r} is not a tree size")
        try:
            root_hash = base64.b64decode(root_b64, validate=True)
        except ValueError:
            raise NoteError("the checkpoint's root hash is not base64") from None
        if len(root_hash) != 32:
            raise NoteError("the checkpoint's root hash is not 32 bytes")
        return cls(origin, int(size), root_hash)


# -- C2SP tlog-cosignature (Ed25519, v1) ------------------------------------------------

_COSIGNATURE = 0x04


def cosigned_message(body: str, timestamp: int) -> bytes:
    """What a cosigner signs: the domain line, the time, and the checkpoint's body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class Cosigner(_PrivateKey):
    """A witness's key: an Ed25519 key whose ID and verifier key carry the cosignature type
    (0x04), so a witness's signature is never taken for the log's."""

    _TYPE: ClassVar[int] = _COSIGNATURE
    _WHAT: ClassVar[str] = "witness key"

    def cosign(self, body: str, timestamp: int) -> str:
        """The signature line this witness adds to the checkpoint `body`."""
        if not 0 <= timestamp < 1 << 63:
            raise NoteError("a cosignature's time is a POSIX timestamp")
        signature = self.private.sign(cosigned_message(body, timestamp))
        blob = self.key_id + timestamp.to_bytes(8, "big") + signature
        return f"{_DASH}{self.name} {base64.b64encode(blob).decode()}"


@dataclass(frozen=True)
class CosignatureVerifier:
    name: str
    id: bytes
    public: Ed25519PublicKey

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError("a witness's key reads name+id+key")
        name, hex_id, blob = parts
        _check_name(name)
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise NoteError("the witness's key is not base64") from None
        if len(raw) != 33 or raw[0] != _COSIGNATURE:
            raise NoteError("not a witness (Ed25519 cosignature, type 0x04) key")
        if _typed_key_id(name, _COSIGNATURE, raw[1:]).hex() != hex_id:
            raise NoteError(f"the key ID {hex_id} does not match the key")
        return cls(name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:]))

    def check(self, line: str, body: str) -> int:
        """The time of this witness's cosignature `line` on `body`, once it verifies."""
        if not line.startswith(_DASH):
            raise NoteError("a cosignature is a signature line")
        name, _, blob = line[len(_DASH) :].partition(" ")
        if name != self.name:
            raise NoteError(f"the cosignature is by {name}, not {self.name}")
        try:
            raw = base64.b64decode(blob, validate=True)
        except ValueError:
            raise NoteError("the cosignature is not base64") from None
        if len(raw) != 4 + 8 + 64 or raw[:4] != self.id:
            raise NoteError(f"the cosignature is not by the key {self.id.hex()}")
        timestamp = int.from_bytes(raw[4:12], "big")
        try:
            self.public.verify(raw[12:], cosigned_message(body, timestamp))
        except InvalidSignature:
            raise NoteError(f"the cosignature of {name} does not verify") from None
        return timestamp


def note_body(note: str) -> str:
    """A signed note's text (what its signatures cover), without checking any of them."""
    text, sep, _ = note.partition("\n\n")
    if not sep:
        raise NoteError("a signed note is its text, a blank line, and signature lines")
    return text + "\n"
