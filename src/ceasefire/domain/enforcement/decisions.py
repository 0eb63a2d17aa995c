"""Decisions: what the plan requires, when, by which rule, on what evidence.

`effective_at` is event time (when it takes effect, or should have); `known_at` is record time
(when the system learned it). A decision is never edited: when late data changes the past, a
`withdrawn` decision says which earlier one no longer holds, and the corrected decisions carry
the time they became known.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from ceasefire.domain.canonical import utc_iso


class DecisionKind(StrEnum):
    PHASE_ENTERED = "phase_entered"
    ACTION_REQUIRED = "action_required"
    STOOD_DOWN = "stood_down"
    WITHDRAWN = "withdrawn"  # an earlier decision that late data shows should not have been
    EXEMPTED = "exempted"  # a violation inside an agreed exemption window: suppressed or flagged
    CURE_ASSESSED = "cure_assessed"  # at the end of the cure period: did the violations stop?
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # a gated phase's conditions are met
    NOT_CONFIRMED = "not_confirmed"  # the named actors decided not to enter the gated phase


@dataclass(frozen=True, slots=True)
class Decision:
    party: str
    kind: DecisionKind
    effective_at: datetime
    rule: str
    explanation: str
    evidence: tuple[str, ...]
    phase: int = 0
    action: str = ""
    actors: tuple[str, ...] = ()
    due_at: datetime | None = None
    t0: datetime | None = None
    parameters: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    known_at: datetime | None = None
    revises: str = ""  # for `withdrawn`: the decision it withdraws
    late: bool = False  # took effect (in event time) before it became known
    plan: str = ""  # the plan that decided it
    shared: bool = False  # an action any one of its actors discharges (else: each owes it)
    # The plan version that decided it (its episode's: tracks are pinned); 0 when unknown.
    plan_version: int = field(default=0, compare=False, hash=False)

    @property
    def substance(self) -> tuple[object, ...]:
        """What the decision says beyond its key: when late data change any of it (a new T0,
        another rule, other evidence) the logged decision no longer holds as logged."""
        return (self.t0, self.rule, self.evidence, self.explanation, self.due_at, self.actors)

    @property
    def key(self) -> tuple[str, str, int, str, datetime]:
        """What makes two timelines' decisions the same decision."""
        return (self.party, self.kind, self.phase, self.action, self.effective_at)

    @property
    def decision_id(self) -> str:
        """Derived from what is decided, on what grounds, and when it became known: a
        decision withdrawn and later established again (more late data) is a new entry with
        its own id, and so is one corrected at the very instant the first was logged (a
        review changing its grounds as a clock falls due)."""
        known = "" if self.known_at is None else self.known_at.isoformat()
        grounds = hashlib.sha256(_text(self.substance).encode()).hexdigest()[:16]
        parts = (self.plan, *self.key, self.revises, known, grounds)
        text = "|".join(str(part) for part in parts)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def known(self, at: datetime) -> Decision:
        return replace(
            self,
            known_at=at,
            late=self.effective_at < at and self.kind is not DecisionKind.WITHDRAWN,
        )


def _text(parts: tuple[object, ...]) -> str:
    """Parts as text that reads the same however they were loaded (times as ISO 8601 in
    UTC, whatever their zone object)."""

    def one(part: object) -> str:
        if isinstance(part, datetime):
            return part.astimezone(UTC).isoformat()
        if isinstance(part, tuple):
            return "(" + ",".join(one(p) for p in part) + ")"
        return str(part)

    return "|".join(one(part) for part in parts)


def decision_content(decision: Decision) -> dict[str, Any]:
    """A decision as plain JSON values (for exports and the tamper-evident log)."""
    d = decision
    return {
        "decision_id": d.decision_id,
        "plan": d.plan,
        "party": d.party,
        "kind": d.kind.value,
        "phase": d.phase,
        "action": d.action,
        "actors": list(d.actors),
        "effective_at": utc_iso(d.effective_at),
        "known_at": None if d.known_at is None else utc_iso(d.known_at),
        "due_at": None if d.due_at is None else utc_iso(d.due_at),
        "t0": None if d.t0 is None else utc_iso(d.t0),
        "late": d.late,
        "revises": d.revises,
        "rule": d.rule,
        "parameters": d.parameters,
        "evidence": list(d.evidence),
        "explanation": d.explanation,
        "summary": describe(d),
    } | ({"shared": True} if d.shared else {})  # absent when false: older entries lack it


def decision_from_content(content: dict[str, Any]) -> Decision:
    """The inverse of `decision_content`: a recorded decision back as a value."""
    c = content

    def moment(key: str) -> datetime | None:
        return None if c.get(key) is None else datetime.fromisoformat(c[key])

    effective = moment("effective_at")
    assert effective is not None
    return Decision(
        party=c["party"],
        kind=DecisionKind(c["kind"]),
        effective_at=effective,
        rule=c["rule"],
        explanation=c["explanation"],
        evidence=tuple(c["evidence"]),
        phase=c["phase"],
        action=c["action"],
        actors=tuple(c["actors"]),
        due_at=moment("due_at"),
        t0=moment("t0"),
        parameters=c["parameters"],
        known_at=moment("known_at"),
        revises=c["revises"],
        late=c["late"],
        plan=c["plan"],
        shared=bool(c.get("shared", False)),
    )


def withdrawal(of: Decision, at: datetime, reason: str) -> Decision:
    return Decision(
        party=of.party,
        kind=DecisionKind.WITHDRAWN,
        effective_at=of.effective_at,
        rule="late data",
        explanation=f"withdrawn: {describe(of)}; {reason}",
        evidence=of.evidence,
        phase=of.phase,
        action=of.action,
        actors=of.actors,  # who was told: a channel for them hears the withdrawal too
        known_at=at,
        revises=of.decision_id,
        plan=of.plan,
    )


def _actors(actors: tuple[str, ...]) -> str:
    shown = ", ".join(actors[:4])
    return shown + (f" and {len(actors) - 4} more" if len(actors) > 4 else "")


def describe(decision: Decision) -> str:
    """One line in plain words."""
    d = decision
    when = d.effective_at.strftime("%Y-%m-%d %H:%M UTC")
    if d.kind is DecisionKind.PHASE_ENTERED:
        return f"{d.party} track enters phase {d.phase} at {when}: {d.explanation}"
    if d.kind is DecisionKind.ACTION_REQUIRED:
        due = d.due_at.strftime("%Y-%m-%d %H:%M UTC") if d.due_at else "at once"
        action = d.action.replace("_", " ")
        by = _actors(d.actors)
        if len(d.actors) > 1:
            by = ("any one of " if d.shared else "each of ") + by
        return f"{d.party} track, phase {d.phase}: {action} by {by}, due {due}"
    if d.kind is DecisionKind.EXEMPTED:
        return f"{d.party} violation {d.action} at {when}: {d.explanation}"
    if d.kind is DecisionKind.STOOD_DOWN:
        return f"{d.party} track stands down to phase 0 at {when}: {d.explanation}"
    if d.kind is DecisionKind.CURE_ASSESSED:
        return f"{d.party} track, cure period ended {when}: {d.explanation}"
    if d.kind is DecisionKind.AWAITING_CONFIRMATION:
        by = _actors(d.actors)
        return (
            f"{d.party} track, phase {d.phase} awaits confirmation by {by} since {when}: "
            f"{d.explanation}"
        )
    if d.kind is DecisionKind.NOT_CONFIRMED:
        return f"{d.party} track, phase {d.phase} not entered ({when}): {d.explanation}"
    return d.explanation
