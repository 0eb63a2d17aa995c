"""Replaying the log's reports and merge/split reviews, to check the stored incidents.

Membership rows are derived: the live path writes them batch by batch from stored neighbours,
this replays the whole log through the same book. Any difference is a fault (a bug, or rows
edited by hand) that `ceasefire incidents rebuild` repairs.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from ceasefire.domain.incidents.book import Changes, IncidentBook, Membership, incident_label
from ceasefire.domain.incidents.grouping import Footprint
from ceasefire.domain.incidents.review import Action, Review, review_from_content
from ceasefire.store.incident_store import (
    FOOTPRINT_COLUMNS,
    all_memberships,
    footprint_of,
    stored_reviews,
    write_changes,
)
from ceasefire.store.schema import incident_members, reports

_PAGE = 20_000


@dataclass(frozen=True, slots=True)
class MembershipProblem:
    report_id: str
    stored: str  # what the table says
    replayed: str  # what the log gives

    def __str__(self) -> str:
        return (
            f"incident membership of report {self.report_id}: the table says {self.stored}, "
            f"a replay of the log gives {self.replayed} (run `ceasefire incidents rebuild`)"
        )


def replayed_book(connection: Connection) -> IncidentBook:
    """The book as the log builds it: reports and merge/split reviews in log order."""
    book = IncidentBook()
    reviews = [
        review_from_content(s.seq, s.recorded_at, s.content)
        for s in stored_reviews(connection)
        if s.action in (Action.MERGE.value, Action.SPLIT.value)
    ]
    steps: Iterator[tuple[int, Footprint | Review]] = heapq.merge(
        ((seq, footprint) for footprint, seq in _recorded(connection)),
        ((review.seq, review) for review in reviews),
        key=lambda step: step[0],
    )
    batch: list[tuple[Footprint, int]] = []
    for seq, step in steps:
        if isinstance(step, Footprint):
            batch.append((step, seq))  # reports between reviews: linked as one batch
            continue
        book.add_all(batch)
        batch = []
        _apply(book, step)
    book.add_all(batch)
    return book


def _apply(book: IncidentBook, review: Review) -> None:
    if review.action is Action.MERGE:
        assert review.other is not None
        book.merge(review.incident, review.other)
    else:
        book.split(review.incident, review.reports, review.seq)


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


def membership_problem(connection: Connection) -> MembershipProblem | None:
    """The first report (by id) whose stored incident differs from the replay's."""
    replayed = {row.report_id: row for row in replayed_book(connection).rows()}
    stored = all_memberships(connection)
    for report_id in sorted(set(replayed) | set(stored)):
        want, have = replayed.get(report_id), stored.get(report_id)
        if want != have:
            return MembershipProblem(report_id, _shown(have), _shown(want))
    return None


def _shown(row: Membership | None) -> str:
    if row is None:
        return "no incident"
    return incident_label(row.incident) + (" (split off by hand)" if row.pinned else "")


def group_ungrouped(connection: Connection) -> int | None:
    """After an upgrade from a schema without incidents: group the reports it holds. Returns
    the number of incidents, or None when every report already has its incident."""
    has_reports = connection.execute(select(reports.c.report_id).limit(1)).first()
    has_members = connection.execute(select(incident_members.c.report_id).limit(1)).first()
    if has_reports is None or has_members is not None:
        return None
    return rebuild(connection)


def rebuild(connection: Connection) -> int:
    """Replace the membership rows with the replay's; returns the number of incidents."""
    book = replayed_book(connection)
    connection.execute(delete(incident_members))
    rows = book.rows()
    every = {row.report_id for row in rows}
    write_changes(connection, Changes(rows={row.report_id: row for row in rows}, new=every))
    return len({row.incident for row in rows})
