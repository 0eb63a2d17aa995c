"""Plans adopted, decisions recorded, actions acknowledged: each a ledger entry."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.enforcement.decisions import Decision, decision_content, decision_from_content
from ceasefire.store.ledger_store import append_entry
from ceasefire.store.schema import (
    acknowledgements,
    decisions,
    phase_answers,
    plan_migrations,
    plans,
    reminders,
)

PLAN_ADOPTED = "PlanAdopted"
DECISION_RECORDED = "DecisionRecorded"
PLAN_MIGRATED = "PlanMigrated"
PHASE_ANSWERED = "PhaseAnswered"
ACTION_ACKNOWLEDGED = "ActionAcknowledged"


@dataclass(frozen=True)
class MigrationRecord:
    party: str
    t0: datetime  # the episode moved, by its T0
    from_version: int
    to_version: int
    migrated_at: datetime | None = field(default=None, compare=False)  # None: not yet recorded


@dataclass(frozen=True)
class AnswerRecord:
    """A recorded answer to a confirmation gate (see `plan.Answer`)."""

    party: str
    phase: int
    t0: datetime
    confirmed: bool
    by: str
    reason: str
    answered_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class AdoptedPlan:
    """The latest version of a plan, with what pins its tracks: the earlier versions (a track
    runs under the version in force when it opened) and the recorded migrations."""

    name: str
    version: int
    content_sha256: str
    document: dict[str, Any]
    adopted_at: datetime
    earlier: tuple[tuple[int, datetime, dict[str, Any]], ...] = field(default=(), compare=False)
    migrations: tuple[MigrationRecord, ...] = field(default=(), compare=False)
    answers: tuple[AnswerRecord, ...] = field(default=(), compare=False)

    @property
    def in_force_since(self) -> datetime:
        """When the plan last changed: this version's adoption, a later migration or answer.
        Nothing it decides differently is known before then."""
        moved = [m.migrated_at for m in self.migrations if m.migrated_at is not None]
        moved += [a.answered_at for a in self.answers if a.answered_at is not None]
        return max([self.adopted_at, *moved])


def _append(
    connection: Connection,
    clock: Callable[[], datetime],
    kind: str,
    subject: str,
    content: dict[str, Any],
) -> tuple[int, datetime]:
    return append_entry(connection, clock, kind, subject, canonical_json(content))


def adopted_plans(connection: Connection) -> list[AdoptedPlan]:
    """The latest adopted version of each plan, with its earlier versions and migrations."""
    versions: dict[str, list[Any]] = {}
    for row in connection.execute(select(plans).order_by(plans.c.name, plans.c.version)):
        versions.setdefault(row.name, []).append(row)
    moved: dict[str, list[MigrationRecord]] = {}
    query = select(plan_migrations).order_by(plan_migrations.c.ledger_seq)
    for m in connection.execute(query):
        moved.setdefault(m.plan, []).append(
            MigrationRecord(m.party, m.t0, int(m.from_version), int(m.to_version), m.migrated_at)
        )
    answered: dict[str, list[AnswerRecord]] = {}
    for a in connection.execute(select(phase_answers).order_by(phase_answers.c.ledger_seq)):
        answered.setdefault(a.plan, []).append(
            AnswerRecord(
                a.party,
                int(a.phase),
                a.t0,
                bool(a.confirmed),
                a.answered_by,
                a.reason,
                a.answered_at,
            )
        )
    found = []
    for name, rows in versions.items():
        last = rows[-1]
        found.append(
            AdoptedPlan(
                name,
                int(last.version),
                last.content_sha256,
                json.loads(last.document),
                last.adopted_at,
                tuple((int(r.version), r.adopted_at, json.loads(r.document)) for r in rows[:-1]),
                tuple(moved.get(name, ())),
                tuple(answered.get(name, ())),
            )
        )
    return found


def answer_gate(
    connection: Connection, plan: str, record: AnswerRecord, *, clock: Callable[[], datetime]
) -> datetime:
    """Record a confirmation gate's answer (a ledger entry)."""
    content = answer_content(plan, record)
    subject = f"{plan}/{record.party}/{record.phase}"
    seq, recorded_at = _append(connection, clock, PHASE_ANSWERED, subject, content)
    connection.execute(
        phase_answers.insert().values(
            plan=plan,
            party=record.party,
            phase=record.phase,
            t0=record.t0,
            confirmed=record.confirmed,
            answered_by=record.by,
            reason=record.reason,
            answered_at=recorded_at,
            ledger_seq=seq,
        )
    )
    return recorded_at


def answer_content(plan: str, record: AnswerRecord) -> dict[str, Any]:
    return {
        "plan": plan,
        "party": record.party,
        "phase": record.phase,
        "t0": record.t0.astimezone(UTC).isoformat(),
        "confirmed": record.confirmed,
        "by": record.by,
        "reason": record.reason,
    }


def migrate_track(
    connection: Connection,
    plan: str,
    record: MigrationRecord,
    reason: str,
    by: str,
    *,
    clock: Callable[[], datetime],
) -> datetime:
    """Record that a track's open episode runs under `to_version` from now (a ledger entry)."""
    content = migration_content(plan, record, reason, by)
    subject = f"{plan}/{record.party}@{record.to_version}"
    seq, recorded_at = _append(connection, clock, PLAN_MIGRATED, subject, content)
    connection.execute(
        plan_migrations.insert().values(
            plan=plan,
            party=record.party,
            t0=record.t0,
            from_version=record.from_version,
            to_version=record.to_version,
            reason=reason,
            migrated_by=by,
            migrated_at=recorded_at,
            ledger_seq=seq,
        )
    )
    return recorded_at


def migration_content(plan: str, record: MigrationRecord, reason: str, by: str) -> dict[str, Any]:
    return {
        "plan": plan,
        "party": record.party,
        "t0": record.t0.astimezone(UTC).isoformat(),
        "from_version": record.from_version,
        "to_version": record.to_version,
        "reason": reason,
        "by": by,
    }


def adopt_plan(
    connection: Connection,
    name: str,
    document: dict[str, Any],
    content_sha256: str,
    *,
    clock: Callable[[], datetime],
) -> AdoptedPlan:
    current = next((p for p in adopted_plans(connection) if p.name == name), None)
    version = 1 if current is None else current.version + 1
    content = {
        "plan": name,
        "version": version,
        "content_sha256": content_sha256,
        "document": document,
    }
    seq, recorded_at = _append(connection, clock, PLAN_ADOPTED, f"{name}@{version}", content)
    connection.execute(
        plans.insert().values(
            name=name,
            version=version,
            document=canonical_json(document),
            content_sha256=content_sha256,
            adopted_at=recorded_at,
            ledger_seq=seq,
        )
    )
    return AdoptedPlan(name, version, content_sha256, document, recorded_at)


def recorded_decisions(connection: Connection, plan: str) -> list[Decision]:
    """Every decision written for a plan (all its versions), in the order written."""
    query = (
        select(decisions.c.content).where(decisions.c.plan == plan).order_by(decisions.c.ledger_seq)
    )
    return [decision_from_content(json.loads(row[0])) for row in connection.execute(query)]


def recorded_ids(connection: Connection, plan: str) -> set[str]:
    return {
        row[0]
        for row in connection.execute(
            select(decisions.c.decision_id).where(decisions.c.plan == plan)
        )
    }


def recorded_ids_by_key(connection: Connection, plan: str) -> dict[tuple[object, ...], str]:
    """Recorded decision ids by what they decide (`Decision.key`; the latest recorded of each),
    and by key and the moment known, for a replay to name the recorded decision it reaches."""
    found: dict[tuple[object, ...], str] = {}
    for decision in recorded_decisions(connection, plan):
        found[decision.key] = decision.decision_id
        found[(*decision.key, decision.known_at)] = decision.decision_id
    return found


def record_decisions(
    connection: Connection,
    plan: AdoptedPlan,
    new: Sequence[Decision],
    *,
    clock: Callable[[], datetime],
) -> list[dict[str, Any]]:
    """Write decisions not yet recorded, each as a ledger entry; returns what was written."""
    known = recorded_ids(connection, plan.name)
    written: list[dict[str, Any]] = []
    for decision in new:
        if decision.decision_id in known:
            continue
        # The version that decided it: its episode's (tracks are pinned), else the latest.
        version = decision.plan_version or plan.version
        content = decision_content(decision) | {"plan": plan.name, "plan_version": version}
        seq, recorded_at = _append(
            connection, clock, DECISION_RECORDED, decision.decision_id, content
        )
        assert decision.known_at is not None
        connection.execute(
            decisions.insert().values(
                decision_id=decision.decision_id,
                plan=plan.name,
                plan_version=version,
                party=decision.party,
                kind=decision.kind.value,
                phase=decision.phase,
                action=decision.action,
                effective_at=decision.effective_at,
                known_at=decision.known_at,
                due_at=decision.due_at,
                revises=decision.revises,
                content=canonical_json(content),
                recorded_at=recorded_at,
                ledger_seq=seq,
            )
        )
        known.add(decision.decision_id)
        written.append(content)
    return written


def decision_rows(connection: Connection, plan: str | None = None) -> list[dict[str, Any]]:
    query = select(decisions).order_by(decisions.c.effective_at, decisions.c.ledger_seq)
    if plan is not None:
        query = query.where(decisions.c.plan == plan)
    return [dict(row._mapping) for row in connection.execute(query)]


@dataclass(frozen=True)
class DecisionFilter:
    """Which recorded decisions to list (`ceasefire decisions list`)."""

    plan: str | None = None
    party: str | None = None
    kinds: frozenset[str] = frozenset()  # any, when empty
    since: datetime | None = None  # taking effect at or after
    until: datetime | None = None  # taking effect before
    limit: int | None = None  # the newest this many


def listed_decisions(connection: Connection, f: DecisionFilter) -> list[dict[str, Any]]:
    """Recorded decisions, newest in the log first: every one a command shows, those of
    tracks that stood down and withdrawals included."""
    query = select(decisions).order_by(decisions.c.ledger_seq.desc())
    if f.plan is not None:
        query = query.where(decisions.c.plan == f.plan)
    if f.party is not None:
        query = query.where(decisions.c.party == f.party)
    if f.kinds:
        query = query.where(decisions.c.kind.in_(sorted(f.kinds)))
    if f.since is not None:
        query = query.where(decisions.c.effective_at >= f.since)
    if f.until is not None:
        query = query.where(decisions.c.effective_at < f.until)
    if f.limit is not None:
        query = query.limit(f.limit)
    return [dict(row._mapping) for row in connection.execute(query)]


def decision_row(connection: Connection, decision_id: str) -> dict[str, Any] | None:
    row = connection.execute(
        select(decisions).where(decisions.c.decision_id == decision_id)
    ).first()
    return None if row is None else dict(row._mapping)


def decisions_named(connection: Connection, name: str) -> list[str]:
    """The decision ids a name may mean, newest first: the id itself, an id's first six or
    more characters (as a narrow table shows it), or PARTY:PHASE, the recorded entries of that
    party into that phase."""
    text = name.strip()
    if ":" in text:
        party, _, phase = text.partition(":")
        if not phase.isdigit():
            return []
        query = select(decisions.c.decision_id).where(
            decisions.c.party == party.upper(),
            decisions.c.kind == "phase_entered",
            decisions.c.phase == int(phase),
        )
    elif len(text) >= 4 and all(c in "0123456789abcdef" for c in text.lower()):
        query = select(decisions.c.decision_id).where(
            decisions.c.decision_id.startswith(text.lower(), autoescape=True)
        )
    else:
        return []
    query = query.order_by(decisions.c.ledger_seq.desc())
    return [str(found) for found in connection.execute(query).scalars()]


def acknowledge(
    connection: Connection,
    decision_id: str,
    actor: str,
    note: str,
    *,
    clock: Callable[[], datetime],
) -> datetime:
    content = {"decision_id": decision_id, "actor": actor, "note": note}
    seq, recorded_at = _append(
        connection, clock, ACTION_ACKNOWLEDGED, f"{decision_id}/{actor}", content
    )
    connection.execute(
        acknowledgements.insert().values(
            decision_id=decision_id,
            actor=actor,
            note=note,
            acknowledged_at=recorded_at,
            ledger_seq=seq,
        )
    )
    return recorded_at


def acknowledged(connection: Connection) -> dict[str, dict[str, datetime]]:
    """decision id -> actor -> when they acknowledged."""
    result: dict[str, dict[str, datetime]] = {}
    for row in connection.execute(select(acknowledgements)):
        result.setdefault(row.decision_id, {})[row.actor] = row.acknowledged_at
    return result


def last_reminders(connection: Connection) -> dict[tuple[str, str], datetime]:
    """(decision id, actor) -> when that actor was last reminded of it."""
    query = select(reminders.c.decision_id, reminders.c.actor, func.max(reminders.c.reminded_at))
    query = query.group_by(reminders.c.decision_id, reminders.c.actor)
    return {(row[0], row[1]): row[2] for row in connection.execute(query)}


def remind(connection: Connection, decision_id: str, actor: str, at: datetime) -> None:
    connection.execute(
        reminders.insert().values(decision_id=decision_id, actor=actor, reminded_at=at)
    )
