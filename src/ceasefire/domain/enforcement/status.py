"""Where each party's track stands at a moment: its phase, T0, the clocks still running."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ceasefire.domain.enforcement.decisions import Decision, DecisionKind
from ceasefire.domain.enforcement.plan import Plan


@dataclass(frozen=True)
class TrackStatus:
    party: str
    phase: int
    phase_name: str
    since: datetime | None
    t0: datetime | None
    rule: str
    entered_by: str  # the decision id that put the track in its phase
    clocks: list[tuple[str, datetime]]  # (what, when) still to come, soonest first
    # A gated phase whose conditions are met, waiting on its confirmers: (phase, who, since).
    awaiting: tuple[int, tuple[str, ...], datetime] | None = None


def track_statuses(plan: Plan, timeline: Sequence[Decision], now: datetime) -> list[TrackStatus]:
    """From a timeline (every decision in event time, pending ones included)."""
    parties = sorted({d.party for d in timeline})
    return [_status(plan, [d for d in timeline if d.party == party], now) for party in parties]


def _status(plan: Plan, decisions: list[Decision], now: datetime) -> TrackStatus:
    party = decisions[0].party
    current: Decision | None = None
    for d in decisions:
        if d.effective_at > now:
            break
        if d.kind in (DecisionKind.PHASE_ENTERED, DecisionKind.STOOD_DOWN):
            current = d
    clocks = [
        (_clock_name(d), d.effective_at)
        for d in decisions
        if d.effective_at > now and d.kind is not DecisionKind.ACTION_REQUIRED
    ]
    clocks += [
        (f"{d.action.replace('_', ' ')} due", d.due_at)
        for d in decisions
        if d.kind is DecisionKind.ACTION_REQUIRED
        and d.due_at is not None
        and d.effective_at <= now < d.due_at
    ]
    clocks.sort(key=lambda clock: clock[1])
    awaiting = _awaiting(decisions, now)
    if current is None or current.kind is DecisionKind.STOOD_DOWN:
        since = None if current is None else current.effective_at
        return TrackStatus(
            party,
            0,
            "no phase",
            since,
            None,
            "" if current is None else current.rule,
            "" if current is None else current.decision_id,
            clocks,
        )
    return TrackStatus(
        party,
        current.phase,
        plan.phase(current.phase).name,
        current.effective_at,
        current.t0,
        current.rule,
        current.decision_id,
        clocks,
        awaiting,
    )


def _awaiting(
    decisions: list[Decision], now: datetime
) -> tuple[int, tuple[str, ...], datetime] | None:
    """The latest gated phase still waiting at `now`: asked, neither entered nor declined."""
    waiting = None
    for d in decisions:
        if d.effective_at > now:
            break
        if d.kind is DecisionKind.AWAITING_CONFIRMATION:
            waiting = (d.phase, d.actors, d.effective_at)
        elif (
            waiting is not None
            and d.phase == waiting[0]
            and d.kind
            in (
                DecisionKind.PHASE_ENTERED,
                DecisionKind.NOT_CONFIRMED,
            )
        ) or d.kind is DecisionKind.STOOD_DOWN:
            waiting = None
    return waiting


def _clock_name(decision: Decision) -> str:
    if decision.kind is DecisionKind.STOOD_DOWN:
        return "stand-down if quiet"
    if decision.kind is DecisionKind.CURE_ASSESSED:
        return "cure period ends"
    if decision.rule == "de-escalation":
        return f"back to phase {decision.phase} if no broader attack"
    return f"phase {decision.phase}"
