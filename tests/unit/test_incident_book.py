"""The incident book: numbering by smallest key, merges and splits by hand, late reports that
regroup what came after them, and the live path (a loader standing in for the tables, one
batch at a time) always equal to a replay of the log and to the plain statement of the rule."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain.incidents.book import (
    BookError,
    IncidentBook,
    Link,
    Membership,
    incident_label,
    incident_number,
)
from ceasefire.domain.incidents.grouping import DEFAULT_RULES, Footprint, group, share
from ceasefire.domain.taxonomy import Category

from ..conftest import examples

T = datetime(2025, 4, 20, 11, 0, tzinfo=UTC)
KM_LAT = 1 / 111.2


def fp(
    name: str,
    km_north: float = 0.0,
    minutes: float = 0.0,
    category: str = "artillery",
    *,
    source: str | None = None,
    updates: str | None = None,
) -> Footprint:
    start = T + timedelta(minutes=minutes)
    return Footprint(
        name,
        Category(category),
        37.9,
        48.3 + km_north * KM_LAT,
        200,
        start,
        start,
        source or f"src-{name}",
        updates,
    )


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


def test_a_report_between_two_events_joins_the_closer_and_never_bridges_them() -> None:
    book = IncidentBook()
    book.add(fp("a", 0), 10)
    book.add(fp("b", 3.6), 11)  # 3.6 km from a: its own incident
    number = book.add(fp("c", 2.0), 12)  # within reach of both: joins b, closer
    assert number == 11
    assert partition(book) == {frozenset({"a"}), frozenset({"b", "c"})}


def test_a_late_first_report_takes_over_the_event_and_numbers_follow_the_reports() -> None:
    book = IncidentBook()
    book.add(fp("b", 1.0, minutes=10), 5)
    book.add(fp("c", 2.5, minutes=12), 6)  # 1.5 km from b: joins it
    assert partition(book) == {frozenset({"b", "c"})}
    book.add(fp("a", 0.0, minutes=0), 9)  # earlier, 1 km from b, 2.5 km from c
    assert book.membership("b") == Membership("b", 5, 5, False, "a")
    assert book.membership("a") == Membership("a", 5, 9, False, "a")
    # c is out of a's reach: the late first report leaves it an event of its own.
    assert book.membership("c") == Membership("c", 6, 6, False, "c")


def test_one_source_reports_an_event_once_unless_it_updates() -> None:
    book = IncidentBook()
    book.add(fp("p1", 0, 0, source="patrol"), 1)
    book.add(fp("p2", 0.1, 15, source="patrol"), 2)  # 15 minutes later, same patrol
    book.add(fp("cam", 0.05, 1, source="camera"), 3)
    book.add(fp("p1-fix", 0.3, 2, source="patrol", updates="p1"), 4)
    assert partition(book) == {frozenset({"p1", "cam", "p1-fix"}), frozenset({"p2"})}


def test_an_update_that_arrives_first_joins_what_it_updates_when_that_comes() -> None:
    book = IncidentBook()
    book.add(fp("fix", 5.0, 30, source="patrol", updates="orig"), 1)
    assert partition(book) == {frozenset({"fix"})}
    book.add(fp("orig", 0, 0, source="patrol"), 2)
    assert partition(book) == {frozenset({"fix", "orig"})}
    assert book.membership("fix") == Membership("fix", 1, 1, False, "fix")


def test_merge_keeps_the_lower_number_and_refuses_what_does_not_exist() -> None:
    book = IncidentBook()
    book.add(fp("a", 0), 5)
    book.add(fp("b", 50), 9)
    assert book.merge(9, 5, seq=12) == 5
    assert book.members(5) == {"a", "b"}
    assert book.links() == [Link("b", "a", "merge", 12)]
    with pytest.raises(BookError, match="INC-9 is not a current incident"):
        book.merge(9, 5, seq=13)
    with pytest.raises(BookError, match="with itself"):
        book.merge(5, 5, seq=13)


def test_a_merge_survives_a_late_report_that_regroups_one_side() -> None:
    book = IncidentBook()
    book.add(fp("a", 0, 10), 5)
    book.add(fp("b", 50, 10), 9)
    book.merge(5, 9, seq=10)
    book.add(fp("z", 0.5, 0), 11)  # a late first report for a's event
    assert partition(book) == {frozenset({"a", "b", "z"})}


def test_split_pins_what_moved_out_so_no_later_report_joins_it() -> None:
    book = IncidentBook()
    book.add_all([(fp("a", 0), 1), (fp("b", 1.0, 1), 2), (fp("c", 1.5, 2), 3)])
    assert partition(book) == {frozenset({"a", "b", "c"})}
    new, rest = book.split(1, ["c"], split_seq=7)
    assert (new, rest) == (7, 1)
    assert book.members(7) == {"c"}
    assert book.members(1) == {"a", "b"}
    book.add(fp("d", 1.6, 3), 8)  # near c (pinned) and a: joins a, never c
    assert book.membership("d") == Membership("d", 1, 8, False, "a")
    assert book.membership("c") == Membership("c", 7, 7, True, None)


def test_splitting_off_the_first_report_lets_the_rule_regroup_the_rest() -> None:
    book = IncidentBook()
    book.add_all([(fp("a", 0), 1), (fp("b", 1.0, 1), 2), (fp("c", 1.5, 2), 3)])
    assert book.split(1, ["a"], split_seq=20) == (20, 2)
    assert book.members(2) == {"b", "c"}
    assert book.membership("c") == Membership("c", 2, 3, False, "b")


def test_a_split_lets_in_what_the_moved_report_kept_out() -> None:
    """q (source B) was turned away from f's incident because r, also B's, was in it; once r
    is split off, q joins f, though q is out of r's reach (found in review)."""
    for loader in (False, True):
        store = _Store()
        book = IncidentBook(loader=_Loader(store)) if loader else IncidentBook()
        for footprint, seq in (
            (fp("f", 0.0, 0, source="A"), 1),
            (fp("r", 1.5, 0, source="B"), 2),
            (fp("q", -1.5, 5, source="B"), 3),
        ):
            store.footprints[footprint.report_id] = footprint
            if loader:
                book = IncidentBook(loader=_Loader(store))
            book.add(footprint, seq)
            store.apply(book)
        assert partition(book if not loader else _stored(store)) == {
            frozenset({"f", "r"}),
            frozenset({"q"}),
        }
        if loader:
            book = IncidentBook(loader=_Loader(store))
        book.split(1, ["r"], split_seq=4)
        store.apply(book)
        result = book if not loader else _stored(store)
        assert partition(result) == {frozenset({"f", "q"}), frozenset({"r"})}


def test_a_split_cuts_the_merge_that_held_the_part_moved_out() -> None:
    book = IncidentBook()
    book.add(fp("a", 0), 1)
    book.add(fp("b", 50), 2)
    book.merge(1, 2, seq=3)
    book.split(1, ["b"], split_seq=4)
    assert partition(book) == {frozenset({"a"}), frozenset({"b"})}
    assert book.links() == []


@pytest.mark.parametrize(
    ("chosen", "message"),
    [([], "some, but not all"), (["a", "b"], "some, but not all"), (["zz"], "not in INC-1: zz")],
)
def test_impossible_splits_are_refused(chosen: list[str], message: str) -> None:
    book = IncidentBook()
    book.add_all([(fp("a", 0), 1), (fp("b", 1.0), 2)])
    with pytest.raises(BookError, match=message):
        book.split(1, chosen, split_seq=5)


def test_persistent_fire_from_one_patrol_is_one_incident_per_report() -> None:
    """The pattern a monitor sees most: one village shelled every 10-25 minutes for days."""
    book = IncidentBook()
    minutes, recorded = 0.0, []
    for k in range(300):
        recorded.append((fp(f"m{k:03d}", (k % 7) * 0.1, minutes, source="patrol-3"), k + 1))
        minutes += 10 + (k * 7) % 16
    book.add_all(recorded[:150])
    for item in recorded[150:]:
        book.add_all([item])
    assert len(partition(book)) == 300


def test_reports_without_a_place_stand_alone_in_a_mixed_batch() -> None:
    book = IncidentBook()
    nowhere = Footprint("p", Category.ARTILLERY, None, None, None, T, T, "src-p")
    book.add_all([(fp("a"), 1), (nowhere, 2), (fp("b", 0.5), 3), (fp("a"), 4)])  # a repeated
    assert partition(book) == {frozenset({"a", "b"}), frozenset({"p"})}
    assert book.membership("p") == Membership("p", 2, 2, False, "p")
    assert book.membership("a") == Membership("a", 1, 1, False, "a")


# -- properties ------------------------------------------------------------------------------

reports = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=8),  # km north
        st.floats(min_value=0, max_value=180),  # minutes
        st.sampled_from([0, 0, 5, 90, 1440]),  # window length, minutes
        st.sampled_from(["artillery", "explosion", "small_arms", "ground_assault"]),
        st.sampled_from([None, 0, 300, 4000]),  # uncertainty, m
        st.integers(min_value=0, max_value=4),  # source
        st.integers(min_value=-3, max_value=30),  # updates report n (when >= 0), or none
        st.booleans(),  # placed at all
    ),
    min_size=1,
    max_size=30,
)


def footprints_of(
    spec: list[tuple[float, float, int, str, int | None, int, int, bool]],
) -> list[Footprint]:
    made = []
    for n, (km, minutes, length, category, radius, source, updates, placed) in enumerate(spec):
        start = T + timedelta(minutes=minutes)
        made.append(
            Footprint(
                f"r{n:02d}",
                Category(category),
                37.9 if placed else None,
                48.3 + km * KM_LAT if placed else None,
                radius,
                start,
                start + timedelta(minutes=length),
                f"s{source}",
                f"r{updates:02d}" if 0 <= updates != n else None,
            )
        )
    return made


@settings(max_examples=examples(200))
@given(reports, st.randoms(use_true_random=False), st.integers(min_value=1, max_value=8))
def test_any_order_and_any_batching_gives_the_rules_incidents_numbered_by_smallest_keys(
    spec: list[tuple[float, float, int, str, int | None, int, int, bool]],
    rnd: object,
    batch: int,
) -> None:
    footprints = footprints_of(spec)
    shuffled = list(footprints)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    seqs = {f.report_id: 100 + k for k, f in enumerate(shuffled)}
    book = IncidentBook()
    for first in range(0, len(shuffled), batch):
        book.add_all((f, seqs[f.report_id]) for f in shuffled[first : first + batch])
    assert partition(book) == set(group(footprints))
    for row in book.rows():
        assert row.incident == min(seqs[r] for r in book.members(row.incident))


class _Store:
    """Stands in for the tables, and for the store's queries as a `Loader`: each answers
    exactly what it is asked (neighbours within reach, not a superset), so a book that forgets
    to ask for something it reads goes wrong here."""

    def __init__(self) -> None:
        self.footprints: dict[str, Footprint] = {}
        self.rows: dict[str, Membership] = {}
        self.links: set[Link] = set()

    def apply(self, book: IncidentBook) -> None:
        self.rows.update(book.changes.rows)
        self.links -= book.changes.links_removed
        self.links |= book.changes.links_added

    def _pair(self, report_id: str) -> tuple[Footprint, Membership]:
        return self.footprints[report_id], self.rows[report_id]

    def near(self, footprints: Sequence[Footprint]) -> Iterable[tuple[Footprint, Membership]]:
        for report_id, row in self.rows.items():
            stored = self.footprints[report_id]
            if not row.pinned and any(
                share(stored, f, DEFAULT_RULES) is not None for f in footprints
            ):
                yield self._pair(report_id)

    def incidents(self, numbers: Collection[int]) -> Iterable[tuple[Footprint, Membership]]:
        return [self._pair(r) for r, row in self.rows.items() if row.incident in numbers]

    def reports(self, report_ids: Collection[str]) -> Iterable[tuple[Footprint, Membership]]:
        return [self._pair(r) for r in report_ids if r in self.rows]

    def links_of(self, report_ids: Collection[str]) -> list[Link]:
        return [k for k in self.links if k.report_id in report_ids or k.other_id in report_ids]


class _Loader:
    def __init__(self, store: _Store) -> None:
        self.store = store
        self.near = store.near
        self.incidents = store.incidents
        self.reports = store.reports
        self.links = store.links_of


steps = st.lists(
    st.one_of(
        st.tuples(st.just("batch"), st.integers(min_value=1, max_value=5)),
        st.tuples(st.just("merge"), st.integers(min_value=0, max_value=10**6)),
        st.tuples(st.just("split"), st.integers(min_value=0, max_value=10**6)),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=examples(200))
@given(reports, steps, st.randoms(use_true_random=False))
def test_live_batches_with_merges_and_splits_equal_a_replay_of_the_log(
    spec: list[tuple[float, float, int, str, int | None, int, int, bool]],
    plan: list[tuple[str, int]],
    rnd: object,
) -> None:
    pending = footprints_of(spec)
    rnd.shuffle(pending)  # type: ignore[attr-defined]
    store, seq = _Store(), 0
    log: list[tuple[object, ...]] = []
    for kind, n in plan:
        book = IncidentBook(loader=_Loader(store))
        if kind == "batch":
            batch, pending = pending[:n], pending[n:]
            recorded = []
            for footprint in batch:
                seq += 1
                store.footprints[footprint.report_id] = footprint
                recorded.append((footprint, seq))
                log.append(("add", footprint, seq))
            book.add_all(recorded)
            store.apply(book)
            continue
        incidents = sorted({row.incident for row in store.rows.values()})
        if kind == "merge" and len(incidents) >= 2:
            a, b = incidents[n % len(incidents)], incidents[(n // 7 + 1) % len(incidents)]
            if a != b:
                seq += 1
                book.merge(a, b, seq)
                store.apply(book)
                log.append(("merge", a, b, seq))
        elif kind == "split":
            big = [i for i in incidents if sum(r.incident == i for r in store.rows.values()) > 1]
            if big:
                target = big[n % len(big)]
                members = sorted(r for r, row in store.rows.items() if row.incident == target)
                chosen = members[: 1 + n % (len(members) - 1)]
                seq += 1
                book.split(target, chosen, seq)
                store.apply(book)
                log.append(("split", target, chosen, seq))
    replay = IncidentBook()
    for entry in log:
        if entry[0] == "add":
            replay.add(entry[1], entry[2])  # type: ignore[arg-type]
        elif entry[0] == "merge":
            replay.merge(entry[1], entry[2], entry[3])  # type: ignore[arg-type]
        else:
            replay.split(entry[1], entry[2], entry[3])  # type: ignore[arg-type]
    assert {r.report_id: r for r in replay.rows()} == store.rows
    assert set(replay.links()) == store.links
    for row in store.rows.values():  # the numbering rule holds after every kind of step
        members = [r for r in store.rows.values() if r.incident == row.incident]
        assert row.incident == min(m.key for m in members)
    if all(entry[0] == "add" for entry in log):  # no hand: the rule's own incidents
        assert partition(replay) == set(group(e[1] for e in log))  # type: ignore[misc]


def _stored(store: _Store) -> IncidentBook:
    """A book holding every stored row (to read the store's partition with `partition`)."""
    book = IncidentBook()
    for report_id, row in store.rows.items():
        book.seed(store.footprints[report_id], row)
    return book
