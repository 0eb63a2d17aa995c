"""Incident membership rows, links and reviews: the book's `Loader` on the tables, writing its
changes back.

Membership and links are derived (the book recomputes them from the log); reviews are facts,
each recorded by a ledger entry, and never change.
"""

from __future__ import annotations

import functools
import json
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Row,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql

from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.incidents.book import Changes, Link, Membership
from ceasefire.domain.incidents.grouping import (
    DEFAULT_RULES,
    EARTH_RADIUS_M,
    MAX_RADIUS_M,
    REF_LAT,
    Footprint,
    LinkRule,
)
from ceasefire.domain.incidents.review import judged_after_split
from ceasefire.domain.reports import report_id_for
from ceasefire.domain.taxonomy import CATEGORY_INFO, Category, Family
from ceasefire.store.bulk import insert_tuples
from ceasefire.store.ledger_store import append_entry
from ceasefire.store.schema import (
    incident_links,
    incident_members,
    incident_rebuilds,
    ledger,
    reports,
    review_reports,
    reviews,
)

INCIDENT_REVIEWED = "IncidentReviewed"
_CHUNK = 900

FOOTPRINT_COLUMNS = (
    reports.c.report_id,
    reports.c.category,
    reports.c.lon,
    reports.c.lat,
    reports.c.uncertainty_m,
    reports.c.observed_start,
    reports.c.observed_end,
    reports.c.source_id,
    reports.c.updates,
)


def footprint_of(row: Any) -> Footprint:
    return Footprint(
        row.report_id,
        Category(row.category),
        row.lon,
        row.lat,
        row.uncertainty_m,
        row.observed_start,
        row.observed_end,
        row.source_id,
        report_id_for(row.source_id, row.updates) if row.updates else None,
    )


def membership_of(row: Any) -> Membership:
    return Membership(
        row.report_id, int(row.incident_no), int(row.key_seq), bool(row.pinned), row.first_id
    )


def neighbours(
    connection: Connection,
    new: Sequence[Footprint],
    rules: dict[Family, LinkRule],
    *,
    held_after: int | None = None,
) -> Iterator[tuple[Footprint, Membership]]:
    """Stored, unpinned reports that could link to any of `new`: per family, those within
    reach (`_Reach`) of each group of new reports that share a cell as wide as the longest
    reach. Reports filed at once from across the front read only their own surroundings, not
    the whole front; an import with reports in more than MAX_BOXES cells is one group (a
    year-long import reads that year of its families). `held_after`: the asker already holds
    every report recorded after this ledger entry (a writer's book kept between its
    transactions), so only those up to it are read.

    The box allows for the largest uncertainty on both sides, which on a busy day is a
    hundred times the area a report with a few hundred metres' uncertainty can reach; each
    stored report is therefore held to its own uncertainty (`_Reach`), so the rows read are
    the ones that may link, not everything around them."""
    by_family: dict[Family, list[Footprint]] = defaultdict(list)
    for footprint in new:
        if footprint.placed:
            by_family[CATEGORY_INFO[footprint.category].family].append(footprint)
    for family, members in sorted(by_family.items()):
        rule = rules[family]
        reach_m = rule.distance_m + 2 * MAX_RADIUS_M
        dlat = math.degrees(reach_m / EARTH_RADIUS_M)
        lats = [f.lat for f in members if f.lat is not None]
        # Degrees of longitude per degree of latitude: as wide as the true distance or the
        # book's frame (REF_LAT) needs, whichever is wider, so no possible link is left out.
        widest = max(abs(min(lats)), abs(max(lats)), REF_LAT) + dlat
        lon_per_lat = 1 / max(math.cos(math.radians(widest)), 0.01)
        dlon = dlat * lon_per_lat
        categories = sorted(c.value for c, info in CATEGORY_INFO.items() if info.family is family)
        cells: dict[tuple[int, int], list[Footprint]] = defaultdict(list)
        for f in members:
            assert f.lat is not None and f.lon is not None  # placed
            cells[math.floor(f.lat / dlat), math.floor(f.lon / dlon)].append(f)
        groups = list(cells.values()) if len(cells) <= MAX_BOXES else [members]
        query = (
            select(*FOOTPRINT_COLUMNS, *_MEMBER_COLUMNS)
            .join(incident_members, incident_members.c.report_id == reports.c.report_id)
            .where(
                incident_members.c.pinned.is_(False),
                reports.c.category.in_(categories),
                # The time span of them all, outside the OR, for the (category, observed_end)
                # index: a report ending before it cannot link to any of them.
                reports.c.observed_end >= min(f.start for f in members) - rule.time,
                reports.c.observed_start <= max(f.end for f in members) + rule.time,
                _reached_by_any(connection.dialect.name, len(groups)),
            )
        )
        if held_after is not None:
            query = query.where(reports.c.ledger_seq <= held_after)
        reaches = [_reach(group, rule, lon_per_lat) for group in groups]
        parameters = _reach_parameters(connection.dialect.name, reaches, lon_per_lat)
        for row in connection.execute(query, parameters):
            yield footprint_of(row), membership_of(row)


MAX_BOXES = 64  # cells of new reports read one by one; beyond, one box around them all

# A stored report's uncertainty as it counts in a link (`LinkIndex._item`), in degrees of
# latitude, and the edges of its circle, built once.
_PER_M = math.degrees(1 / EARTH_RADIUS_M)  # degrees of latitude per metre
_OWN = (
    case(
        (reports.c.uncertainty_m.is_(None), 0.0),
        (reports.c.uncertainty_m > MAX_RADIUS_M, MAX_RADIUS_M),
        else_=reports.c.uncertainty_m,
    )
    * _PER_M
)
_LON_PER_LAT = bindparam("lon_per_lat", type_=Float)
_north_edge, _south_edge = reports.c.lat + _OWN, reports.c.lat - _OWN
_east_edge = reports.c.lon + _OWN * _LON_PER_LAT
_west_edge = reports.c.lon - _OWN * _LON_PER_LAT


@dataclass(frozen=True, slots=True)
class _Reach:
    """Where and when a stored report must be to link to a cell of new reports: within the
    link time of them, and no further from their box, north-south and east-west, than the link
    distance plus their largest uncertainty plus its own (a link needs distance - hypot(r1, r2)
    <= the link distance; each offset is at most the distance, hypot(r1, r2) at most r1 + r2).
    The bounds here leave its own uncertainty out; the query adds it."""

    start: datetime
    end: datetime
    south: float
    north: float
    west: float
    east: float


def _reach(group: Sequence[Footprint], rule: LinkRule, lon_per_lat: float) -> _Reach:
    lats = [f.lat for f in group if f.lat is not None]
    lons = [f.lon for f in group if f.lon is not None]
    largest = max(min(float(f.uncertainty_m or 0), MAX_RADIUS_M) for f in group)
    reach = (rule.distance_m + largest) * _PER_M
    return _Reach(
        min(f.start for f in group) - rule.time,
        max(f.end for f in group) + rule.time,
        min(lats) - reach,
        max(lats) + reach,
        min(lons) - reach * lon_per_lat,
        max(lons) + reach * lon_per_lat,
    )


def _reached_by_any(dialect: str, cells: int) -> ColumnElement[bool]:
    """Stored reports within the reach of any cell (`_reach_parameters` gives the bounds).

    On PostgreSQL the cells travel as one JSON parameter and the statement's text is the same
    every time: written out, the terms of a few cells took more than the 50 parameters below
    which psycopg caches its parsing of a statement, and parsing it again, with building the
    terms, was most of the neighbour query's cost under load."""
    return _REACHED_BY_A_CELL if dialect == "postgresql" else _reached_by_one_of(cells)


@functools.lru_cache(maxsize=MAX_BOXES + 1)
def _reached_by_one_of(cells: int) -> ColumnElement[bool]:
    """The terms of `cells` cells, each its own parameters (built once per count)."""
    return or_(*(_reached_by(k) for k in range(cells)))


def _reached_by(k: int) -> ColumnElement[bool]:
    return and_(
        reports.c.observed_end >= bindparam(f"start_{k}", type_=reports.c.observed_end.type),
        reports.c.observed_start <= bindparam(f"end_{k}", type_=reports.c.observed_start.type),
        _north_edge >= bindparam(f"south_{k}", type_=Float),
        _south_edge <= bindparam(f"north_{k}", type_=Float),
        _east_edge >= bindparam(f"west_{k}", type_=Float),
        _west_edge <= bindparam(f"east_{k}", type_=Float),
    )


_CELLS = (
    func.jsonb_to_recordset(cast(bindparam("cells", type_=String), postgresql.JSONB))
    .table_valued(
        column("start", postgresql.TIMESTAMP(timezone=True)),
        column("end", postgresql.TIMESTAMP(timezone=True)),
        column("south", Float),
        column("north", Float),
        column("west", Float),
        column("east", Float),
    )
    .render_derived(name="cell", with_types=True)
)
_REACHED_BY_A_CELL = exists().where(
    reports.c.observed_end >= _CELLS.c.start,
    reports.c.observed_start <= _CELLS.c.end,
    _north_edge >= _CELLS.c.south,
    _south_edge <= _CELLS.c.north,
    _east_edge >= _CELLS.c.west,
    _west_edge <= _CELLS.c.east,
)


def _reach_parameters(
    dialect: str, reaches: Sequence[_Reach], lon_per_lat: float
) -> dict[str, Any]:
    """The statement's parameters for these cells: one JSON list on PostgreSQL, six named
    values per cell elsewhere."""
    named: dict[str, Any] = {"lon_per_lat": lon_per_lat}
    if dialect == "postgresql":
        cells = [
            {
                "start": r.start.isoformat(),
                "end": r.end.isoformat(),
                "south": r.south,
                "north": r.north,
                "west": r.west,
                "east": r.east,
            }
            for r in reaches
        ]
        return named | {"cells": json.dumps(cells)}
    for k, r in enumerate(reaches):
        named |= {
            f"start_{k}": r.start,
            f"end_{k}": r.end,
            f"south_{k}": r.south,
            f"north_{k}": r.north,
            f"west_{k}": r.west,
            f"east_{k}": r.east,
        }
    return named


_MEMBER_COLUMNS = (
    incident_members.c.incident_no,
    incident_members.c.key_seq,
    incident_members.c.pinned,
    incident_members.c.first_id,
)


def members_of(
    connection: Connection, incidents: Iterable[int]
) -> list[tuple[Footprint, Membership]]:
    query = (
        select(*FOOTPRINT_COLUMNS, *_MEMBER_COLUMNS)
        .join(incident_members, incident_members.c.report_id == reports.c.report_id)
        .where(incident_members.c.incident_no.in_(sorted(set(incidents))))
        .order_by(reports.c.report_id)
    )
    return [(footprint_of(row), membership_of(row)) for row in connection.execute(query)]


def membership(connection: Connection, report_ids: Iterable[str]) -> dict[str, Membership]:
    found: dict[str, Membership] = {}
    ordered = sorted(set(report_ids))
    for start in range(0, len(ordered), _CHUNK):
        query = select(incident_members).where(
            incident_members.c.report_id.in_(ordered[start : start + _CHUNK])
        )
        found.update({row.report_id: membership_of(row) for row in connection.execute(query)})
    return found


def changed_since(connection: Connection, seq: int) -> list[tuple[Footprint, Membership]]:
    """The membership rows written after ledger entry `seq`, with their reports, by index:
    what other writers did to the incidents since."""
    query = (
        select(*FOOTPRINT_COLUMNS, *_MEMBER_COLUMNS)
        .join(incident_members, incident_members.c.report_id == reports.c.report_id)
        .where(incident_members.c.changed_seq > seq)
    )
    return [(footprint_of(row), membership_of(row)) for row in connection.execute(query)]


class StoreLoader:
    """The book's `Loader` on the tables, inside the caller's transaction."""

    def __init__(
        self,
        connection: Connection,
        rules: dict[Family, LinkRule] | None = None,
        *,
        held_after: int | None = None,
    ):
        self._connection = connection
        self._rules = dict(DEFAULT_RULES if rules is None else rules)
        self._any_links: bool | None = None
        self._held_after = held_after  # see `neighbours`

    def near(self, footprints: Sequence[Footprint]) -> Iterable[tuple[Footprint, Membership]]:
        return neighbours(self._connection, footprints, self._rules, held_after=self._held_after)

    def incidents(self, numbers: Collection[int]) -> Iterable[tuple[Footprint, Membership]]:
        wanted = sorted(numbers)
        for start in range(0, len(wanted), _CHUNK):
            yield from members_of(self._connection, wanted[start : start + _CHUNK])

    def reports(self, report_ids: Collection[str]) -> Iterable[tuple[Footprint, Membership]]:
        wanted = sorted(report_ids)
        for start in range(0, len(wanted), _CHUNK):
            query = (
                select(*FOOTPRINT_COLUMNS, *_MEMBER_COLUMNS)
                .join(incident_members, incident_members.c.report_id == reports.c.report_id)
                .where(reports.c.report_id.in_(wanted[start : start + _CHUNK]))
            )
            for row in self._connection.execute(query):
                yield footprint_of(row), membership_of(row)

    def links(self, report_ids: Collection[str]) -> Iterable[Link]:
        if self._any_links is None:  # most records have none: one cheap query says so
            self._any_links = (
                self._connection.execute(select(incident_links.c.seq).limit(1)).first() is not None
            )
        if not self._any_links:
            return
        wanted = sorted(report_ids)
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            query = select(incident_links).where(
                or_(incident_links.c.report_id.in_(chunk), incident_links.c.other_id.in_(chunk))
            )
            for row in self._connection.execute(query):
                yield Link(row.report_id, row.other_id, row.kind, int(row.seq))


def write_changes(connection: Connection, changes: Changes, *, seq: int) -> None:
    """Write what the book changed; `seq` is the ledger entry of the step (its rows'
    `changed_seq`)."""
    replaced = sorted(set(changes.rows) - changes.new)
    for start in range(0, len(replaced), _CHUNK):
        connection.execute(
            delete(incident_members).where(
                incident_members.c.report_id.in_(replaced[start : start + _CHUNK])
            )
        )
    # Column order: a Membership's fields, then changed_seq.
    insert_tuples(connection, incident_members, [(*row, seq) for row in changes.rows.values()])
    for link in sorted(changes.links_removed):
        connection.execute(
            delete(incident_links).where(
                incident_links.c.report_id == link.report_id,
                incident_links.c.other_id == link.other_id,
                incident_links.c.kind == link.kind,
                incident_links.c.seq == link.seq,
            )
        )
    insert_tuples(connection, incident_links, sorted(changes.links_added))


def write_judged(connection: Connection, judged: Iterable[tuple[int, str]]) -> None:
    """Rows of `review_reports`: (review seq, a report it judged)."""
    insert_tuples(connection, review_reports, sorted(set(judged)))


def unjudge_moved(
    connection: Connection, split_seq: int, moved: set[str], rest: Collection[str]
) -> None:
    """After a split: the reviews that judged the moved reports together with the rest judged
    the event they are now said not to be part of, and no longer cover them (`judged_after_split`
    states the rule)."""
    pairs = {(seq, r) for seq, r in _judged_of(connection, moved | set(rest)) if seq != split_seq}
    for seq, report_id in sorted(judged_after_split(pairs, moved, rest)):
        connection.execute(
            delete(review_reports).where(
                review_reports.c.review_seq == seq, review_reports.c.report_id == report_id
            )
        )


def _judged_of(connection: Connection, report_ids: set[str]) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    wanted = sorted(report_ids)
    for start in range(0, len(wanted), _CHUNK):
        query = select(review_reports.c.review_seq, review_reports.c.report_id).where(
            review_reports.c.report_id.in_(wanted[start : start + _CHUNK])
        )
        found |= {(int(seq), report_id) for seq, report_id in connection.execute(query)}
    return found


def all_memberships(connection: Connection) -> dict[str, Membership]:
    return {
        row.report_id: membership_of(row) for row in connection.execute(select(incident_members))
    }


def all_links(connection: Connection) -> set[Link]:
    return {
        Link(row.report_id, row.other_id, row.kind, int(row.seq))
        for row in connection.execute(select(incident_links))
    }


def all_judged(connection: Connection) -> set[tuple[int, str]]:
    query = select(review_reports.c.review_seq, review_reports.c.report_id)
    return {(int(seq), report_id) for seq, report_id in connection.execute(query)}


@dataclass(frozen=True, slots=True)
class StoredReview:
    seq: int
    incident_no: int
    action: str
    reviewer: str
    content: dict[str, Any]
    recorded_at: datetime


def append_review(
    connection: Connection,
    clock: Callable[[], datetime],
    incident_no: int,
    action: str,
    reviewer: str,
    content: dict[str, Any],
) -> StoredReview:
    payload = canonical_json(content)
    seq, recorded_at = append_entry(
        connection, clock, INCIDENT_REVIEWED, f"INC-{incident_no}/{action}", payload
    )
    connection.execute(
        reviews.insert().values(
            ledger_seq=seq,
            incident_no=incident_no,
            action=action,
            reviewer=reviewer,
            content=payload,
            recorded_at=recorded_at,
        )
    )
    return StoredReview(seq, incident_no, action, reviewer, content, recorded_at)


def stored_reviews(connection: Connection, seqs: Sequence[int] | None = None) -> list[StoredReview]:
    """Every review in log order (those of `seqs` only, when given)."""
    query = select(reviews).order_by(reviews.c.ledger_seq)
    if seqs is None:
        return [_review(row) for row in connection.execute(query)]
    found: list[StoredReview] = []
    for start in range(0, len(seqs), _CHUNK):
        chunk = list(seqs[start : start + _CHUNK])
        found += [
            _review(row) for row in connection.execute(query.where(reviews.c.ledger_seq.in_(chunk)))
        ]
    return sorted(found, key=lambda r: r.seq)


def _review(row: Row[Any]) -> StoredReview:
    return StoredReview(
        int(row.ledger_seq),
        int(row.incident_no),
        row.action,
        row.reviewer,
        json.loads(row.content),
        row.recorded_at,
    )


def record_state(connection: Connection) -> tuple[int, int, str]:
    """What identifies a state of the record for whatever is kept of it between requests (the
    stories a server tells, the writer's incident book): the ledger's length, how many times
    the derived incident rows were rebuilt (the one change to them without a ledger entry),
    and the hash of the last entry (which commits to every entry before it: a database
    restored from a backup may reach the same length with another history). Two reads down
    an index each: asked on every request."""
    row = connection.execute(
        select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
    ).first()
    head, head_hash = (0, "") if row is None else (int(row.seq), str(row.entry_hash))
    rebuilds = connection.execute(select(func.max(incident_rebuilds.c.rebuild_no))).scalar_one()
    return head, int(rebuilds or 0), head_hash
