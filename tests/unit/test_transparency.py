"""The transparency log's core against published vectors: the Certificate Transparency
reference tree (RFC 6962/9162 hashing, inclusion and consistency proofs) and the Go
`sumdb/note` example signed note (C2SP signed-note, Ed25519)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.transparency import (
    EMPTY_ROOT,
    Checkpoint,
    CosignatureVerifier,
    Cosigner,
    Frontier,
    NoteError,
    NoteSigner,
    NoteVerifier,
    consistency_path,
    consistency_proof,
    extend_tiles,
    grow_tile,
    inclusion_path,
    inclusion_proof,
    leaf_hash,
    open_note,
    root,
    tail_keys,
    tile_levels,
    tile_node,
    tile_width,
    verify_consistency,
    verify_inclusion,
)
from ceasefire.domain.witness import judge

# The reference leaves and tree heads of the Certificate Transparency test suites.
DATA = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
LEAVES = [leaf_hash(d) for d in DATA]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf number, counted from 1; tree size; audit path)
INCLUSION = [
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def test_the_reference_tree_heads() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    frontier = Frontier()
    for n in range(1, 9):
        frontier.append(LEAVES[n - 1])
        assert root(LEAVES[:n]).hex() == ROOTS[n]
        assert frontier.root().hex() == ROOTS[n]


@pytest.mark.parametrize(("number", "size", "path"), INCLUSION)
def test_the_reference_inclusion_proofs(number: int, size: int, path: list[str]) -> None:
    proof = inclusion_proof(number - 1, LEAVES[:size])
    assert [p.hex() for p in proof] == path
    good = bytes.fromhex(ROOTS[size])
    assert verify_inclusion(number - 1, size, LEAVES[number - 1], proof, good)
    assert not verify_inclusion(number - 1, size, LEAVES[number - 1], proof, EMPTY_ROOT)
    assert not verify_inclusion(number % size, size, LEAVES[number - 1], proof, good)


@pytest.mark.parametrize(("first", "second", "path"), CONSISTENCY)
def test_the_reference_consistency_proofs(first: int, second: int, path: list[str]) -> None:
    proof = consistency_proof(first, LEAVES[:second])
    assert [p.hex() for p in proof] == path
    one, two = bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second])
    assert verify_consistency(first, second, proof, one, two)
    if first != second:
        assert not verify_consistency(first, second, proof, two, two)


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_every_leaf_is_proved_in_and_every_prefix_consistent(
    entries: list[bytes], data: st.DataObject
) -> None:
    leaves = [leaf_hash(e) for e in entries]
    n = len(leaves)
    head = root(leaves)
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    assert frontier.root() == head
    index = data.draw(st.integers(0, n - 1))
    proof = inclusion_proof(index, leaves)
    assert verify_inclusion(index, n, leaves[index], proof, head)
    assert not verify_inclusion(index, n, leaf_hash(b"forged"), proof, head)
    first = data.draw(st.integers(1, n))
    earlier = root(leaves[:first])
    steps = consistency_proof(first, leaves)
    assert verify_consistency(first, n, steps, earlier, head)
    # a rewritten past entry: the earlier checkpoint no longer extends to the new head
    if first < n:
        rewritten = [leaf_hash(b"rewritten"), *leaves[1:]]
        assert not verify_consistency(
            first, n, consistency_proof(first, rewritten), earlier, root(rewritten)
        )


@given(
    st.lists(st.integers(1, 300), min_size=1, max_size=8),
    st.data(),
)
def test_proofs_from_stored_tiles_are_the_proofs_of_the_leaves(
    batches: list[int], data: st.DataObject
) -> None:
    """However the log grew (batches across tile edges), the tiles answer every complete
    subtree, and the proofs drawn from them are the RFC's proofs of the leaves themselves."""
    tiles: dict[tuple[int, int], bytes] = {}
    leaves: list[bytes] = []
    for count in batches:
        new = [leaf_hash(str(len(leaves) + i).encode()) for i in range(count)]
        tails = {key: tiles[key] for key in tail_keys(len(leaves))}
        tiles.update(extend_tiles(len(leaves), tails, new))
        leaves += new
    n = len(leaves)

    def node(height: int, index: int) -> bytes:
        return tile_node(height, index, tiles.__getitem__)

    index = data.draw(st.integers(0, n - 1))
    assert inclusion_path(index, n, node) == inclusion_proof(index, leaves)
    first = data.draw(st.integers(1, n))
    assert consistency_path(first, n, node) == consistency_proof(first, leaves)
    assert set(tiles) >= set(tail_keys(n))


def test_a_million_leaves_need_three_levels_of_tiles() -> None:
    assert tail_keys(0) == []
    assert tail_keys(256) == [(1, 0)]
    assert tail_keys(1_000_000) == [(0, 3906), (1, 15), (2, 0)]


# The example of golang.org/x/mod/sumdb/note: Ed25519 is deterministic, so the same key and
# text give the published note byte for byte.
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
NOTE = (
    TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FF"
    "YC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_the_go_note_example_byte_for_byte() -> None:
    signer = NoteSigner.from_skey(SKEY)
    assert signer.vkey == VKEY
    assert signer.sign(TEXT) == NOTE
    assert signer.skey() == SKEY
    verifier = NoteVerifier.from_vkey(VKEY)
    assert open_note(NOTE, verifier) == (TEXT, [])
    with pytest.raises(NoteError, match="does not verify"):
        open_note(NOTE.replace("cryptography", "cryptographY"), verifier)
    other = NoteVerifier.from_vkey(NoteSigner.generate("EnochRoot").vkey)
    with pytest.raises(NoteError, match="no signature of EnochRoot"):
        open_note(NOTE, other)
    with pytest.raises(NoteError, match="key ID"):
        NoteVerifier.from_vkey(VKEY.replace("c74f20a3", "c74f20a4"))


def test_a_checkpoint_is_signed_and_read_back() -> None:
    signer = NoteSigner.generate("ceasefire.example/mission")
    checkpoint = Checkpoint("ceasefire.example/mission", 8, bytes.fromhex(ROOTS[8]))
    note = signer.sign(checkpoint.body())
    assert note.startswith("ceasefire.example/mission\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqt")
    text, _ = open_note(note, NoteVerifier.from_vkey(signer.vkey))
    assert Checkpoint.parse(text) == checkpoint
    with pytest.raises(NoteError, match="tree size"):
        Checkpoint.parse("origin\n08\n" + checkpoint.body().split("\n")[2] + "\n")


def test_a_cosignature_covers_the_checkpoint_and_its_time() -> None:
    witness = Cosigner.generate("witness.example/w1")
    verifier = CosignatureVerifier.from_vkey(witness.vkey)
    body = Checkpoint("example.com/log", 5, b"\x01" * 32).body()
    line = witness.cosign(body, 1_700_000_000)
    assert verifier.check(line, body) == 1_700_000_000
    with pytest.raises(NoteError, match="does not verify"):
        verifier.check(line, Checkpoint("example.com/log", 6, b"\x01" * 32).body())
    # a witness key is not a log key: the key types keep the two apart
    with pytest.raises(NoteError):
        NoteVerifier.from_vkey(witness.vkey)
    with pytest.raises(NoteError):
        CosignatureVerifier.from_vkey(NoteSigner.generate("example.com/log").vkey)
    assert Cosigner.from_skey(witness.skey()).vkey == witness.vkey


def _checkpoints(n: int) -> tuple[NoteSigner, list[bytes], dict[int, str]]:
    log = NoteSigner.generate("example.com/log")
    leaves = [leaf_hash(str(i).encode()) for i in range(n)]
    notes = {
        size: log.sign(Checkpoint(log.name, size, root(leaves[:size])).body())
        for size in range(1, n + 1)
    }
    return log, leaves, notes


def test_a_witness_accepts_only_an_extension_of_what_it_cosigned() -> None:
    log, leaves, notes = _checkpoints(9)
    verifier = NoteVerifier.from_vkey(log.vkey)
    assert judge(verifier, None, notes[3], []).accepted  # trusted on first use
    assert judge(verifier, notes[3], notes[3], []).accepted
    good = consistency_proof(3, leaves[:9])
    assert judge(verifier, notes[3], notes[9], good).accepted
    shrank = judge(verifier, notes[9], notes[3], [])
    assert not shrank.accepted
    assert "shrank" in shrank.reason
    rewritten = [leaf_hash(b"rewritten"), *leaves[1:]]
    forged = log.sign(Checkpoint(log.name, 9, root(rewritten)).body())
    split = judge(verifier, notes[9], forged, [])
    assert not split.accepted
    assert "split view" in split.reason
    history = judge(verifier, notes[3], forged, consistency_proof(3, rewritten))
    assert not history.accepted
    assert "rewritten" in history.reason
    stranger = NoteSigner.generate("example.com/log")
    assert not judge(
        verifier, notes[3], stranger.sign(Checkpoint(log.name, 9, root(leaves)).body()), good
    ).accepted


@given(st.lists(st.integers(1, 40), min_size=1, max_size=12))
def test_a_tile_grown_piece_by_piece_is_the_tile_of_its_whole_row(pieces: list[int]) -> None:
    row = [leaf_hash(str(i).encode()) for i in range(min(sum(pieces), 256))]
    tile, at = b"", 0
    for count in pieces:
        piece = row[at : at + count]
        if not piece:
            break
        tile = grow_tile(tile, b"".join(piece))
        at += len(piece)
    assert tile == tile_levels(b"".join(row[:at]))
    assert tile_width(tile) == at
    if at == 256:
        assert tile[-32:] == root(row)  # a full tile ends with its root


def test_after_a_key_rotation_the_new_key_must_still_extend_what_was_cosigned() -> None:
    old_key, leaves, notes = _checkpoints(9)
    new_key = NoteSigner.generate(old_key.name)
    old, new = NoteVerifier.from_vkey(old_key.vkey), NoteVerifier.from_vkey(new_key.vkey)
    grown = new_key.sign(Checkpoint(old_key.name, 9, root(leaves)).body())
    proof = consistency_proof(3, leaves)
    assert judge(new, notes[3], grown, proof, previous_log=old).accepted
    rewritten = [leaf_hash(b"rewritten"), *leaves[1:]]
    other = new_key.sign(Checkpoint(old_key.name, 9, root(rewritten)).body())
    refused = judge(new, notes[3], other, consistency_proof(3, rewritten), previous_log=old)
    assert not refused.accepted
    assert "rewritten" in refused.reason
