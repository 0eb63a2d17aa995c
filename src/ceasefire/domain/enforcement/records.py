"""Keeping the written record in line with what the running plan decides.

The record is what the system wrote at its steps; the log is what the plan in force decides
from everything known now. Each step writes the difference: a withdrawal for every recorded
decision that no longer stands as recorded, and every standing decision not yet recorded. A
decision is never written as known before the plan that decided it was adopted: adopting a plan
over past events, or a new version over running tracks, says so with the adoption time, and a
new version's different view of the past is written then, as withdrawals and late decisions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ceasefire.domain.enforcement.decisions import Decision, DecisionKind, withdrawal

Key = tuple[object, ...]


def standing(entries: Sequence[Decision]) -> dict[Key, Decision]:
    """Decisions written and not withdrawn, by what they decide."""
    withdrawn = {d.revises for d in entries if d.kind is DecisionKind.WITHDRAWN}
    return {
        d.key: d
        for d in entries
        if d.kind is not DecisionKind.WITHDRAWN and d.decision_id not in withdrawn
    }


def to_write(
    log: Sequence[Decision],
    record: Sequence[Decision],
    *,
    adopted_at: datetime,
    now: datetime,
) -> list[Decision]:
    """Entries that make the record stand as the log stands, in the log's order.

    A withdrawal is known when the log withdrew the decision (later data arriving); when the
    log never held it (the plan adopted since decides otherwise: at the adoption; a review
    took its grounds away, a rejection: at this step, `now`, the first moment the system
    could know); and never before the decision it withdraws was known."""
    wanted, held = standing(log), standing(record)
    withdrawn_in_log = _withdrawal_times(log)
    entries: list[Decision] = []
    for key, recorded in held.items():
        want = wanted.get(key)
        if want is None or want.substance != recorded.substance:
            assert recorded.known_at is not None
            found = withdrawn_in_log.get((key, recorded.substance))
            if found is None:
                found = adopted_at if recorded.known_at < adopted_at else now
            at = max(found, adopted_at, recorded.known_at)
            entries.append(withdrawal(recorded, at, "the plan in force no longer decides this"))
    for key, want in wanted.items():
        held_now = held.get(key)
        if held_now is None or held_now.substance != want.substance:
            assert want.known_at is not None
            entries.append(want if want.known_at >= adopted_at else want.known(adopted_at))
    return sorted(
        entries, key=lambda d: (d.known_at, d.effective_at, d.kind != DecisionKind.WITHDRAWN)
    )


def _withdrawal_times(log: Sequence[Decision]) -> dict[tuple[Key, tuple[object, ...]], datetime]:
    """When the log itself withdrew a decision (by what it decided and on what grounds)."""
    by_id = {d.decision_id: d for d in log}
    times: dict[tuple[Key, tuple[object, ...]], datetime] = {}
    for entry in log:
        if entry.kind is DecisionKind.WITHDRAWN and entry.revises in by_id:
            original = by_id[entry.revises]
            assert entry.known_at is not None
            times[(original.key, original.substance)] = entry.known_at
    return times
