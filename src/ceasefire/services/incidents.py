"""Incident use cases: grouping what arrives, recording reviews, telling each incident's story.

Grouping runs inside the ingest transaction: the reports and the incidents they join are
written together or not at all. Reviews are ledger entries; a merge or split also renumbers
the membership rows in the same transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, Connection, Select, func, select

from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.incidents.attribution import Placement
from ceasefire.domain.incidents.book import BookError, IncidentBook, incident_label
from ceasefire.domain.incidents.grouping import Footprint
from ceasefire.domain.incidents.review import (
    Action,
    Review,
    review_content,
    review_from_content,
    review_problems,
)
from ceasefire.domain.incidents.story import IncidentStory, Terms, tell
from ceasefire.domain.reports import Report, Source
from ceasefire.store.incident_store import (
    StoredReview,
    StoreLoader,
    append_review,
    membership,
    stored_reviews,
    unjudge_moved,
    write_changes,
    write_judged,
)
from ceasefire.store.ledger_store import lock_head
from ceasefire.store.report_rows import report_from_row, source_from_row
from ceasefire.store.schema import (
    incident_members,
    ledger,
    report_geography,
    reports,
    review_reports,
    reviews,
    sources,
)

T = TypeVar("T")


class ReviewError(ValueError):
    """A review that cannot be recorded; nothing was written."""


@dataclass(frozen=True, slots=True)
class Grouping:
    """What an import did to the incidents, for the importer to see duplicates at once."""

    new_incidents: int  # incidents of new reports only
    joined: int  # new reports that joined an incident already recorded
    incidents_joined: int  # how many such incidents
    regrouped: int  # reports recorded earlier whose incident changed (a late first report)
    # The incident each new report is now in (by report id), for answers that name it.
    incident_of: Mapping[str, int] = field(default_factory=dict)


def group_new_reports(
    connection: Connection,
    recorded: Sequence[tuple[Report, int]],
    book: IncidentBook | None = None,
) -> Grouping:
    """Put newly recorded reports into incidents: the book reads what it needs of the stored
    record through the store's loader, and its changes are written back (inside the caller's
    transaction). `book`: one the caller keeps between its transactions (the API's writer
    does: `services.appender`), else a new one."""
    if not recorded:
        return Grouping(0, 0, 0, 0)
    if book is None:
        book = IncidentBook(loader=StoreLoader(connection))
    book.add_all((Footprint.of(report), seq) for report, seq in recorded)
    write_changes(connection, book.changes, seq=max(seq for _, seq in recorded))
    incident_of = {
        report.report_id: book.changes.rows[report.report_id].incident
        for report, _ in recorded
        if report.report_id in book.changes.rows
    }
    first_new = min(seq for _, seq in recorded)
    numbers = list(incident_of.values())
    joined = [n for n in numbers if n < first_new]  # numbered by a report recorded before
    return Grouping(
        len({n for n in numbers if n >= first_new}),
        len(joined),
        len(set(joined)),
        len(set(book.changes.rows) - book.changes.new),
        incident_of,
    )


def current_incident(connection: Connection, number: int) -> int | None:
    """The incident that `INC-<number>` now is: itself, or whatever absorbed the report or
    split it was named after; None if it never existed."""
    return current_incidents(connection, [number]).get(number)


def current_incidents(connection: Connection, numbers: Iterable[int]) -> dict[int, int]:
    """`current_incident` for many numbers in a few queries (the ones that never existed are
    left out): a current incident is itself; an older number was a report's ledger seq, or a
    split's, and leads to where that report, or the split's first report, now is."""
    wanted = sorted(set(numbers))
    found: dict[int, int] = {}
    for chunk in _chunks(wanted):
        query = select(incident_members.c.incident_no).where(
            incident_members.c.incident_no.in_(chunk)
        )
        found |= {int(n): int(n) for n in connection.execute(query.distinct()).scalars()}
    for chunk in _chunks([n for n in wanted if n not in found]):
        query = (
            select(reports.c.ledger_seq, incident_members.c.incident_no)
            .join(incident_members, incident_members.c.report_id == reports.c.report_id)
            .where(reports.c.ledger_seq.in_(chunk))
        )
        found |= {int(seq): int(number) for seq, number in connection.execute(query)}
    first_moved: dict[int, str] = {}
    for chunk in _chunks([n for n in wanted if n not in found]):
        query = select(reviews.c.ledger_seq, reviews.c.content).where(
            reviews.c.ledger_seq.in_(chunk), reviews.c.action == Action.SPLIT.value
        )
        first_moved |= {
            int(seq): json.loads(c)["reports"][0] for seq, c in connection.execute(query)
        }
    rows = membership(connection, first_moved.values())
    found |= {seq: rows[r].incident for seq, r in first_moved.items() if r in rows}
    return found


def _chunks(values: list[T], size: int = 900) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class ReviewOutcome:
    review: StoredReview
    incident: int  # the incident reviewed, as it now is
    note: str  # what changed, in a sentence


def record_review(
    connection: Connection,
    draft: Review,
    terms: Terms,
    *,
    clock: Callable[[], datetime],
) -> ReviewOutcome:
    """Check and record one review (inside the caller's write transaction): the reports it
    judges are its incident's as they stand (both incidents' for a merge); a merge or split
    also regroups the membership. Raises ReviewError, writing nothing, when it cannot."""
    # Hold appends off first (PostgreSQL would take the lock only at the review's own entry):
    # an import committing between reading the incident and writing the review would leave
    # the book regrouping from rows that are no longer current.
    lock_head(connection)
    problems = review_problems(draft, terms.parties)
    number = current_incident(connection, draft.incident)
    if number is None:
        problems.append(f"{incident_label(draft.incident)}: no such incident")
    other = None
    if draft.other is not None:
        other = current_incident(connection, draft.other)
        if other is None:
            problems.append(f"{incident_label(draft.other)}: no such incident")
    if problems:
        raise ReviewError("; ".join(problems))
    assert number is not None
    draft = replace(draft, incident=number, other=other)
    book = IncidentBook(loader=StoreLoader(connection))
    try:
        if draft.action is Action.MERGE:
            assert other is not None
            book.check_merge(number, other)
        elif draft.action is Action.SPLIT:
            book.check_split(number, draft.reports)
        else:
            book.load_incidents([number])
    except BookError as exc:
        raise ReviewError(str(exc)) from None
    judged = book.members(number) | (book.members(other) if other is not None else set())
    stored = append_review(
        connection, clock, number, draft.action.value, draft.reviewer, review_content(draft)
    )
    write_judged(connection, ((stored.seq, report_id) for report_id in judged))
    if draft.action is Action.SPLIT:
        unjudge_moved(connection, stored.seq, set(draft.reports), judged - set(draft.reports))
    note = _apply(book, draft, stored.seq)
    write_changes(connection, book.changes, seq=stored.seq)
    return ReviewOutcome(stored, _after(book, draft, number, stored.seq), note)


def _apply(book: IncidentBook, draft: Review, seq: int) -> str:
    if draft.action is Action.MERGE:
        assert draft.other is not None
        kept = book.merge(draft.incident, draft.other, seq)
        gone = max(draft.incident, draft.other)
        return f"{incident_label(gone)} merged into {incident_label(kept)}"
    if draft.action is Action.SPLIT:
        new, rest = book.split(draft.incident, draft.reports, seq)
        moved = f"{len(draft.reports)} report(s) now {incident_label(new)}"
        if rest != draft.incident:
            return f"{moved}; the rest is now {incident_label(rest)}"
        return f"{moved}; the rest stays {incident_label(rest)}"
    return f"{draft.action.value} recorded for {incident_label(draft.incident)}"


def _after(book: IncidentBook, draft: Review, number: int, seq: int) -> int:
    if draft.action is Action.MERGE:
        assert draft.other is not None
        return min(number, draft.other)
    if draft.action is Action.SPLIT:
        return seq
    return number


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    since: datetime | None = None
    until: datetime | None = None
    numbers: frozenset[int] | None = None


def incident_stories(
    connection: Connection,
    agreement: LoadedAgreement | None,
    incident_filter: IncidentFilter = IncidentFilter(),
    *,
    as_of: datetime | None = None,
) -> list[IncidentStory]:
    """The story of every incident with a report in the window (or of the numbered ones).
    `as_of`: as the record held them then, by record time: only the reports received and the
    reviews recorded by then (a verification or a rejection after it is not yet known). The
    grouping is today's: a merge or split after `as_of` still shows."""
    query = select(reports, incident_members.c.incident_no).join(
        incident_members, incident_members.c.report_id == reports.c.report_id
    )
    if as_of is not None:
        query = query.where(reports.c.received_at <= as_of)
    wanted = _incidents_in(incident_filter)
    if wanted is not None:
        query = query.where(incident_members.c.incident_no.in_(wanted))
    members: dict[int, list[Report]] = defaultdict(list)
    for row in connection.execute(query):
        members[int(row.incident_no)].append(report_from_row(row._mapping))
    if not members:
        return []
    sources_by_id = source_map(connection, {r.source_id for ms in members.values() for r in ms})
    placements = _placements(
        connection,
        agreement,
        None if wanted is None else [r.report_id for ms in members.values() for r in ms],
    )
    review_map = _reviews_by_incident(connection, wanted, as_of)
    terms = terms_of(agreement)
    return [
        tell(number, members[number], sources_by_id, placements, review_map.get(number, []), terms)
        for number in sorted(members)
    ]


def terms_of(agreement: LoadedAgreement | None) -> Terms:
    if agreement is None:
        return Terms()
    spec = agreement.spec
    return Terms(tuple(spec.parties), spec.clauses, spec.reply_period)


def _incidents_in(f: IncidentFilter) -> list[int] | Select[tuple[int]] | None:
    """The incidents asked for: a list, a query for those with a report in the window, or
    None for all."""
    if f.numbers is not None:
        return sorted(f.numbers)
    if f.since is None and f.until is None:
        return None
    query = select(incident_members.c.incident_no).join(
        reports, reports.c.report_id == incident_members.c.report_id
    )
    if f.since is not None:
        query = query.where(reports.c.observed_end >= f.since)
    if f.until is not None:
        query = query.where(reports.c.observed_start < f.until)
    return query


def source_map(connection: Connection, ids: Iterable[str]) -> dict[str, Source]:
    wanted = sorted(set(ids))
    found: dict[str, Source] = {}
    for start in range(0, len(wanted), 900):
        query = select(sources).where(sources.c.source_id.in_(wanted[start : start + 900]))
        found.update(
            {row.source_id: source_from_row(row._mapping) for row in connection.execute(query)}
        )
    return found


# Reports whose placements are read by id; beyond, and beyond a quarter of the record (a
# window of weeks in a record of years is still read by id), all are read.
_BY_ID_AT_MOST = 20_000


def _entries(connection: Connection) -> int:
    """The ledger's length: the record's size, near enough, in one step down an index."""
    return int(connection.execute(select(func.max(ledger.c.seq))).scalar_one() or 0)


def _placements(
    connection: Connection,
    agreement: LoadedAgreement | None,
    report_ids: list[str] | None = None,
) -> dict[str, Placement]:
    """Each report's place against the agreement: of the reports named only, when named.

    Named by id, each is one step down the table's key. (Chosen by a condition on their
    incidents instead, PostgreSQL read every placement of the agreement to keep a few: 72 ms
    for 20 new reports at 51,000, growing with the record.)"""
    if agreement is None:
        return {}
    if (
        report_ids is not None
        and len(report_ids) > _BY_ID_AT_MOST
        and (len(report_ids) > _entries(connection) // 4)
    ):
        wanted = set(report_ids)  # most of them: one read of all is cheaper than many lookups
        every = _placements_where(connection, agreement, None)
        return {rid: placed for rid, placed in every.items() if rid in wanted}
    if report_ids is not None:
        found: dict[str, Placement] = {}
        for chunk in _chunks(sorted(report_ids)):
            found |= _placements_where(
                connection, agreement, report_geography.c.report_id.in_(chunk)
            )
        return found
    return _placements_where(connection, agreement, None)


def _placements_where(
    connection: Connection, agreement: LoadedAgreement, condition: ColumnElement[bool] | None
) -> dict[str, Placement]:
    g = report_geography.c
    query = select(
        g.report_id,
        g.party,
        g.ambiguous_side,
        g.in_dmz,
        g.weapon_zone_breach,
        g.sector,
        g.distance_m,
        g.weapon_party,
    ).where(g.agreement == agreement.name)
    if condition is not None:
        query = query.where(condition)
    return {
        row.report_id: Placement(
            row.party,
            bool(row.ambiguous_side),
            bool(row.in_dmz),
            bool(row.weapon_zone_breach),
            row.sector,
            row.distance_m,
            row.weapon_party,
        )
        for row in connection.execute(query)
    }


def _reviews_by_incident(
    connection: Connection,
    wanted: list[int] | Select[tuple[int]] | None = None,
    as_of: datetime | None = None,
) -> dict[int, list[Review]]:
    """Every review under each incident now holding a report it judged, in log order (of the
    `wanted` incidents only, when given)."""
    query = (
        select(review_reports.c.review_seq, incident_members.c.incident_no)
        .join(incident_members, incident_members.c.report_id == review_reports.c.report_id)
        .distinct()
    )
    if wanted is not None:
        query = query.where(incident_members.c.incident_no.in_(wanted))
    targets: dict[int, set[int]] = defaultdict(set)
    for review_seq, number in connection.execute(query):
        targets[int(review_seq)].add(int(number))
    result: dict[int, list[Review]] = defaultdict(list)
    for stored in stored_reviews(connection, sorted(targets)):
        if as_of is not None and stored.recorded_at > as_of:
            continue  # not yet recorded then
        review = review_from_content(stored.seq, stored.recorded_at, stored.content)
        for number in sorted(targets[stored.seq]):
            result[number].append(review)
    return result
