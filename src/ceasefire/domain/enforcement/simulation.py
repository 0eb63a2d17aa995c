"""What a plan would have done over a window of history, and how that moves as one of its
numbers moves: the question negotiators ask before they sign.

Pure and cheap per plan: the violations are grouped and attributed once, outside; each plan
variant is one `timeline` over them, so a sweep of twenty values costs twenty replays and no
more grouping.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ceasefire.domain.enforcement.decisions import Decision, DecisionKind
from ceasefire.domain.enforcement.plan import Plan, parse_plan
from ceasefire.domain.enforcement.plan_run import timeline
from ceasefire.domain.enforcement.violations import Violation, counts


@dataclass(frozen=True, slots=True)
class PhaseEntry:
    phase: int  # 0: stood down
    at: datetime
    rule: str
    explanation: str


@dataclass(frozen=True)
class PartyOutcome:
    party: str
    counted: int  # violations the plan counted in the window
    entries: tuple[PhaseEntry, ...]
    time_in_phase: dict[int, timedelta]  # within the window; phase 0 is "no phase"
    actions: tuple[Decision, ...]
    # Known only to the day (or week), and that day crosses the window's start or end: whether
    # they fell inside cannot be told. Those starting inside are counted; all are named here.
    ambiguous: tuple[str, ...] = ()

    def first(self, phase: int) -> datetime | None:
        return next((e.at for e in self.entries if e.phase == phase), None)

    @property
    def highest(self) -> int:
        return max((e.phase for e in self.entries), default=0)


@dataclass(frozen=True)
class Simulation:
    plan: str
    start: datetime
    end: datetime
    outcomes: tuple[PartyOutcome, ...]


def simulate(
    plan: Plan, violations: Sequence[Violation], start: datetime, end: datetime
) -> Simulation:
    """The plan over the violations observed in [start, end), as it should have run."""
    window = [v for v in violations if start <= v.observed_at < end]
    decisions = [d for d in timeline(plan, window) if d.effective_at < end]
    parties = sorted({v.party for v in window if plan.tracks(v.party)})
    unsure = [v for v in violations if straddles(v, start, end) and counts(plan, v)]
    outcomes = tuple(
        replace(
            _outcome(
                party,
                sum(1 for v in window if v.party == party and counts(plan, v)),
                [d for d in decisions if d.party == party],
                start,
                end,
            ),
            ambiguous=tuple(sorted(v.violation_id for v in unsure if v.party == party)),
        )
        for party in parties
    )
    return Simulation(plan.name, start, end, outcomes)


def straddles(violation: Violation, start: datetime, end: datetime) -> bool:
    """Whether an imprecise time's window crosses an edge of [start, end): a day-only event
    on the truce's first or last day may have happened on either side of it."""
    last = violation.observed_end
    if last is None or last <= violation.observed_at:
        return False
    return any(violation.observed_at < edge < last for edge in (start, end))


def _outcome(
    party: str, counted: int, decisions: Sequence[Decision], start: datetime, end: datetime
) -> PartyOutcome:
    entries = tuple(
        PhaseEntry(
            0 if d.kind is DecisionKind.STOOD_DOWN else d.phase,
            d.effective_at,
            d.rule,
            d.explanation,
        )
        for d in decisions
        if d.kind in (DecisionKind.PHASE_ENTERED, DecisionKind.STOOD_DOWN)
    )
    spent: dict[int, timedelta] = {}
    phase, since = 0, start
    for entry in entries:
        at = max(entry.at, start)
        spent[phase] = spent.get(phase, timedelta()) + (at - since)
        phase, since = entry.phase, at
    spent[phase] = spent.get(phase, timedelta()) + (end - since)
    actions = tuple(d for d in decisions if d.kind is DecisionKind.ACTION_REQUIRED)
    return PartyOutcome(party, counted, entries, spent, actions)


class SweepError(ValueError):
    """A sweep that cannot run: the key path or a value, named."""


def with_parameter(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """The plan file's data with one value changed at a dotted key path
    (`broader_attack.count_in_24h`), the path checked to exist so a typo is not a silent
    no-op.

    >>> with_parameter({"clocks": {"cure_period_h": 24}}, "clocks.cure_period_h", 12)
    {'clocks': {'cure_period_h': 12}}
    """
    changed = copy.deepcopy(data)
    *parents, last = key.split(".")
    node: Any = changed
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            raise SweepError(f"--sweep: the plan has no {key!r} (no {part!r})")
        node = node[part]
    if not isinstance(node, dict) or last not in node:
        raise SweepError(f"--sweep: the plan has no {key!r}")
    node[last] = value
    return changed


def sweep(
    data: dict[str, Any],
    key: str,
    values: Sequence[Any],
    violations: Sequence[Violation],
    start: datetime,
    end: datetime,
) -> list[tuple[Any, Simulation]]:
    """One simulation per value of the parameter at `key`, over the same violations."""
    results = []
    for value in values:
        plan = parse_plan(with_parameter(data, key, value))
        if isinstance(plan, list):
            raise SweepError(f"--sweep {key}={value}: " + "; ".join(plan))
        results.append((value, simulate(plan, violations, start, end)))
    return results
