"""Each adopted plan's run, kept between clock steps: a step folds in what arrived since.

A clock step asks for the decision log as a running system writes it. Replayed from the start
at every step (`replay(plan, violations, until=now)`, every violation arriving at its record
time), that costs every violation of the record at every step. A running process keeps each
plan's `PlanRun` and what it was fed, and at each step feeds it what changed since the last:
new violations at their record times (the calls a replay would make, so the same log); and
violations that changed since they were fed (a corroborating report, a review) or that count
only now though they are older (an analyst attributes an old incident) are taken out and fed
again at the step's time, as the record learnt them. What they had decided is then withdrawn
and corrected at that time, never before it: a replay from the start, knowing only the
final versions, would date the corrections back. Both stand alike (property-tested: what the
log leaves standing is the replay's), so a process that starts afresh and replays writes
nothing more. The run is replayed from the start only when none is kept (a process's first
step, a plan version adopted).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from sqlalchemy import Connection

from ceasefire.domain.enforcement.decisions import Decision
from ceasefire.domain.enforcement.plan import Plan
from ceasefire.domain.enforcement.plan_run import PlanRun, replay, run_timeline
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.incidents.book import incident_label
from ceasefire.speed.stories import StillTelling
from ceasefire.speed.violations import KeptViolations, State
from ceasefire.store.enforcement_store import AdoptedPlan


@dataclass
class _Run:
    run: PlanRun
    fed: dict[str, Violation]  # what the run was fed, by violation id
    waiting: dict[str, Violation]  # in the record, known after `until`: fed when it comes
    until: datetime  # the clocks have run to here
    source: tuple[Hashable, State] | None  # the kept violations' place and state, if kept


class KeptRuns:
    """Runs kept by key (a database and an adopted plan version)."""

    def __init__(self) -> None:
        self._runs: dict[Hashable, _Run] = {}
        self._lock = threading.RLock()  # `timeline` steps the run, then reads it

    def log(
        self, key: Hashable, plan: Plan, violations: Sequence[Violation], until: datetime
    ) -> list[Decision]:
        """The log of the run kept under `key`, fed what changed and run to `until`; the
        first time, `replay(plan, violations, until)` (and kept). A run kept ahead of `until`
        (another thread asked a moment later) is taken as it is."""
        with self._lock:
            kept = self._runs.get(key)
            if kept is None:
                kept = self._runs[key] = _from_the_start(plan, violations, until)
            else:
                until = max(until, kept.until)
                feed = _arrived_since(kept, violations, until)
                for known_at, batch in groupby(feed.arrivals, key=lambda v: v.known_at):
                    arrivals = list(batch)
                    kept.run.receive(arrivals, known_at)
                    kept.fed.update((v.violation_id, v) for v in arrivals)
                if feed.replaced or feed.revised:
                    kept.run.receive(feed.revised, until, replacing=feed.replaced)
                    for old in feed.replaced:
                        del kept.fed[old.violation_id]
                    kept.fed.update((v.violation_id, v) for v in feed.revised)
                kept.run.tick(until)
                kept.until = until
            kept.source = _source(violations)
            return list(kept.run.log)

    def timeline(
        self,
        key: Hashable,
        plan: Plan,
        violations: Sequence[Violation],
        until: datetime,
        wait: float | None = None,
    ) -> list[Decision]:
        """`timeline(plan, violations)` (those known by `until`) from the run kept under
        `key`, brought up to date as a step would (its log is the step's to write), then read
        off its tracks' folds: nothing of the record folded again. `wait`: how long to wait
        for another thread replaying a run (else `StillTelling`)."""
        if not self._lock.acquire(timeout=-1 if wait is None else wait):
            raise StillTelling("the server is replaying the plan; try again in a few seconds")
        try:
            self.log(key, plan, violations, until)
            return run_timeline(self._runs[key].run)
        finally:
            self._lock.release()

    def next_clock(self) -> datetime | None:
        """The earliest moment a pending clock of any kept run could bring a decision."""
        with self._lock:
            found = [
                clock
                for kept in self._runs.values()
                for track in kept.run.tracks.values()
                # Those the run has ticked past are decided (or found not to be).
                if (clock := track.fold.pending_clock()) is not None and clock > kept.until
            ]
        return min(found, default=None)


_KEPT = KeptRuns()


def next_clock() -> datetime | None:
    """`KeptRuns.next_clock` of this process's runs: when the clock loop must step next."""
    return _KEPT.next_clock()


def run_key(connection: Connection, adopted: AdoptedPlan) -> Hashable:
    database = connection.engine.url.render_as_string()
    # A recorded migration moves an open track to another version: a run of its own.
    # An answer to a confirmation gate changes what the plan decides: a run of its own too.
    return (
        database,
        adopted.name,
        adopted.version,
        adopted.content_sha256,
        adopted.migrations,
        adopted.answers,
    )


def kept_log(
    connection: Connection,
    adopted: AdoptedPlan,
    plan: Plan,
    violations: Sequence[Violation],
    until: datetime,
) -> list[Decision]:
    """A step's log for `adopted` (see `services.live.PlanLog`), from this process's run."""
    return _KEPT.log(run_key(connection, adopted), plan, violations, until)


def kept_timeline(
    connection: Connection,
    adopted: AdoptedPlan,
    plan: Plan,
    violations: Sequence[Violation],
    until: datetime,
    wait: float | None = None,
) -> list[Decision]:
    """The plan's timeline from this process's kept run (see `KeptRuns.timeline`)."""
    return _KEPT.timeline(run_key(connection, adopted), plan, violations, until, wait)


def _source(violations: Sequence[Violation]) -> tuple[Hashable, State] | None:
    if isinstance(violations, KeptViolations):
        return violations.where, violations.state
    return None


def _from_the_start(plan: Plan, violations: Sequence[Violation], until: datetime) -> _Run:
    """The replay, keeping the run and what it was fed."""
    fed = [v for v in violations if v.known_at <= until]
    run = PlanRun(plan)
    log = replay(plan, fed, until, run=run)
    assert log is run.log
    waiting = {v.violation_id: v for v in violations if v.known_at > until}
    return _Run(run, {v.violation_id: v for v in fed}, waiting, until, None)


@dataclass
class _Feed:
    """What a kept run is fed at a step."""

    arrivals: list[Violation] = field(default_factory=list)  # new since, in arrival order
    replaced: list[Violation] = field(default_factory=list)  # fed before; changed or gone
    revised: list[Violation] = field(default_factory=list)  # the record's versions now


def _arrived_since(kept: _Run, violations: Sequence[Violation], until: datetime) -> _Feed:
    """What to feed a kept run: the violations new since its last step, in the replay's
    order of arrival; and those that changed since they were fed (a corroborating report, a
    review), or that the record holds only now though they count from before (an analyst's
    attribution of an old incident): those are known now, at `until`. From what changed
    since the run's last step when the violations say (kept ones do), else by comparing
    every violation with what was fed."""
    changed = _changed(kept, violations)
    if changed is None:
        now: dict[str, Violation | None] = {v.violation_id: v for v in violations}
        changed = dict(now)
        changed.update((vid, now.get(vid)) for vid in kept.fed)
    feed = _Feed()
    for vid, violation in changed.items():
        fed = kept.fed.get(vid)
        kept.waiting.pop(vid, None)
        if fed is not None:
            if violation == fed:
                continue
            feed.replaced.append(fed)  # changed or gone: out of the run, now
        if violation is None:
            continue
        if violation.known_at > until:
            kept.waiting[vid] = violation
        elif fed is not None or violation.known_at <= kept.until:
            feed.revised.append(violation)  # known to the run only now
        else:
            feed.arrivals.append(violation)
    for vid, violation in list(kept.waiting.items()):
        if violation.known_at <= until and vid not in changed:
            del kept.waiting[vid]
            feed.arrivals.append(violation)
    feed.arrivals.sort(key=lambda v: (v.known_at, v.violation_id))
    return feed


def _changed(kept: _Run, violations: Sequence[Violation]) -> dict[str, Violation | None] | None:
    """From kept violations: each violation id that changed since the run's last step, with
    its violation now (None: gone); None when that cannot be told (compare everything)."""
    if kept.source is None or not isinstance(violations, KeptViolations):
        return None
    where, state = kept.source
    if where != violations.where:
        return None
    changed = violations.changed_since(state)
    if changed is None:
        return None
    # Missed commitments come whole at every step: one fed and no longer missed is gone.
    for vid in kept.fed:
        if not vid.startswith(_INCIDENT_PREFIX) and vid not in changed:
            changed[vid] = None
    return changed


_INCIDENT_PREFIX = incident_label(0).removesuffix("0")
