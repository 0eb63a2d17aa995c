"""Running a plan over the record: the timeline in light of everything known, or the log as
the system would have written it at any moment."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Engine

from ceasefire.domain.enforcement.decisions import Decision
from ceasefire.domain.enforcement.plan import STATUSES, Plan
from ceasefire.domain.enforcement.plan_run import replay, timeline
from ceasefire.domain.enforcement.violations import Violation, counts
from ceasefire.services.violations import violations_in_record
from ceasefire.speed.collector import collector_paused
from ceasefire.store.agreement_store import default_name
from ceasefire.store.db import reading
from ceasefire.store.enforcement_store import recorded_ids_by_key


def counting_from(plan: Plan, level: str) -> Plan:
    """The plan counting violations of `level` or better (`reported` counts everything)."""
    if level not in STATUSES:
        raise ValueError(f"--counting: {level!r} is not one of {', '.join(STATUSES)}")
    statuses = frozenset(STATUSES[STATUSES.index(level) :])
    return replace(plan, counting=replace(plan.counting, statuses=statuses))


@dataclass(frozen=True)
class ReplayResult:
    decisions: list[Decision]
    violations: int  # attributed to a party, in the window
    counted: int  # of those, counted by the plan
    agreement: str | None  # whose sectors the violations carry
    # The id the record gave each decision a replay reaches too (by what it decides: party,
    # kind, phase, action, when), so what `replay` prints is what `explain` takes.
    recorded: dict[tuple[object, ...], str] = field(default_factory=dict)

    def recorded_id(self, decision: Decision) -> str | None:
        """The recorded decision that is this one: the same decision known at the same
        moment, else the latest recorded of the same key."""
        found = self.recorded.get((*decision.key, decision.known_at))
        return found if found is not None else self.recorded.get(decision.key)


def run_plan(
    engine: Engine,
    plan: Plan,
    *,
    now: datetime,
    as_known_at: datetime | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    agreement: str | None = None,
) -> ReplayResult:
    with collector_paused(), reading(engine) as connection:
        if agreement is None:
            agreement = default_name(connection)
        # As known at a past moment: from the reports and reviews the record held then (a
        # verification or rejection since is not yet known), not from today's review state.
        violations = violations_in_record(
            connection, agreement, at=as_known_at or now, as_of=as_known_at
        )
        recorded = recorded_ids_by_key(connection, plan.name)
    in_window = [v for v in violations if _within(v, since, until)]
    counted = sum(1 for v in in_window if counts(plan, v))
    with collector_paused():
        if as_known_at is not None:
            known = [v for v in in_window if v.known_at <= as_known_at]
            decisions = replay(plan, known, as_known_at)
        else:
            decisions = timeline(plan, in_window)
    return ReplayResult(decisions, len(in_window), counted, agreement, recorded)


def _within(v: Violation, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or v.observed_at >= since) and (until is None or v.observed_at < until)
