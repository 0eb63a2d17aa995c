"""Group commit: one writer per process stores the reports of many requests in one transaction.

The record is one hash chain, so appends are serialised (`lock_head`); storing a single report
costs a transaction, a placement, a grouping query and a commit, all under that lock, and a
service that did this per request would file under a hundred reports a second. Requests
instead validate on their own, hand the writer a `Submission` and wait for its answer (a
coroutine awaits it, a thread blocks); the writer takes every submission waiting and stores
them together, then answers each. A request is answered only after the transaction that holds
its reports has committed.

A submission is still all or nothing: if any report in a group conflicts with the record, the
group is stored again one submission per transaction, so the conflict refuses only its own.

The writer keeps its incident book between transactions (`_KeptBook`) while nothing else
writes: in a barrage (hundreds of reports a second, all within a link's time of each other) a
new book per transaction read back and linked every report of the last minutes near each batch,
so a report cost more the more had come before it (`benchmarks/barrage.py`).
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from ceasefire.domain.incidents.book import IncidentBook, incident_label
from ceasefire.domain.intake import REPORT_RECEIVED, SOURCE_REGISTERED, IntakePlan
from ceasefire.domain.validation import Accepted
from ceasefire.services.incidents import Grouping
from ceasefire.services.ingest import store_accepted
from ceasefire.store.db import writing
from ceasefire.store.enforcement_store import ACTION_ACKNOWLEDGED, DECISION_RECORDED
from ceasefire.store.extraction_store import REPORT_EXTRACTED, append_new_extractions
from ceasefire.store.incident_store import (
    StoreLoader,
    changed_since,
    membership,
    record_state,
)
from ceasefire.store.ledger_store import ChainHead, lock_head
from ceasefire.store.schema import idempotency, ledger, report_submitters


@dataclass(frozen=True)
class Submission:
    user: str
    accepted: Sequence[Accepted]
    idempotency_key: str | None = None
    request_sha256: str = ""
    batch: bool = False  # sent as a list: problems are named reports[i].field
    # Reports read from prose: how each was read, stored beside it when it is new.
    extractions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


@dataclass
class _Job:
    submission: Submission
    future: Future[Answer] = field(default_factory=Future)


class _Conflicted(Exception):
    pass


# Entries that change the incidents only as grouping new reports does (membership rows written
# with a later `changed_seq`, links only to those new reports); any other (a review, a
# regrouping) and a kept book begins again.
_GROUPING_ONLY = frozenset(
    {REPORT_RECEIVED, SOURCE_REGISTERED, REPORT_EXTRACTED, DECISION_RECORDED, ACTION_ACKNOWLEDGED}
)


class _KeptBook:
    """The writer's incident book, kept from one transaction to the next while the record is
    as the writer left it (the ledger's head, its hash and the incidents' rebuilds, read under
    the chain's lock). Then the book holds every report recorded since it began, and asks the
    database only for reports recorded before that. Anything else written meanwhile (another
    process's review, a rebuild, a restored backup) and the next transaction starts
    a new book, as every transaction did before; so does one after a failed transaction (its
    changes to the book were not stored). Other writers' reports (a second server) and the
    clock's decisions are caught up with instead (`_caught_up`)."""

    # Beyond, begin again: a book only grows, about 2.6 KB a report held (12,030 held after
    # a 12,000-report barrage grew the process by 31 MB), so at most ~130 MB; a new book costs
    # one transaction the reading a book kept saves.
    MOST_REPORTS = 50_000

    def __init__(self) -> None:
        self._book: IncidentBook | None = None
        self._state: tuple[int, int, str] | None = None
        self._since = 0  # the ledger's head when the kept book began

    def take(self, connection: Connection, head: ChainHead) -> IncidentBook:
        """The book for a transaction holding the chain's lock at `head`."""
        book, self._book = self._book, None  # a transaction that fails keeps none
        if book is not None and self._caught_up(connection, book):
            book.ask(StoreLoader(connection, held_after=self._since))
            return book
        self._since = head[0]
        return IncidentBook(loader=StoreLoader(connection))

    def _caught_up(self, connection: Connection, book: IncidentBook) -> bool:
        """Whether the kept book is the record's: nothing written since it was kept, or only
        entries that change no incident but by grouping reports (another server's writer,
        the clock's decisions), whose rows it then reads (by index: what changed)."""
        assert self._state is not None
        state = record_state(connection)
        if state == self._state:
            return True
        seq, rebuilds, entry_hash = self._state
        if state[1] != rebuilds or state[0] - seq > self.MOST_REPORTS:
            return False
        at = connection.execute(select(ledger.c.entry_hash).where(ledger.c.seq == seq))
        if at.scalar_one_or_none() != entry_hash:  # another history (a restored backup)
            return False
        kinds = connection.execute(
            select(ledger.c.kind).where(ledger.c.seq > seq).group_by(ledger.c.kind)
        ).scalars()
        if not set(kinds) <= _GROUPING_ONLY:
            return False
        book.caught_up(changed_since(connection, seq))
        return True

    def after(self, connection: Connection) -> tuple[int, int, str]:
        """The record's state at the end of the transaction, before it commits."""
        return record_state(connection)

    def held(self) -> tuple[int, int] | None:
        return None if self._book is None else (self._since, len(self._book))

    def keep(self, book: IncidentBook, state: tuple[int, int, str]) -> None:
        """After the commit: the book's changes are stored."""
        book.committed()
        if len(book) <= self.MOST_REPORTS:
            self._book, self._state = book, state


class Appender:
    def __init__(
        self, engine: Engine, clock: Callable[[], datetime], *, max_reports: int = 2_000
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.max_reports = max_reports
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._kept = _KeptBook()  # used by the writer's thread only

    @property
    def kept(self) -> tuple[int, int] | None:
        """The writer's kept incident book: the ledger entry it began at and how many reports
        it holds; None when it keeps none (its next transaction reads what it needs)."""
        return self._kept.held()

    def submit(self, submission: Submission, timeout: float = 120.0) -> Answer:
        """Store the submission (with whatever else is waiting) and return its answer."""
        return self.enqueue(submission).result(timeout)

    async def submit_async(self, submission: Submission) -> Answer:
        """`submit` for a coroutine: the event loop serves other requests meanwhile, and no
        thread is held waiting for the writer (a thread-pool trip per request cost more than
        the rest of the request's own work on the event loop)."""
        return await asyncio.wrap_future(self.enqueue(submission))

    def enqueue(self, submission: Submission) -> Future[Answer]:
        """Queue the submission; the future holds its answer once its transaction is over."""
        self._ensure_started()
        job = _Job(submission)
        self._queue.put(job)
        return job.future

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="appender", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            waiting = [self._queue.get()]
            size = len(waiting[0].submission.accepted)
            while size < self.max_reports:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                waiting.append(job)
                size += len(job.submission.accepted)
            jobs = self._taken(waiting)
            if jobs:
                self._store(jobs)

    @staticmethod
    def _taken(jobs: list[_Job]) -> list[_Job]:
        """The jobs whose requests still wait. A request given up before the writer took it
        (its caller cancelled) is not stored: nobody was told it was, and a retry with its
        key stores it. Once taken, a job can no longer be cancelled, so its answer is set."""
        return [job for job in jobs if job.future.set_running_or_notify_cancel()]

    def _store(self, jobs: list[_Job]) -> None:
        try:
            answers = self._in_one_transaction(jobs)
        except _Conflicted:
            for job in jobs:  # one at a time: a conflict refuses only its own submission
                self._store_alone(job)
            return
        except Exception as exc:  # the transaction rolled back: nobody's reports are stored
            for job in jobs:
                job.future.set_exception(exc)
            return
        for job, answer in zip(jobs, answers, strict=True):
            job.future.set_result(answer)

    def _store_alone(self, job: _Job) -> None:
        try:
            (answer,) = self._in_one_transaction([job], conflicts_answer=True)
        except Exception as exc:
            job.future.set_exception(exc)
        else:
            job.future.set_result(answer)

    def _in_one_transaction(
        self, jobs: list[_Job], *, conflicts_answer: bool = False
    ) -> list[Answer]:
        answers: list[Answer | None] = [None] * len(jobs)
        with writing(self.engine) as connection:
            head = lock_head(connection)  # one writer at a time from here: no key check races
            book = self._kept.take(connection, head)
            fresh = []
            retried: dict[int, int] = {}  # a retry queued beside its first try -> that try
            first_with: dict[tuple[str, str], int] = {}
            earlier_rows = _earlier_rows(connection, [job.submission for job in jobs])
            for k, job in enumerate(jobs):
                s = job.submission
                earlier = _earlier_answer(earlier_rows, s)
                if earlier is not None:
                    answers[k] = earlier
                elif s.idempotency_key and (s.user, s.idempotency_key) in first_with:
                    retried[k] = first_with[(s.user, s.idempotency_key)]
                else:
                    fresh.append(k)
                    if s.idempotency_key:
                        first_with[(s.user, s.idempotency_key)] = k
            combined = [a for k in fresh for a in jobs[k].submission.accepted]
            if combined:
                plan, grouping = store_accepted(
                    connection, combined, clock=self.clock, head=head, book=book
                )
                if plan.conflicts:
                    if not conflicts_answer:
                        raise _Conflicted
                    connection.rollback()
                    (k,) = fresh
                    return [_conflict_answer(plan, jobs[k].submission)]
                append_new_extractions(
                    connection,
                    self.clock,
                    (prepared.report.report_id for prepared in plan.reports),
                    (r for k in fresh for r in jobs[k].submission.extractions.items()),
                )
                done = _answers(connection, plan, grouping, [jobs[k] for k in fresh])
                for k, answer in zip(fresh, done, strict=True):
                    answers[k] = answer
                pairs = [(jobs[k].submission, a) for k, a in zip(fresh, done, strict=True)]
                _remember(connection, pairs, self.clock())
            for k, first in retried.items():
                same = jobs[k].submission.request_sha256 == jobs[first].submission.request_sha256
                answers[k] = answers[first] if same else _reused_key()
            state = self._kept.after(connection)
        self._kept.keep(book, state)  # committed
        assert all(a is not None for a in answers)
        return [a for a in answers if a is not None]


def _earlier_rows(
    connection: Connection, submissions: Sequence[Submission]
) -> dict[tuple[str, str], Any]:
    """The stored answers for every key in the group, in one query."""
    keyed = {(s.user, s.idempotency_key) for s in submissions if s.idempotency_key}
    if not keyed:
        return {}
    users = sorted({user for user, _ in keyed})
    keys = sorted({key for _, key in keyed if key})
    rows = connection.execute(
        select(idempotency).where(idempotency.c.user.in_(users), idempotency.c.key.in_(keys))
    )
    return {(r.user, r.key): r for r in rows if (r.user, r.key) in keyed}


def _earlier_answer(rows: dict[tuple[str, str], Any], submission: Submission) -> Answer | None:
    if not submission.idempotency_key:
        return None
    row = rows.get((submission.user, submission.idempotency_key))
    if row is None:
        return None
    if row.request_sha256 != submission.request_sha256:
        return _reused_key()
    return Answer(int(row.status), json.loads(row.response))


def _reused_key() -> Answer:
    problem = {"field": "Idempotency-Key", "reason": "used before with a different body"}
    return Answer(
        422,
        {"detail": "this Idempotency-Key was used with a different body", "problems": [problem]},
    )


def _conflict_answer(plan: IntakePlan, submission: Submission) -> Answer:
    problems = [
        {"field": field_path(c.field, c.index, batch=submission.batch), "reason": c.reason}
        for c in plan.conflicts
    ]
    return Answer(
        409, {"detail": "conflicts with the record; nothing stored", "problems": problems}
    )


def field_path(name: str, index: int, *, batch: bool) -> str:
    """Where a problem is: `lat` in a single report, `reports[3].lat` in a batch."""
    return f"reports[{index}].{name}" if batch else name


def _answers(
    connection: Connection, plan: IntakePlan, grouping: Grouping, jobs: list[_Job]
) -> list[Answer]:
    """Each submission's answer: which of its reports were added (the first to bring a report
    adds it; anyone else, before or in the same group, repeats it) and their incidents: the
    grouping knows those of the added ones; only repeats of stored reports are looked up."""
    added_ids = {p.report.report_id for p in plan.reports}
    incident_of = dict(grouping.incident_of)
    stored_before = {
        a.report.report_id for job in jobs for a in job.submission.accepted
    } - incident_of.keys()
    if stored_before:
        incident_of |= {
            report_id: row.incident
            for report_id, row in membership(connection, stored_before).items()
        }
    claimed: set[str] = set()
    answers = []
    filed: list[dict[str, str]] = []
    for job in jobs:
        items = []
        mine = []
        for index, accepted in enumerate(job.submission.accepted):
            report_id = accepted.report.report_id
            added = report_id in added_ids and report_id not in claimed
            if added:
                claimed.add(report_id)
                mine.append(report_id)
            number = incident_of.get(report_id)
            items.append(
                {
                    "index": index,
                    "report_id": report_id,
                    "status": "added" if added else "repeat",
                    "incident": None if number is None else incident_label(number),
                    # an inclusion proof once the next checkpoint is signed (seconds)
                    "receipt": f"/api/log/receipts/{report_id}",
                }
            )
        filed += [{"report_id": r, "user": job.submission.user} for r in mine]
        body = {"added": len(mine), "repeats": len(items) - len(mine), "reports": items}
        answers.append(Answer(201 if mine else 200, body))
    if filed:
        connection.execute(report_submitters.insert(), filed)
    return answers


def _remember(
    connection: Connection, answered: Sequence[tuple[Submission, Answer]], now: datetime
) -> None:
    rows = [
        {
            "user": submission.user,
            "key": submission.idempotency_key,
            "request_sha256": submission.request_sha256,
            "status": answer.status,
            "response": json.dumps(answer.body),
            "created_at": now,
        }
        for submission, answer in answered
        if submission.idempotency_key
    ]
    if rows:
        connection.execute(idempotency.insert(), rows)
