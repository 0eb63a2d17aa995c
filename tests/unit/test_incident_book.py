"""The incident book: numbering by smallest key, merges and splits by hand, and the live path
(seeded with stored neighbours, one batch at a time) always equal to a replay of the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.incidents.book import (
    BookError,
    IncidentBook,
    Membership,
    incident_label,
    incident_number,
)
from ceasefire.domain.incidents.grouping import Footprint, group
from ceasefire.domain.taxonomy import Category

T = datetime(2025, 4, 20, 11, 0, tzinfo=UTC)
KM_LAT = 1 / 111.2


def fp(
    name: str, km_north: float = 0.0, minutes: float = 0.0, category: str = "artillery"
) -> Footprint:
    start = T + timedelta(minutes=minutes)
    return Footprint(name, Category(category), 37.9, 48.3 + km_north * KM_LAT, 200, start, start)


def partition(book: IncidentBook) -> set[frozenset[str]]:
    by: dict[int, set[str]] = {}
    for row in book.rows():
        by.setdefault(row.incident, set()).add(row.report_id)
    return {frozenset(m) for m in by.values()}


def test_labels_round_trip() -> None:
    assert incident_label(42) == "INC-42"
    assert [incident_number(t) for t in ("INC-42", "inc42", " 42 ", "INC-x", "")] == [
        42,
        42,
        42,
        None,
        None,
    ]


def test_a_report_joins_the_lowest_numbered_incident_it_links_and_the_others_are_renamed() -> None:
    book = IncidentBook()
    book.add(fp("a", 0), 10)
    book.add(fp("b", 3.6), 11)  # 3.6 km from a: its own incident
    assert partition(book) == {frozenset({"a"}), frozenset({"b"})}
    number = book.add(fp("c", 1.8), 12)  # within 2 km of both: the bridge
    assert number == 10
    assert book.changes.renames == [(11, 10)]
    assert partition(book) == {frozenset({"a", "b", "c"})}


def test_merge_keeps_the_lower_number_and_refuses_what_does_not_exist() -> None:
    book = IncidentBook()
    book.add(fp("a", 0), 5)
    book.add(fp("b", 50), 9)
    assert book.merge(9, 5) == 5
    assert book.members(5) == {"a", "b"}
    with pytest.raises(BookError, match="INC-9 is not a current incident"):
        book.merge(9, 5)
    with pytest.raises(BookError, match="with itself"):
        book.merge(5, 5)


def test_split_pins_what_moved_out_so_no_later_report_bridges_it_back() -> None:
    book = IncidentBook()
    book.add_all([(fp("a", 0), 1), (fp("b", 1.0), 2), (fp("c", 2.0), 3)])
    new, rest = book.split(1, ["c"], split_seq=7)
    assert (new, rest) == (7, 1)
    assert book.members(7) == {"c"}
    assert book.members(1) == {"a", "b"}
    book.add(fp("d", 3.5), 8)  # near c (pinned) only: not linked to it
    assert book.membership("d") == Membership("d", 8, 8, pinned=False)
    book.add(fp("e", 1.5), 9)  # near b: joins the rest
    assert book.membership("e") is not None
    assert book.membership("e").incident == 1


def test_splitting_off_the_founder_renumbers_the_rest_by_its_smallest_key() -> None:
    book = IncidentBook()
    book.add_all([(fp("a", 0), 1), (fp("b", 1.0), 2), (fp("c", 2.0), 3)])
    assert book.split(1, ["a"], split_seq=20) == (20, 2)
    assert book.members(2) == {"b", "c"}


@pytest.mark.parametrize(
    ("chosen", "message"),
    [([], "some, but not all"), (["a", "b"], "some, but not all"), (["zz"], "not in INC-1: zz")],
)
def test_impossible_splits_are_refused(chosen: list[str], message: str) -> None:
    book = IncidentBook()
    book.add_all([(fp("a", 0), 1), (fp("b", 1.0), 2)])
    with pytest.raises(BookError, match=message):
        book.split(1, chosen, split_seq=5)


# -- properties ------------------------------------------------------------------------------

events = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=12),  # km north
        st.floats(min_value=0, max_value=180),  # minutes
        st.sampled_from(["artillery", "explosion", "small_arms", "drone_strike"]),
    ),
    min_size=1,
    max_size=30,
)


@given(events, st.randoms(use_true_random=False))
def test_partition_depends_only_on_the_set_and_numbers_are_smallest_seqs(
    spec: list[tuple[float, float, str]], rnd: object
) -> None:
    footprints = [fp(f"r{i:02d}", km, minutes, cat) for i, (km, minutes, cat) in enumerate(spec)]
    seqs = {f.report_id: 100 + i for i, f in enumerate(footprints)}
    shuffled = list(footprints)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    book = IncidentBook()
    book.add_all((f, seqs[f.report_id]) for f in shuffled)
    assert partition(book) == set(group(footprints))
    for row in book.rows():
        assert row.incident == min(seqs[r] for r in book.members(row.incident))


class _Store:
    """Stands in for the tables: rows by report, renames applied to every stored row, as
    `write_changes` does."""

    def __init__(self) -> None:
        self.footprints: dict[str, Footprint] = {}
        self.rows: dict[str, Membership] = {}

    def apply(self, book: IncidentBook) -> None:
        for old, new in book.changes.renames:
            for key, row in list(self.rows.items()):
                if row.incident == old:
                    self.rows[key] = Membership(key, new, row.key, row.pinned)
        self.rows.update(book.changes.rows)

    def near(self, batch: list[Footprint]) -> IncidentBook:
        """A book seeded with every stored unpinned report (a superset of the neighbours)."""
        book = IncidentBook()
        for report_id, row in self.rows.items():
            if not row.pinned:
                book.seed(self.footprints[report_id], row)
        return book

    def of(self, *incidents: int) -> IncidentBook:
        book = IncidentBook()
        for report_id, row in self.rows.items():
            if row.incident in incidents:
                book.seed(self.footprints[report_id], row)
        return book


steps = st.lists(
    st.one_of(
        st.tuples(st.just("batch"), st.integers(min_value=1, max_value=5)),
        st.tuples(st.just("merge"), st.integers(min_value=0, max_value=10**6)),
        st.tuples(st.just("split"), st.integers(min_value=0, max_value=10**6)),
    ),
    min_size=1,
    max_size=12,
)


@given(events, steps)
def test_live_batches_with_merges_and_splits_equal_a_replay_of_the_log(
    spec: list[tuple[float, float, str]], plan: list[tuple[str, int]]
) -> None:
    pending = [fp(f"r{i:02d}", km, m, cat) for i, (km, m, cat) in enumerate(spec)]
    store, replay, seq, log = _Store(), IncidentBook(), 0, []
    for kind, n in plan:
        if kind == "batch":
            batch, pending = pending[:n], pending[n:]
            book = store.near(batch)
            for footprint in batch:
                seq += 1
                store.footprints[footprint.report_id] = footprint
                book.add(footprint, seq)
                log.append(("add", footprint, seq))
            store.apply(book)
            continue
        incidents = sorted({row.incident for row in store.rows.values()})
        if kind == "merge" and len(incidents) >= 2:
            a, b = incidents[n % len(incidents)], incidents[(n // 7 + 1) % len(incidents)]
            if a != b:
                book = store.of(a, b)
                book.merge(a, b)
                store.apply(book)
                log.append(("merge", a, b))
        elif kind == "split":
            big = [i for i in incidents if sum(r.incident == i for r in store.rows.values()) > 1]
            if big:
                target = big[n % len(big)]
                members = sorted(r for r, row in store.rows.items() if row.incident == target)
                chosen = members[: 1 + n % (len(members) - 1)]
                seq += 1
                book = store.of(target)
                book.split(target, chosen, seq)
                store.apply(book)
                log.append(("split", target, chosen, seq))
    for entry in log:
        if entry[0] == "add":
            replay.add(entry[1], entry[2])
        elif entry[0] == "merge":
            replay.merge(entry[1], entry[2])
        else:
            replay.split(entry[1], entry[2], entry[3])
    assert {r.report_id: r for r in replay.rows()} == store.rows
    for row in store.rows.values():  # the numbering rule holds after every kind of step
        members = [r for r in store.rows.values() if r.incident == row.incident]
        assert row.incident == min(m.key for m in members)


windows = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=30),  # km north
        st.floats(min_value=0, max_value=3000),  # minutes
        st.sampled_from([0, 5, 90, 1440, 10080, 40000]),  # window length, minutes
        st.sampled_from(["artillery", "small_arms", "ground_assault", "mine_ied"]),
        st.sampled_from([None, 0, 300, 4000, 150000]),  # uncertainty, m (capped at 5 km)
        st.booleans(),  # placed at all
    ),
    min_size=1,
    max_size=40,
)


@given(windows, st.integers(min_value=1, max_value=40))
def test_batches_linked_in_compiled_code_equal_the_reference_grouper(
    spec: list[tuple[float, float, int, str, int | None, bool]], batch: int
) -> None:
    """The columnar path (k-d tree per window class, exact filter) finds exactly the links the
    simple one-at-a-time `Grouper` finds, whatever the windows and radii, in any batching."""
    footprints = []
    for i, (km, minutes, length, category, radius, placed) in enumerate(spec):
        start = T + timedelta(minutes=minutes)
        footprints.append(
            Footprint(
                f"r{i:02d}",
                Category(category),
                37.9 + (i % 3) * 0.01 if placed else None,
                48.3 + km * KM_LAT if placed else None,
                radius,
                start,
                start + timedelta(minutes=length),
            )
        )
    book = IncidentBook()
    for first in range(0, len(footprints), batch):
        book.add_all((f, 10 + first + k) for k, f in enumerate(footprints[first : first + batch]))
    assert partition(book) == set(group(footprints))


def test_a_report_without_a_place_does_not_hide_the_record_from_its_batch() -> None:
    book = IncidentBook()
    book.add(fp("a"), 1)
    nowhere = Footprint("p", Category.ARTILLERY, None, None, None, T, T)
    book.add_all([(nowhere, 2), (fp("b", 0.5), 3)])
    assert partition(book) == {frozenset({"a", "b"}), frozenset({"p"})}


def test_reports_without_a_place_stand_alone_in_a_mixed_batch() -> None:
    book = IncidentBook()
    nowhere = Footprint("p", Category.ARTILLERY, None, None, None, T, T)
    book.add_all([(fp("a"), 1), (nowhere, 2), (fp("b", 0.5), 3), (fp("a"), 4)])  # a repeated
    assert partition(book) == {frozenset({"a", "b"}), frozenset({"p"})}
    assert book.membership("p") == Membership("p", 2, 2, pinned=False)
    assert book.membership("a") == Membership("a", 1, 1, pinned=False)
