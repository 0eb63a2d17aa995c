"""Every incident's story, kept between requests: the dashboard's speed on a large record.

What the stories are is `services.incidents.incident_stories`; this module only decides when
they need telling again. Nothing here changes an answer, only how soon it comes.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.services.incidents import IncidentFilter, incident_stories
from ceasefire.speed.recent import Recent
from ceasefire.store.agreement_store import agreement_named, default_name
from ceasefire.store.db import reading
from ceasefire.store.schema import incident_members, ledger, review_reports

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


def record_state(connection: Connection) -> tuple[int, int, int]:
    """What identifies the state stories are told from: the ledger's length, and the
    membership table's size and numbering (changed without the ledger only by a rebuild)."""
    head = connection.execute(select(func.max(ledger.c.seq))).scalar_one() or 0
    rows, numbers = connection.execute(
        select(func.count(), func.coalesce(func.sum(incident_members.c.incident_no), 0))
    ).one()
    return int(head), int(rows), int(numbers)


def cached_incident_stories(
    connection: Connection,
    agreement: LoadedAgreement | None,
    incident_filter: IncidentFilter = IncidentFilter(),
) -> list[IncidentStory]:
    """`incident_stories`, told once per state of the record (see `record_state`)."""
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
            if incident_filter == IncidentFilter():
                found = _every_story(connection, agreement, state)
            else:
                found = incident_stories(connection, agreement, incident_filter)
            _STORIES.put(key, found)
    with _TELLING_LOCK:
        _TELLING.pop(key, None)  # told: later readers find it in _STORIES
    return found


@dataclass(frozen=True)
class Told:
    """Every incident's story at one state of the record, and each report's incident: what
    the next state is told from."""

    head: int
    head_hash: str  # the ledger entry at `head`: it commits to everything before it
    stories: dict[int, IncidentStory]
    incident_of: dict[str, int]  # report id -> incident number
    rows: int  # membership rows, and the sum of their incident numbers: what `record_state`
    numbers: int  # counts, so a state retold is checked against the table without a sum


Where = tuple[str, Any]  # a database, and the agreement version stories are told under
_LATEST: dict[Where, Told] = {}
# How each state told from the one before differs from it: (from head, to head, the incident
# numbers told again or gone). Readers that keep something per incident (the clock's
# violations) follow these rather than look at every incident again.
_CHANGES: dict[Where, deque[tuple[int, int, frozenset[int]]]] = {}
_CHANGES_KEPT = 256
_WHERE_LOCKS: dict[Where, threading.Lock] = {}
_WHERE_LOCKS_GUARD = threading.Lock()


def where_told(connection: Connection, agreement: LoadedAgreement | None) -> Where:
    return (
        _database(connection),
        None if agreement is None else (agreement.name, agreement.version),
    )


def told_now(
    connection: Connection,
    agreement: LoadedAgreement | None,
    state: tuple[int, int, int] | None = None,
) -> Told:
    """Every incident's story at the record's state: from the newest state told, when the
    ledger has only grown since (its entry at that state's head is unchanged), by telling
    again only the incidents the new entries touch; otherwise all of them."""
    state = state or record_state(connection)
    where = where_told(connection, agreement)
    # One thread at a time brings a database's stories up to date: a server starting has its
    # clock's first step and the dashboard's head start both asking, and the second then
    # finds the first's work rather than telling every incident again beside it.
    with _WHERE_LOCKS_GUARD:
        lock = _WHERE_LOCKS.setdefault(where, threading.Lock())
    with lock:
        before = _LATEST.get(where)
        same_state = before is not None and (before.head, before.rows, before.numbers) == state
        if before is not None and same_state and _same_history(connection, before):
            return before
        told = None
        if before is not None and before.head < state[0] and _same_history(connection, before):
            told = _retold(connection, agreement, before, state)
        if told is None:
            told = _told_in_full(connection, agreement)
            _CHANGES.pop(where, None)  # told afresh: no chain of changes leads here
        if before is None or told.head >= before.head:
            _LATEST[where] = told
        return told


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


def _every_story(
    connection: Connection, agreement: LoadedAgreement | None, state: tuple[int, int, int]
) -> list[IncidentStory]:
    told = told_now(connection, agreement, state)
    return [told.stories[n] for n in sorted(told.stories)]


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


def _told_in_full(connection: Connection, agreement: LoadedAgreement | None) -> Told:
    head, head_hash = _head(connection)
    stories = {s.number: s for s in incident_stories(connection, agreement)}
    incident_of = {r.report_id: n for n, s in stories.items() for r in s.members}
    numbers = sum(n * len(s.members) for n, s in stories.items())
    return Told(head, head_hash, stories, incident_of, len(incident_of), numbers)


def _retold(
    connection: Connection,
    agreement: LoadedAgreement | None,
    before: Told,
    state: tuple[int, int, int],
) -> Told | None:
    """`before` brought up to the record's head: the incidents holding a report, or named by
    a review, recorded since are told again, and so is every incident that lost a report to
    them; an incident whose reports all moved is gone. None when the result does not add up
    to the membership table (rows changed outside the ledger: a rebuild)."""
    head, head_hash = _head(connection)
    # Copied, not changed in place: readers may still hold the state before. (Two dict
    # copies are the part of a retelling that grows with the record; the rest grows with
    # what changed.)
    stories = dict(before.stories)
    incident_of = dict(before.incident_of)
    rows, numbers = before.rows, before.numbers
    changed = _touched_since(connection, before.head)
    every_changed: set[int] = set()
    while changed:
        every_changed |= changed
        fresh = {
            s.number: s
            for s in incident_stories(connection, agreement, IncidentFilter(numbers=changed))
        }
        losers: set[int] = set()
        for number in changed:
            gone = stories.pop(number, None)
            if gone is not None:
                rows -= len(gone.members)
                numbers -= number * len(gone.members)
        for number, story in fresh.items():
            stories[number] = story
            rows += len(story.members)
            numbers += number * len(story.members)
            for report in story.members:
                old = incident_of.get(report.report_id)
                if old is not None and old != number and old not in fresh:
                    losers.add(old)
                incident_of[report.report_id] = number
        changed = frozenset(losers)  # told again (or found gone) in the next round
    if (rows, numbers) != state[1:] or len(incident_of) != rows:
        return None
    where = where_told(connection, agreement)
    changes = _CHANGES.setdefault(where, deque(maxlen=_CHANGES_KEPT))
    changes.append((before.head, head, frozenset(every_changed)))
    return Told(head, head_hash, stories, incident_of, rows, numbers)


def _touched_since(connection: Connection, seq: int) -> frozenset[int]:
    """The incidents (as numbered now) that an entry after `seq` changed: those holding a row
    written since (a report recorded, or regrouped by one), and those holding a report a
    review or reply since judged."""
    written = (
        select(incident_members.c.incident_no)
        .where(incident_members.c.changed_seq > seq)
        .distinct()
    )
    found = {int(n) for n in connection.execute(written).scalars()}
    judged = (
        select(incident_members.c.incident_no)
        .join(review_reports, review_reports.c.report_id == incident_members.c.report_id)
        .where(review_reports.c.review_seq > seq)
        .distinct()
    )
    return frozenset(found | {int(n) for n in connection.execute(judged).scalars()})


_AHEAD = threading.Lock()


def tell_ahead_in_background(engine: Engine) -> None:
    """`tell_ahead` on a thread of its own, for a server starting: the first screen to open
    the dashboard then finds every incident told rather than waiting for 100,000 of them."""
    threading.Thread(target=tell_ahead, args=(engine,), daemon=True, name="tell-ahead").start()


def tell_ahead(engine: Engine) -> None:
    """Tell the stories of the record's current state (its default agreement, every incident:
    what the dashboard asks for) unless that is already being done, so the first screen to
    refetch after a change finds them told. Called when an event stream sees the record grow,
    so a server nobody watches spends nothing on it."""
    if not _AHEAD.acquire(blocking=False):
        return
    try:
        with reading(engine) as connection:
            name = default_name(connection)
            cached_incident_stories(connection, agreement_named(connection, name) if name else None)
    except Exception as exc:  # a failed head start only costs the next reader time
        logging.getLogger(__name__).warning("telling incident stories ahead failed: %s", exc)
    finally:
        _AHEAD.release()
