"""Each adopted plan's run, kept between clock steps: a step folds in what arrived since.

A clock step asks for the decision log as a running system would have written it:
`replay(plan, violations, until=now)`, every violation arriving at its record time. Replayed
from the start at every step, that costs every violation of the record every 30 s. A running
process keeps each plan's `PlanRun` and what it was fed, and when the record has only grown
since the last step (the violations fed are all still there, unchanged, and every new one
became known after that step) it feeds the new ones in and runs the clocks on: the same calls,
in the same order, that the replay would make, so the same log (property-tested). Anything
else (a review that changed a violation fed, a late arrival known before the last step, a
plan version adopted) replays from the start, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from sqlalchemy import Connection

from ceasefire.domain.enforcement.decisions import Decision
from ceasefire.domain.enforcement.plan import Plan
from ceasefire.domain.enforcement.plan_run import PlanRun, replay
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.store.enforcement_store import AdoptedPlan


@dataclass
class _Run:
    run: PlanRun
    fed: dict[str, Violation]  # what the run was fed, by violation id
    until: datetime  # the clocks have run to here


class KeptRuns:
    """Runs kept by key (a database and an adopted plan version)."""

    def __init__(self) -> None:
        self._runs: dict[Hashable, _Run] = {}
        self._lock = threading.Lock()

    def log(
        self, key: Hashable, plan: Plan, violations: list[Violation], until: datetime
    ) -> list[Decision]:
        """`replay(plan, violations, until)`, from the run kept under `key` when the record
        has only grown since its last step; else replayed from the start (and kept)."""
        with self._lock:
            kept = self._runs.get(key)
            new = None if kept is None else _arrived_since(kept, violations, until)
            if kept is None or new is None:
                kept = self._runs[key] = _from_the_start(plan, violations, until)
            else:
                for known_at, batch in groupby(new, key=lambda v: v.known_at):
                    arrivals = list(batch)
                    kept.run.receive(arrivals, known_at)
                    kept.fed.update((v.violation_id, v) for v in arrivals)
                kept.run.tick(until)
                kept.until = until
            return list(kept.run.log)


_KEPT = KeptRuns()


def kept_log(
    connection: Connection,
    adopted: AdoptedPlan,
    plan: Plan,
    violations: list[Violation],
    until: datetime,
) -> list[Decision]:
    """A step's log for `adopted` (see `services.live.PlanLog`), from this process's run."""
    database = connection.engine.url.render_as_string()
    key = (database, adopted.name, adopted.version, adopted.content_sha256)
    return _KEPT.log(key, plan, violations, until)


def _from_the_start(plan: Plan, violations: list[Violation], until: datetime) -> _Run:
    """The replay, keeping the run and what it was fed."""
    fed = [v for v in violations if v.known_at <= until]
    run = PlanRun(plan)
    log = replay(plan, fed, until, run=run)
    assert log is run.log
    return _Run(run, {v.violation_id: v for v in fed}, until)


def _arrived_since(
    kept: _Run, violations: list[Violation], until: datetime
) -> list[Violation] | None:
    """The violations to feed a kept run, in the replay's order of arrival, or None when the
    record did more than grow since the run was last fed (then it is replayed afresh)."""
    if until < kept.until:
        return None
    now = {v.violation_id: v for v in violations if v.known_at <= until}
    if any(now.get(vid) != v for vid, v in kept.fed.items()):
        return None  # changed or gone: the timeline may have moved in the past
    new = [v for vid, v in now.items() if vid not in kept.fed]
    if any(v.known_at <= kept.until for v in new):
        return None  # known before the last step yet not fed then: a replay would differ
    return sorted(new, key=lambda v: (v.known_at, v.violation_id))
