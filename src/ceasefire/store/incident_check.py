"""Replaying the log into incidents, to check the stored ones, rebuild them, or regroup a record
built under an earlier grouping rule.

Membership rows, links and the reports each review judged are derived: the live path writes
them batch by batch from what it reads of the tables; this replays the whole log through the
same book. Any difference is a fault (a bug, or rows edited by hand) that `ceasefire incidents
rebuild` repairs.

A record grouped under the earlier rule (single linkage: a chain of shellings became one
incident) is brought to the first-report rule by `regroup`, which `ceasefire init` runs after
migrating: it writes the reports each review judged (its incident as it stood when the review
was made, by replaying the earlier rule: `legacy.SingleLinkage`) into the log as an
`IncidentsRegrouped` entry, then rebuilds. Analysts' numbers still
resolve (an incident number is a report's key), reviews stay with the events they judged, and
the log says when and why every number changed.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from ceasefire.clock import utc_now
from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.incidents.book import (
    Changes,
    IncidentBook,
    Link,
    Membership,
    incident_label,
)
from ceasefire.domain.incidents.grouping import Footprint
from ceasefire.domain.incidents.legacy import SingleLinkage
from ceasefire.domain.incidents.review import (
    Action,
    Review,
    review_from_content,
    undo_split,
)
from ceasefire.store.incident_store import (
    FOOTPRINT_COLUMNS,
    all_judged,
    all_links,
    all_memberships,
    footprint_of,
    stored_reviews,
    write_changes,
    write_judged,
)
from ceasefire.store.ledger_store import append_entry
from ceasefire.store.schema import (
    incident_links,
    incident_members,
    incident_rebuilds,
    ledger,
    reports,
    review_reports,
)

_PAGE = 20_000
INCIDENTS_REGROUPED = "IncidentsRegrouped"
GROUPING_RULE = "first-report"  # the rule's name in the log (grouping.py states it)


@dataclass(frozen=True, slots=True)
class MembershipProblem:
    what: str  # the first difference, in a sentence

    def __str__(self) -> str:
        return f"{self.what} (run `ceasefire incidents rebuild`)"


@dataclass
class Replay:
    book: IncidentBook
    judged: set[tuple[int, str]]  # (review seq, report id)


@dataclass(frozen=True, slots=True)
class _Regrouped:
    seq: int
    judged: dict[int, list[str]]


def replay(connection: Connection) -> Replay:
    """The incidents as the log builds them: reports, merge and split reviews, and regroup
    entries in log order, through one book holding the whole record."""
    book = IncidentBook()
    judged: dict[int, set[str]] = {}
    reviews = [
        review_from_content(s.seq, s.recorded_at, s.content) for s in stored_reviews(connection)
    ]
    steps: Iterator[tuple[int, Footprint | Review | _Regrouped]] = heapq.merge(
        ((seq, footprint) for footprint, seq in _recorded(connection)),
        ((review.seq, review) for review in reviews),
        ((entry.seq, entry) for entry in _regroupings(connection)),
        key=lambda step: step[0],
    )
    by_seq: dict[int, str] = {}  # each report's own ledger seq, for numbers that moved on
    splits = {r.seq: r for r in reviews if r.action is Action.SPLIT}
    batch: list[tuple[Footprint, int]] = []
    for seq, step in steps:
        if isinstance(step, Footprint):
            batch.append((step, seq))  # reports between other steps: one batch
            by_seq[seq] = step.report_id
            continue
        book.add_all(batch)
        batch = []
        if isinstance(step, _Regrouped):
            judged.update({review: set(ids) for review, ids in step.judged.items()})
            continue
        resolve = _Resolver(book, by_seq, splits)
        numbered = [resolve(n) for n in (step.incident, step.other) if n is not None]
        judged[step.seq] = {
            member
            for report_id in numbered
            if report_id is not None and (row := book.membership(report_id)) is not None
            for member in book.members(row.incident)
        }
        if step.action is Action.SPLIT:
            undo_split(judged, step.seq, step.reports)  # as the live path does
        _apply(book, step, numbered)
    book.add_all(batch)
    return Replay(book, {(seq, r) for seq, ids in judged.items() for r in ids})


class _Resolver:
    """A number a review named, to the report it is named after: the report keyed with it in
    the incident of that number, or (in a record regrouped since the review) the report
    recorded at that seq, or the first report the split of that seq moved."""

    def __init__(self, book: IncidentBook, by_seq: dict[int, str], splits: dict[int, Review]):
        self.book, self.by_seq, self.splits = book, by_seq, splits

    def __call__(self, number: int) -> str | None:
        try:
            return self.book.numbered(number)
        except ValueError:
            pass
        if number in self.by_seq:
            return self.by_seq[number]
        split = self.splits.get(number)
        return min(split.reports) if split is not None and split.reports else None


def _apply(book: IncidentBook, review: Review, numbered: list[str | None]) -> None:
    if review.action is Action.MERGE:
        a, b = numbered
        if a is not None and b is not None and book.held(a) and book.held(b):
            book.link(a, b, review.seq)
    elif review.action is Action.SPLIT:
        chosen = [r for r in review.reports if book.held(r)]
        if chosen:
            book.pin(chosen, review.seq)


def _recorded(connection: Connection) -> Iterator[tuple[Footprint, int]]:
    columns = (*FOOTPRINT_COLUMNS, reports.c.ledger_seq)
    after = 0
    while True:
        rows = connection.execute(
            select(*columns)
            .where(reports.c.ledger_seq > after)
            .order_by(reports.c.ledger_seq)
            .limit(_PAGE)
        ).all()
        if not rows:
            return
        for row in rows:
            yield footprint_of(row), int(row.ledger_seq)
        after = int(rows[-1].ledger_seq)


def _regroupings(connection: Connection) -> list[_Regrouped]:
    query = select(ledger.c.seq, ledger.c.payload).where(ledger.c.kind == INCIDENTS_REGROUPED)
    found = []
    for seq, payload in connection.execute(query.order_by(ledger.c.seq)):
        content = json.loads(payload)
        judged = {int(review): list(ids) for review, ids in content["judged"].items()}
        found.append(_Regrouped(int(seq), judged))
    return found


def membership_problem(connection: Connection) -> MembershipProblem | None:
    """The first difference between the stored incidents and a replay of the log: a report's
    membership (by report id), a link, or the reports a review judged."""
    replayed = replay(connection)
    want = {row.report_id: row for row in replayed.book.rows()}
    have = all_memberships(connection)
    for report_id in sorted(set(want) | set(have)):
        if want.get(report_id) != have.get(report_id):
            return MembershipProblem(
                f"incident membership of report {report_id}: the table says "
                f"{_shown(have.get(report_id))}, a replay of the log gives "
                f"{_shown(want.get(report_id))}"
            )
    links_want, links_have = set(replayed.book.links()), all_links(connection)
    if links_want != links_have:
        link = min(links_want ^ links_have)
        where = (
            "the table has it, a replay of the log does not"
            if link in links_have
            else ("a replay of the log has it, the table does not")
        )
        return MembershipProblem(f"incident link {_link(link)}: {where}")
    judged_have = all_judged(connection)
    if replayed.judged != judged_have:
        seq, report_id = min(replayed.judged ^ judged_have)
        where = "the table says so" if (seq, report_id) in judged_have else "the log says so"
        return MembershipProblem(f"review entry {seq} judged report {report_id}: only {where}")
    return None


def _shown(row: Membership | None) -> str:
    if row is None:
        return "no incident"
    return incident_label(row.incident) + (" (split off by hand)" if row.pinned else "")


def _link(link: Link) -> str:
    return f"{link.report_id}-{link.other_id} ({link.kind}, entry {link.seq})"


def rebuild(connection: Connection) -> int:
    """Replace the derived rows with the replay's; returns the number of incidents."""
    replayed = replay(connection)
    for table in (incident_members, incident_links, review_reports):
        connection.execute(delete(table))
    rows = replayed.book.rows()
    every = {row.report_id for row in rows}
    head = connection.execute(select(func.max(ledger.c.seq))).scalar_one() or 0
    write_changes(
        connection,
        Changes(
            rows={row.report_id: row for row in rows},
            new=every,
            links_added=set(replayed.book.links()),
        ),
        seq=int(head),
    )
    write_judged(connection, replayed.judged)
    count = len({row.incident for row in rows})
    # No ledger entry says the rows were replaced; this row does, for whatever a running server
    # keeps of them (`incident_store.record_state`).
    connection.execute(
        insert(incident_rebuilds).values(at_seq=int(head), rebuilt_at=utc_now(), incidents=count)
    )
    return count


def group_ungrouped(connection: Connection) -> int | None:
    """After an upgrade from a schema without incidents: group the reports it holds. Returns
    the number of incidents, or None when every report already has its incident."""
    has_reports = connection.execute(select(reports.c.report_id).limit(1)).first()
    has_members = connection.execute(select(incident_members.c.report_id).limit(1)).first()
    if has_reports is None or has_members is not None:
        return None
    return rebuild(connection)


@dataclass(frozen=True, slots=True)
class Regrouping:
    incidents_before: int
    incidents_after: int
    reviews: int  # reviews whose judged reports were written into the log
    seq: int  # the log entry that records it


def needs_regroup(connection: Connection) -> bool:
    """Whether the stored incidents were grouped under the earlier rule (no first reports)."""
    query = select(incident_members.c.report_id).where(
        incident_members.c.first_id.is_(None), incident_members.c.pinned.is_(False)
    )
    return connection.execute(query.limit(1)).first() is not None


def regroup(connection: Connection, clock: Callable[[], datetime]) -> Regrouping:
    """Bring a record grouped under the earlier rule to this one (inside the caller's write
    transaction): record in the log which reports each review judged (`_judged_so_far`), then
    rebuild from the log."""
    before = connection.execute(
        select(func.count(func.distinct(incident_members.c.incident_no)))
    ).scalar_one()
    judged = _judged_so_far(connection)
    content: dict[str, Any] = {
        "rule": GROUPING_RULE,
        "why": "incidents regrouped under the first-report rule: an incident is one event",
        "incidents_before": int(before),
        "judged": {str(seq): ids for seq, ids in sorted(judged.items())},
    }
    seq, _ = append_entry(
        connection, clock, INCIDENTS_REGROUPED, "incidents", canonical_json(content)
    )
    after = rebuild(connection)
    return Regrouping(int(before), after, len(judged), seq)


def _judged_so_far(connection: Connection) -> dict[int, list[str]]:
    """For each review: the reports of the incidents it named as they stood when it was made,
    by replaying the earlier rule (`legacy.SingleLinkage`) up to it."""
    reviews = [
        review_from_content(s.seq, s.recorded_at, s.content) for s in stored_reviews(connection)
    ]
    old = SingleLinkage()
    steps: Iterator[tuple[int, Footprint | Review]] = heapq.merge(
        ((seq, footprint) for footprint, seq in _recorded(connection)),
        ((review.seq, review) for review in reviews),
        key=lambda step: step[0],
    )
    judged: dict[int, set[str]] = {}
    batch: list[tuple[Footprint, int]] = []
    for seq, step in steps:
        if isinstance(step, Footprint):
            batch.append((step, seq))
            continue
        old.add_all(batch)
        batch = []
        named = [n for n in (step.incident, step.other) if n is not None]
        judged[step.seq] = set().union(*(old.judged(n) for n in named))
        if step.action is Action.MERGE and step.other is not None:
            old.merge(step.incident, step.other)
        elif step.action is Action.SPLIT:
            old.split(step.reports, step.seq)
            undo_split(judged, step.seq, step.reports)  # as the live path does
    return {seq: sorted(ids) for seq, ids in judged.items() if ids}
