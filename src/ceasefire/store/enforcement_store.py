"""Plans adopted, decisions recorded, actions acknowledged: each a ledger entry."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.enforcement.decisions import Decision, decision_content, decision_from_content
from ceasefire.store.ledger_store import append_entry
from ceasefire.store.schema import acknowledgements, decisions, plans, reminders

PLAN_ADOPTED = "PlanAdopted"
DECISION_RECORDED = "DecisionRecorded"
ACTION_ACKNOWLEDGED = "ActionAcknowledged"


@dataclass(frozen=True)
class AdoptedPlan:
    name: str
    version: int
    content_sha256: str
    document: dict[str, Any]
    adopted_at: datetime


def _append(
    connection: Connection,
    clock: Callable[[], datetime],
    kind: str,
    subject: str,
    content: dict[str, Any],
) -> tuple[int, datetime]:
    return append_entry(connection, clock, kind, subject, canonical_json(content))


def adopted_plans(connection: Connection) -> list[AdoptedPlan]:
    """The latest adopted version of each plan."""
    newest = (
        select(plans.c.name, func.max(plans.c.version).label("version"))
        .group_by(plans.c.name)
        .subquery()
    )
    query = select(plans).join(
        newest, (newest.c.name == plans.c.name) & (newest.c.version == plans.c.version)
    )
    return [
        AdoptedPlan(
            row.name, int(row.version), row.content_sha256, json.loads(row.document), row.adopted_at
        )
        for row in connection.execute(query.order_by(plans.c.name))
    ]


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
        content = decision_content(decision) | {"plan": plan.name, "plan_version": plan.version}
        seq, recorded_at = _append(
            connection, clock, DECISION_RECORDED, decision.decision_id, content
        )
        assert decision.known_at is not None
        connection.execute(
            decisions.insert().values(
                decision_id=decision.decision_id,
                plan=plan.name,
                plan_version=plan.version,
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
    elif len(text) >= 6 and all(c in "0123456789abcdef" for c in text.lower()):
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
