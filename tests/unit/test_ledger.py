"""The hash chain: intact chains pass, and any change is found at the entry it touched."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.canonical import sha256_hex
from ceasefire.domain.ledger import GENESIS_HASH, LedgerEntry, first_break, make_entry

T0 = datetime(2025, 4, 20, tzinfo=UTC)


def build_chain(payloads: list[str]) -> list[LedgerEntry]:
    entries: list[LedgerEntry] = []
    prev = GENESIS_HASH
    for seq, payload in enumerate(payloads, start=1):
        entry = make_entry(
            seq=seq,
            kind="ReportReceived",
            subject_id=f"r{seq}",
            recorded_at=T0 + timedelta(seconds=seq),
            payload=payload,
            payload_sha256=sha256_hex(payload),
            prev_hash=prev,
        )
        entries.append(entry)
        prev = entry.entry_hash
    return entries


payload_lists = st.lists(st.text(max_size=20), min_size=1, max_size=12)


@given(payload_lists)
def test_intact_chain_has_no_break(payloads: list[str]) -> None:
    assert first_break(build_chain(payloads)) is None


@given(payload_lists, st.data())
def test_changed_payload_is_found_at_its_entry(payloads: list[str], data: st.DataObject) -> None:
    chain = build_chain(payloads)
    index = data.draw(st.integers(0, len(chain) - 1))
    chain[index] = replace(chain[index], payload=chain[index].payload + "x")
    found = first_break(chain)
    assert found is not None
    assert found.seq == index + 1
    assert "payload" in found.reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kind": "ReviewRecorded"}, "entry hash"),
        ({"subject_id": "other"}, "entry hash"),
        ({"recorded_at": T0}, "entry hash"),
        ({"prev_hash": "f" * 64}, "does not link"),
    ],
)
def test_changed_header_is_found(change: dict[str, object], reason: str) -> None:
    chain = build_chain(["a", "b", "c"])
    chain[1] = replace(chain[1], **change)  # type: ignore[arg-type]
    found = first_break(chain)
    assert found is not None
    assert (found.seq, reason in found.reason) == (2, True)


def test_removed_entry_is_found_as_a_gap() -> None:
    chain = build_chain(["a", "b", "c"])
    del chain[1]
    found = first_break(chain)
    assert found is not None
    assert found.seq == 3
    assert "missing" in found.reason


def test_rehashed_entry_still_breaks_the_next_link() -> None:
    """Someone who edits an entry and recomputes its hashes still breaks the entry after it."""
    chain = build_chain(["a", "b", "c"])
    forged = make_entry(
        seq=2,
        kind="ReportReceived",
        subject_id="r2",
        recorded_at=chain[1].recorded_at,
        payload="forged",
        payload_sha256=sha256_hex("forged"),
        prev_hash=chain[0].entry_hash,
    )
    chain[1] = forged
    found = first_break(chain)
    assert found is not None
    assert found.seq == 3
