"""The clock of a running process (`ceasefire clock`, `serve`): a step as soon as there is
something to decide, not at the next tick of a fixed timer.

A decision is due when a report, review or reply brings it, or when one of the plan's clocks
(the 24 h cure, the 72 h phase 3, the quiet before a stand-down) runs out. Stepping every 30 s
left both up to 30 s late, and guarantors' alerts with them. Here the loop watches the
record's head (one step down an index, a few times a second) and the earliest pending clock
of the runs it keeps, and steps when either moves past; the fixed interval remains, for
reminders and retried notifications. Of several servers on one PostgreSQL record, one runs
the clock (`Leadership`) and the others stand by, ready to take over within a watch when it
stops; the step's own advisory lock still makes each step one server's.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, func, select

from ceasefire.clock import utc_now
from ceasefire.domain.transparency import NoteSigner
from ceasefire.services.live import StepResult, running_plan, step
from ceasefire.services.notify import Delivery, deliver_due
from ceasefire.services.transparency import Signed, sign_checkpoint
from ceasefire.speed.collector import freeze_what_was_read
from ceasefire.speed.plan_runs import kept_log, next_clock
from ceasefire.speed.violations import violations_now
from ceasefire.store.agreement_store import default_name
from ceasefire.store.db import reading
from ceasefire.store.enforcement_store import adopted_plans
from ceasefire.store.schema import ledger

# A running clock signs a checkpoint of the log at most this often (and only when it grew):
# a receipt is ready within seconds, and a busy day is thousands of checkpoints, not millions.
SIGN_EVERY = timedelta(seconds=5)

# How often the record's head is read between steps: the most an arrival waits for its step.
WATCH_SECONDS = 0.2


@dataclass(frozen=True)
class Stepped:
    result: StepResult
    delivered: Delivery
    at: datetime  # the step's `now`: it read every report acknowledged before this
    seconds: float  # from `at` to the outbox delivered
    delivering: float = 0.0  # of which sending notifications
    checkpoint: Signed | None = None  # the log's latest signed checkpoint, if this one signs

    def line(self) -> str:
        """The step in one line, for a server's log: when it read the record, how long it
        took, what it did (an alert's latency, end to end, is read off these)."""
        if self.result.skipped:
            return f"clock step at {self.at.isoformat()} skipped: another server took it"
        r, d = self.result, self.delivered
        return (
            f"clock step at {self.at.isoformat()} took {self.seconds:.3f} s "
            f"({self.delivering:.3f} s delivering): "
            f"{_n(sum(r.recorded.values()), 'decision')}, {_n(len(r.reminders), 'reminder')}, "
            f"{_n(r.queued, 'notification')} queued, {d.delivered} delivered, "
            f"{d.failed} to retry"
            + (
                f"; checkpoint of {self.checkpoint.checkpoint.size:,} entries signed"
                if self.checkpoint is not None and self.checkpoint.new
                else ""
            )
        )

    @property
    def did_something(self) -> bool:
        r, d = self.result, self.delivered
        return bool(sum(r.recorded.values()) or r.reminders or r.queued or d.delivered or d.failed)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def one_step(
    engine: Engine,
    *,
    remind_every: timedelta,
    agreement: str | None,
    worker: str,
    say: Callable[[str], None] = lambda _: None,
    signer: NoteSigner | None = None,
    sign_every: timedelta = timedelta(0),
) -> Stepped:
    """Bring what this process keeps up to date outside any write (the first time, every
    incident of the record: the long part, with no lock held), then the step itself (which
    then reads only what arrived in between), then deliver the outbox, then sign a checkpoint
    of the log with `signer` if it grew (at most every `sign_every`). `say` hears what it is
    doing, for a person waiting."""
    catch_up(engine, utc_now(), agreement, say)
    say("recording decisions and reminders")
    now = utc_now()
    started = time.perf_counter()
    result = step(
        engine,
        now=now,
        clock=utc_now,
        remind_every=remind_every,
        agreement=agreement,
        violations=violations_now,  # kept between steps: each reads what changed
        plan_log=kept_log,
    )
    say(f"delivering {result.queued} notifications" if result.queued else "delivering")
    sending = time.perf_counter()
    delivered = deliver_due(engine, now=utc_now(), worker=worker)
    done = time.perf_counter()
    signed = None
    if signer is not None and not result.skipped:
        say("signing a checkpoint of the log")
        signed = sign_checkpoint(engine, signer, utc_now, at_least_every=sign_every)
    return Stepped(result, delivered, now, done - started, done - sending, signed)


def catch_up(
    engine: Engine,
    now: datetime,
    agreement: str | None,
    say: Callable[[str], None] = lambda _: None,
) -> None:
    """The kept violations and each adopted plan's kept run, brought to the record as it is,
    in a read-only transaction."""
    with reading(engine) as connection:
        name = agreement if agreement is not None else default_name(connection)
        say("reading the record's incidents (the first step of a process reads them all)")
        found = violations_now(connection, name, at=now)
        for adopted in adopted_plans(connection):
            say(f"running {adopted.name} over {len(found):,} violations")
            kept_log(connection, adopted, running_plan(adopted), found, now)
    freeze_what_was_read()
    caught_up(engine).set()


_CAUGHT_UP: dict[str, threading.Event] = {}
_STARTING = threading.Lock()


def caught_up(engine: Engine) -> threading.Event:
    """Set once this process keeps the record's violations and plan runs (its first
    `catch_up` is over): from then on, asking where each track stands costs what changed."""
    with _STARTING:
        return _CAUGHT_UP.setdefault(engine.url.render_as_string(), threading.Event())


def catch_up_in_background(engine: Engine) -> None:
    """A first `catch_up` on a thread of its own, unless one has been done or is under way:
    for a server whose first request for the tracks comes before its clock's first step (or
    a worker process with no clock), so that request is not the one that waits a minute."""
    done = caught_up(engine)
    with _STARTING:
        if done.is_set() or any(t.name == "catch-up" for t in threading.enumerate()):
            return
        threading.Thread(target=_first, args=(engine,), daemon=True, name="catch-up").start()


def _first(engine: Engine) -> None:
    try:
        catch_up(engine, utc_now(), None)
    except Exception as exc:  # the clock's next step, or the next request, tries again
        logging.getLogger(__name__).warning("reading the record ahead failed: %s", exc)


def head(engine: Engine) -> int:
    with reading(engine) as connection:
        return int(connection.execute(select(func.max(ledger.c.seq))).scalar_one() or 0)


# The key of the PostgreSQL advisory lock the process running the clock holds for as long as
# it runs (with the schema's hash, as `services.live` keys the step's own lock; another key:
# advisory locks of one key conflict between sessions).
_LEADER_LOCK = 7_203_002
# How often the clock's holder checks that its session (and so its lock) is still there.
LEADER_CHECK_SECONDS = 5.0
# How often a process standing by reads the record's changes into what it keeps, so that on
# taking over its first step reads seconds of changes, not the whole record (84 s at a
# million reports, every decision falling due meanwhile late by as much).
STANDBY_READ_SECONDS = 5.0


class Leadership:
    """Which of the processes on one PostgreSQL record runs the clock: the one holding a
    session advisory lock, on a connection kept for it alone. Every server stepping read the
    new entries of the record at every step, and all but one then found the step taken: on
    two servers, the clock's reading was done twice for nothing, on the cores serving
    requests. The others stand by, try for the lock as often as the clock watches the record
    and keep their reading of it current every few seconds; when the process holding it
    dies, PostgreSQL ends its session and lets the lock go, and one of them takes over within
    a watch. SQLite has one writing process: it leads. The step keeps its own lock, so two
    processes that both think they lead (a session lost unnoticed) still take each step
    once."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._checked = 0.0

    def held(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        if self._connection is not None:
            if time.monotonic() - self._checked < LEADER_CHECK_SECONDS:
                return True
            try:
                self._connection.exec_driver_sql("SELECT 1")
                self._checked = time.monotonic()
                return True
            except Exception:  # the session, and the lock with it, is gone
                self.release()
        connection = self.engine.connect()
        try:
            taken = connection.exec_driver_sql(
                f"SELECT pg_try_advisory_lock({_LEADER_LOCK}, hashtext(current_schema()))"
            ).scalar()
            connection.commit()  # the lock is the session's; end the autobegun transaction
        except Exception:
            connection.invalidate()
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection, self._checked = connection, time.monotonic()
        return True

    def release(self) -> None:
        """Give the clock up (the session ends, and its lock with it)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                connection.invalidate()  # never back to the pool with the lock held
                connection.close()


def run(
    engine: Engine,
    *,
    interval: float,
    stop: threading.Event,
    remind_every: timedelta,
    agreement: str | None,
    worker: str,
    stepped: Callable[[Stepped], None],
    failed: Callable[[Exception], None],
    leading: Callable[[bool], None] = lambda _: None,
    signer: NoteSigner | None = None,
) -> None:
    """Step when the record's head moves, when a kept plan clock runs out, and at least every
    `interval` seconds, until `stop` is set, while this process leads (`Leadership`): else
    stand by. `stepped` hears each step; `failed` each error (the loop goes on: the next step
    retries); `leading` each change of whether this process runs the clock."""
    seen: int | None = None
    last = float("-inf")
    leadership = Leadership(engine)
    led: bool | None = None
    kept_up = float("-inf")  # when a process standing by last read the record's changes
    try:
        while not stop.is_set():
            try:
                leads = leadership.held()
                if leads != led:
                    led = leads
                    leading(leads)
                    seen, last = None, float("-inf")  # a new leader steps at once
                if not leads:
                    if time.monotonic() - kept_up >= STANDBY_READ_SECONDS:
                        catch_up(engine, utc_now(), agreement)
                        kept_up = time.monotonic()
                    stop.wait(WATCH_SECONDS)
                    continue
                now_head = head(engine)
                clock = next_clock()
                due = (
                    now_head != seen
                    or time.monotonic() - last >= interval
                    or (clock is not None and clock <= utc_now())
                )
                if due:
                    last = time.monotonic()
                    stepped(
                        one_step(
                            engine,
                            remind_every=remind_every,
                            agreement=agreement,
                            worker=worker,
                            signer=signer,
                            sign_every=SIGN_EVERY,
                        )
                    )
                    seen = now_head  # read before the step: what arrived during it is next
            except Exception as exc:  # keep running; the next step retries
                failed(exc)
                seen, last = None, time.monotonic()
                stop.wait(min(interval, 5.0))
                continue
            stop.wait(WATCH_SECONDS)
    finally:
        leadership.release()
