"""Every incident's story, kept between requests: the dashboard's speed on a large record.

What the stories are is `services.incidents.incident_stories`; this module only decides when
they need telling again. Nothing here changes an answer, only how soon it comes.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import immutables
from sqlalchemy import Connection, Engine, func, select

from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.services.incidents import IncidentFilter, incident_stories
from ceasefire.speed.collector import freeze_what_was_read
from ceasefire.speed.recent import Recent
from ceasefire.store.agreement_store import agreement_named, default_name
from ceasefire.store.db import reading
from ceasefire.store.incident_store import record_state
from ceasefire.store.schema import (
    incident_members,
    ledger,
    reports,
    review_reports,
)

# The record only grows, and each change to what a story reads is a ledger entry, or (for
# `incidents rebuild`) a change to the membership table: stories told at one state of the
# record are the stories of that state, whoever asks. The dashboard asks for every incident on
# each page load and after each change, and telling 100,000 takes seconds, so the stories of
# the last few states are kept, per agreement version and window; and the newest state told
# of every incident is the starting point for the next: only the incidents that a later
# entry touches are told again (see `_retold`).
STORY_STATES_KEPT = 2
_STORIES: Recent[list[IncidentStory]] = Recent(STORY_STATES_KEPT)
_TELLING: dict[tuple[Any, ...], threading.Lock] = {}  # one lock per state being told
_TELLING_LOCK = threading.Lock()


def cached_incident_stories(
    connection: Connection,
    agreement: LoadedAgreement | None,
    incident_filter: IncidentFilter = IncidentFilter(),
) -> list[IncidentStory]:
    """`incident_stories`, told once per state of the record (see `record_state`): every
    incident from the stories kept of them all; a window from the stories kept from a floor
    before it (the dashboard's last week: its cost is the window's, not the record's)."""
    terms = None if agreement is None else (agreement.name, agreement.version)
    state = record_state(connection)
    key = (_database(connection), state, terms, incident_filter)
    found = _STORIES.get(key)
    if found is not None:
        return found
    with _TELLING_LOCK:
        telling = _TELLING.setdefault(key, threading.Lock())
    # One thread tells a state's stories; the others asking for it (every dashboard refetches
    # when the record grows) wait for them rather than tell them again side by side.
    with telling:
        found = _STORIES.get(key)
        if found is None:
            if incident_filter.numbers is not None:
                found = incident_stories(connection, agreement, incident_filter)
            else:
                floor = _floor_for(where_told(connection, agreement), incident_filter.since)
                told = told_now(connection, agreement, state, floor=floor)
                found = [
                    story
                    for number in sorted(told.stories)
                    if in_window(story := told.stories[number], incident_filter)
                ]
            _STORIES.put(key, found)
    with _TELLING_LOCK:
        _TELLING.pop(key, None)  # told: later readers find it in _STORIES
    return found


def in_window(story: IncidentStory, window: IncidentFilter) -> bool:
    """Whether an incident has a report in the window: `incident_stories`' condition (a
    report ending at or after `since`, starting before `until`), asked of a story."""
    return any(
        (window.since is None or r.observed_end >= window.since)
        and (window.until is None or r.observed_start < window.until)
        for r in story.members
    )


@dataclass(frozen=True)
class Told:
    """Every incident's story at one state of the record (or every incident with a report
    ending at or after `floor`), and each of their reports' incident: what the next state is
    told from. Persistent maps: the next state shares all but what changed with this one, which
    readers may still hold."""

    head: int
    head_hash: str  # the ledger entry at `head`: it commits to everything before it
    rebuilds: int  # `record_state`'s count of rebuilds when told
    floor: datetime | None
    stories: immutables.Map[int, IncidentStory]
    incident_of: immutables.Map[str, int]  # report id -> incident number
    # Which telling in full this state descends from (each gets a new number): what is kept
    # from a state of another lineage is not brought forward by changes, even at the same
    # head (a database restored from a backup, or a standby promoted, holds another history).
    lineage: int = 0

    @property
    def state(self) -> tuple[int, int]:
        return self.head, self.rebuilds


# A database, the agreement version stories are told under, and the floor (None: all).
Where = tuple[str, Any, datetime | None]
_LATEST: dict[Where, Told] = {}
# How each state told from the one before differs from it: (from head, to head, the incident
# numbers told again or gone). Readers that keep something per incident (the clock's
# violations) follow these rather than look at every incident again.
_CHANGES: dict[Where, deque[tuple[int, int, frozenset[int]]]] = {}
_CHANGES_KEPT = 256
_WHERE_LOCKS: dict[Where, threading.Lock] = {}
_WHERE_LOCKS_GUARD = threading.Lock()
# Windows kept per database and agreement (beside every incident): the dashboard's week, and
# a few a user widened it to; the least recently asked goes first.
FLOORS_KEPT = 3
_FLOORS: dict[tuple[str, Any], list[datetime]] = {}
# A window is told from the midnight (UTC) a day before its start (the dashboard's "From",
# a date in the user's time zone, then falls after it), and a floor serves windows starting
# up to two weeks after it: the dashboard's week, moving on with the record, is served by the
# same kept stories for a fortnight. A server's first screen tells the week and a day; with a
# week's margin it told two (6.7 s to the first map answer at a million reports, 3.4 of it
# telling).
_FLOOR_MARGIN = timedelta(days=1)
_FLOOR_REUSE = timedelta(days=14)


def _floor_for(where: Where, since: datetime | None) -> datetime | None:
    """The floor to serve a window starting at `since` from: one kept at most `_FLOOR_REUSE`
    before it, else a new one, a margin before the midnight (UTC) before it."""
    if since is None:
        return None
    with _WHERE_LOCKS_GUARD:
        floors = _FLOORS.setdefault(where[:2], [])  # least recently asked first
        usable = [f for f in floors if f <= since < f + _FLOOR_REUSE]
        if usable:
            floor = max(usable)
            floors.remove(floor)
        else:
            day = since.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            floor = day - _FLOOR_MARGIN
            if len(floors) >= FLOORS_KEPT:
                dropped = floors.pop(0)
                _LATEST.pop((*where[:2], dropped), None)
                _CHANGES.pop((*where[:2], dropped), None)
        floors.append(floor)
        return floor


def where_told(
    connection: Connection, agreement: LoadedAgreement | None, floor: datetime | None = None
) -> Where:
    return (
        _database(connection),
        None if agreement is None else (agreement.name, agreement.version),
        floor,
    )


class StillTelling(Exception):
    """Another thread is telling every story of the record (a server's first clock step) and
    did not finish within the time the caller could wait: answer "try again shortly"."""


def told_now(
    connection: Connection,
    agreement: LoadedAgreement | None,
    state: tuple[int, int, str] | None = None,
    *,
    floor: datetime | None = None,
    wait: float | None = None,
) -> Told:
    """Every incident's story (from `floor`) at the record's state: from the newest state
    told, when the ledger has only grown since (its entry at that state's head is unchanged)
    and nothing was rebuilt, by telling again only the incidents the new entries touch;
    otherwise all of them. `wait`: how long to wait for another thread telling them (else
    `StillTelling`); None, for as long as it takes."""
    state = state or record_state(connection)
    where = where_told(connection, agreement, floor)
    # One thread at a time brings a database's stories up to date: a server starting has its
    # clock's first step and the dashboard's head start both asking, and the second then
    # finds the first's work rather than telling every incident again beside it.
    with _WHERE_LOCKS_GUARD:
        lock = _WHERE_LOCKS.setdefault(where, threading.Lock())
    if not lock.acquire(timeout=-1 if wait is None else wait):
        raise StillTelling("the server is reading the record; try again in a few seconds")
    with _release(lock):
        before = _LATEST.get(where)
        usable = (
            before is not None and before.rebuilds == state[1] and _same_history(connection, before)
        )
        if before is not None and usable and before.head == state[0]:
            return before
        told = None
        if before is not None and usable and before.head < state[0]:
            told = _retold(connection, agreement, before)
        if told is None:
            told = _told_in_full(connection, agreement, floor, state[1])
            _CHANGES.pop(where, None)  # told afresh: no chain of changes leads here
        # Kept unless it is an older state of the same history (a reader's older snapshot):
        # a record restored to an earlier state replaces what was kept, or every step after
        # would tell every incident again.
        if before is None or not usable or told.head >= before.head:
            _LATEST[where] = told
        return told


@contextmanager
def _release(lock: threading.Lock) -> Iterator[None]:
    try:
        yield
    finally:
        lock.release()


def changes_between(where: Where, start: int, end: int) -> frozenset[int] | None:
    """The incidents told again or gone between two told states of `where` (heads `start`
    and `end`), or None when the states kept do not join them."""
    found: set[int] = set()
    at = start
    for since, head, changed in list(_CHANGES.get(where, ())):
        if since == at and head <= end:
            found |= changed
            at = head
    return frozenset(found) if at == end else None


def _database(connection: Connection) -> str:
    return connection.engine.url.render_as_string()


def _same_history(connection: Connection, told: Told) -> bool:
    entry = connection.execute(select(ledger.c.entry_hash).where(ledger.c.seq == told.head))
    return entry.scalar_one_or_none() == told.head_hash


def _head(connection: Connection) -> tuple[int, str]:
    row = connection.execute(
        select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
    ).first()
    return (0, "") if row is None else (int(row.seq), row.entry_hash)


def _told_in_full(
    connection: Connection, agreement: LoadedAgreement | None, floor: datetime | None, rebuilds: int
) -> Told:
    head, head_hash = _head(connection)
    told = incident_stories(connection, agreement, IncidentFilter(since=floor))
    stories = immutables.Map({s.number: s for s in told})
    incident_of = immutables.Map({r.report_id: s.number for s in told for r in s.members})
    freeze_what_was_read()
    return Told(head, head_hash, rebuilds, floor, stories, incident_of, next(_LINEAGES))


_LINEAGES = itertools.count(1)


def _retold(connection: Connection, agreement: LoadedAgreement | None, before: Told) -> Told:
    """`before` brought up to the record's head: the incidents holding a report, or named by
    a review, recorded since are told again, and so is every incident that lost a report to
    them; an incident whose reports all moved is gone (as is one that no longer reaches the
    floor). Costs what changed: the maps are persistent, shared with `before` but for that."""
    head, head_hash = _head(connection)
    floor = before.floor
    window = IncidentFilter(since=floor)
    with before.stories.mutate() as stories, before.incident_of.mutate() as incident_of:
        changed = _touched_since(connection, before.head)
        every_changed: set[int] = set()
        while changed:
            every_changed |= changed
            fresh = {
                s.number: s
                for s in incident_stories(connection, agreement, IncidentFilter(numbers=changed))
                if floor is None or in_window(s, window)
            }
            losers: set[int] = set()
            for number in changed:
                gone = stories.pop(number, None)
                for report in () if gone is None else gone.members:
                    if incident_of.get(report.report_id) == number:
                        del incident_of[report.report_id]
            for number, story in fresh.items():
                stories[number] = story
                for report in story.members:
                    old = incident_of.get(report.report_id)
                    if old is not None and old != number and old not in fresh:
                        losers.add(old)
                    incident_of[report.report_id] = number
            changed = frozenset(losers)  # told again (or found gone) in the next round
        told = Told(
            head,
            head_hash,
            before.rebuilds,
            floor,
            stories.finish(),
            incident_of.finish(),
            before.lineage,
        )
    where = where_told(connection, agreement, floor)
    changes = _CHANGES.setdefault(where, deque(maxlen=_CHANGES_KEPT))
    changes.append((before.head, head, frozenset(every_changed)))
    return told


def _touched_since(connection: Connection, seq: int) -> frozenset[int]:
    """The incidents (as numbered now) that an entry after `seq` changed: those holding a row
    written since (a report recorded, or regrouped by one), and those holding a report a
    review or reply since judged."""
    # No DISTINCT: with it SQLite walked the whole table by incident number (78 ms a step at
    # 193,000 reports) instead of down the index on changed_seq; the set makes them distinct.
    written = select(incident_members.c.incident_no).where(incident_members.c.changed_seq > seq)
    found = {int(n) for n in connection.execute(written).scalars()}
    judged = (
        select(incident_members.c.incident_no)
        .join(review_reports, review_reports.c.report_id == incident_members.c.report_id)
        .where(review_reports.c.review_seq > seq)
    )
    return frozenset(found | {int(n) for n in connection.execute(judged).scalars()})


_AHEAD = threading.Lock()

# The dashboard's first screen: the record's last week (app.js, DEFAULT_WINDOW_DAYS).
DEFAULT_WINDOW_DAYS = 7


def last_days(connection: Connection, days: int) -> datetime | None:
    """The start of the record's last `days` days, counted back from its latest report (so a
    record of past years opens on its last days); None for an empty record. One step down an
    index."""
    latest = connection.execute(select(func.max(reports.c.observed_start))).scalar_one()
    if not isinstance(latest, datetime):
        return None
    try:
        return latest - timedelta(days=days)
    except OverflowError:  # further back than the calendar goes: the whole record
        return None


def default_window(connection: Connection) -> IncidentFilter:
    return IncidentFilter(since=last_days(connection, DEFAULT_WINDOW_DAYS))


def tell_ahead_in_background(engine: Engine) -> threading.Thread:
    """`tell_ahead` on a thread of its own, for a server starting: the first screen to open
    the dashboard then finds its week told rather than waiting for it. Returns the thread."""
    thread = threading.Thread(target=tell_ahead, args=(engine,), daemon=True, name="tell-ahead")
    thread.start()
    return thread


def tell_ahead(engine: Engine) -> None:
    """Tell the stories of the record's current state (its default agreement, the last week:
    what the dashboard's map asks for first) unless that is already being done, so the first
    screen to refetch after a change finds them told. Called when an event stream sees the
    record grow, so a server nobody watches spends nothing on it."""
    if not _AHEAD.acquire(blocking=False):
        return
    try:
        with reading(engine) as connection:
            name = default_name(connection)
            agreement = agreement_named(connection, name) if name else None
            cached_incident_stories(connection, agreement, default_window(connection))
    except Exception as exc:  # a failed head start only costs the next reader time
        logging.getLogger(__name__).warning("telling incident stories ahead failed: %s", exc)
    finally:
        _AHEAD.release()
