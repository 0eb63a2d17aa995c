"""Every incident's story, kept between requests: the dashboard's speed on a large record.

What the stories are is `services.incidents.incident_stories`; this module only decides when
they need telling again. Nothing here changes an answer, only how soon it comes.
"""

from __future__ import annotations

import logging
import threading
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
class _Told:
    """Every incident's story at one state of the record, and each report's incident: what
    the next state is told from."""

    head: int
    head_hash: str  # the ledger entry at `head`: it commits to everything before it
    stories: dict[int, IncidentStory]
    incident_of: dict[str, int]  # report id -> incident number


_LATEST: dict[tuple[str, Any], _Told] = {}  # per database and agreement version


def _every_story(
    connection: Connection, agreement: LoadedAgreement | None, state: tuple[int, int, int]
) -> list[IncidentStory]:
    """Every incident's story at `state`: from the newest state told, when the ledger has
    only grown since (its entry at that state's head is unchanged), by telling again only the
    incidents the new entries touch; otherwise all of them."""
    where = (
        _database(connection),
        None if agreement is None else (agreement.name, agreement.version),
    )
    before = _LATEST.get(where)
    told = None
    if before is not None and before.head < state[0] and _same_history(connection, before):
        told = _retold(connection, agreement, before, state)
    if told is None:
        told = _told_in_full(connection, agreement)
    if before is None or told.head >= before.head:
        _LATEST[where] = told
    return [told.stories[n] for n in sorted(told.stories)]


def _database(connection: Connection) -> str:
    return connection.engine.url.render_as_string()


def _same_history(connection: Connection, told: _Told) -> bool:
    entry = connection.execute(select(ledger.c.entry_hash).where(ledger.c.seq == told.head))
    return entry.scalar_one_or_none() == told.head_hash


def _head(connection: Connection) -> tuple[int, str]:
    row = connection.execute(
        select(ledger.c.seq, ledger.c.entry_hash).order_by(ledger.c.seq.desc()).limit(1)
    ).first()
    return (0, "") if row is None else (int(row.seq), row.entry_hash)


def _told_in_full(connection: Connection, agreement: LoadedAgreement | None) -> _Told:
    head, head_hash = _head(connection)
    stories = {s.number: s for s in incident_stories(connection, agreement)}
    incident_of = {r.report_id: n for n, s in stories.items() for r in s.members}
    return _Told(head, head_hash, stories, incident_of)


def _retold(
    connection: Connection,
    agreement: LoadedAgreement | None,
    before: _Told,
    state: tuple[int, int, int],
) -> _Told | None:
    """`before` brought up to the record's head: the incidents holding a report, or named by
    a review, recorded since are told again, and so is every incident that lost a report to
    them; an incident whose reports all moved is gone. None when the result does not add up
    to the membership table (rows changed outside the ledger: a rebuild)."""
    head, head_hash = _head(connection)
    stories = dict(before.stories)
    incident_of = dict(before.incident_of)
    changed = _touched_since(connection, before.head)
    while changed:
        fresh = {
            s.number: s
            for s in incident_stories(connection, agreement, IncidentFilter(numbers=changed))
        }
        losers: set[int] = set()
        for number in changed:
            stories.pop(number, None)
        for number, story in fresh.items():
            stories[number] = story
            for report in story.members:
                old = incident_of.get(report.report_id)
                if old is not None and old != number and old not in fresh:
                    losers.add(old)
                incident_of[report.report_id] = number
        changed = frozenset(losers)  # told again (or found gone) in the next round
    rows = sum(len(s.members) for s in stories.values())
    numbers = sum(n * len(s.members) for n, s in stories.items())
    if (rows, numbers) != state[1:] or len(incident_of) != rows:
        return None
    return _Told(head, head_hash, stories, incident_of)


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
