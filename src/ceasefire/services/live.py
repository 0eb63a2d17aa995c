"""The engine in operation: adopting plans, recording decisions as clocks and reports bring
them, reminding actors of open actions until they acknowledge.

Clocks are data: nothing sleeps until a deadline. Each `step(now)` recomputes, from the record,
what every adopted plan has decided up to `now` and writes what is not yet written; a decision's
id is derived from what it decides, so a step run twice, or after a crash or a restart, writes
each decision exactly once, and a step after downtime catches up on everything that fell due.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from ceasefire.domain.enforcement.decisions import Decision, DecisionKind, decision_from_content
from ceasefire.domain.enforcement.obligations import Obligation
from ceasefire.domain.enforcement.plan import (
    Answer,
    Migration,
    Pinning,
    Plan,
    PlanError,
    parse_plan,
)
from ceasefire.domain.enforcement.plan_run import replay, timeline
from ceasefire.domain.enforcement.records import to_write
from ceasefire.domain.enforcement.status import TrackStatus, track_statuses
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.notifications import decision_event, reminder_event
from ceasefire.services.notify import enqueue
from ceasefire.services.plans import load_plan_data, with_counting
from ceasefire.services.violations import violations_in_record
from ceasefire.store.agreement_store import agreement_named, default_name, latest_agreements
from ceasefire.store.db import reading, writing
from ceasefire.store.enforcement_store import (
    AdoptedPlan,
    AnswerRecord,
    MigrationRecord,
    acknowledge,
    acknowledged,
    adopt_plan,
    adopted_plans,
    answer_gate,
    decision_row,
    decision_rows,
    last_reminders,
    migrate_track,
    record_decisions,
    recorded_decisions,
    remind,
)

Clock = Callable[[], datetime]


class AdoptionError(ValueError):
    pass


def adopt(engine: Engine, name_or_path: str, *, counting: str | None, clock: Clock) -> AdoptedPlan:
    """Adopt a plan file (a new version if its content changed): from now on the engine runs
    under it. Moving running tracks to a new version is this explicit, logged step; editing a
    file changes nothing until it is adopted."""
    data = load_plan_data(name_or_path)
    if counting is not None:
        try:
            data = with_counting(data, counting)
        except ValueError as exc:
            raise AdoptionError(str(exc)) from None
    plan = parse_plan(data)
    if isinstance(plan, list):
        raise PlanError(name_or_path, plan)
    with writing(engine) as connection:
        current = next((p for p in adopted_plans(connection) if p.name == plan.name), None)
        if current is not None and current.content_sha256 == plan.content_sha256:
            raise AdoptionError(f"{plan.name} version {current.version} already has this content")
        return adopt_plan(connection, plan.name, data, plan.content_sha256, clock=clock)


def migrate_open_tracks(
    engine: Engine,
    name: str,
    *,
    party: str | None,
    reason: str,
    by: str,
    clock: Clock,
    agreement: str | None = None,
) -> list[MigrationRecord]:
    """Move the open tracks of a plan (or one party's) to its latest version: each is a
    recorded migration, and the next clock step writes what the episode's decisions become
    under that version (withdrawals and late corrections, known from now). Tracks opened
    under the latest version, and closed ones, are not touched."""
    now = clock()
    with reading(engine) as connection:
        adopted = next((p for p in adopted_plans(connection) if p.name == name), None)
    if adopted is None:
        raise AdoptionError(f"no adopted plan {name!r} (`ceasefire plan adopt` first)")
    if not reason.strip():
        raise AdoptionError("--reason: say why the open tracks move to the new version")
    plan = running_plan(adopted)
    standing = statuses(engine, now, agreement).get(name, [])
    moves = [
        MigrationRecord(t.party, t.t0, pinned.version, adopted.version)
        for t in standing
        if t.phase > 0
        and t.t0 is not None
        and (party is None or t.party == party)
        and (pinned := plan.for_episode(t.party, t.t0)).version < adopted.version
    ]
    if not moves:
        whose = f"{party} has no open track of {name}" if party else f"no open track of {name}"
        raise AdoptionError(
            f"{whose} runs under a version older than {adopted.version}: nothing to migrate"
        )
    with writing(engine) as connection:
        for move in moves:
            migrate_track(connection, name, move, reason.strip(), by, clock=clock)
    return moves


def answer_phase_gate(
    engine: Engine,
    party: str,
    phase: int,
    *,
    confirmed: bool,
    by: str,
    reason: str,
    clock: Clock,
    plan: str | None = None,
    agreement: str | None = None,
    violations: ViolationSource = violations_in_record,
    decided_by: TimelineSource | None = None,
) -> tuple[str, AnswerRecord]:
    """Record a confirmer's answer to a gated phase whose conditions are met for `party`'s
    track: confirmed, the next clock step enters the phase (from now at the earliest);
    declined, it records that the phase is not entered in this episode. Returns the plan."""
    now = clock()
    if not reason.strip():
        raise AdoptionError("--reason: say why (it is recorded with the answer)")
    # A server passes what its clock keeps (`violations_now`, `kept_timeline`): folding the
    # whole record for one answer would take a minute at a million reports.
    standing = statuses(
        engine, now, agreement, violations=violations, decided_by=decided_by or folded_timeline
    )
    waiting = [
        (name, t)
        for name, tracks in standing.items()
        if plan is None or name == plan
        for t in tracks
        if t.party == party and t.awaiting is not None and t.awaiting[0] == phase
    ]
    if not waiting:
        where = f" under {plan}" if plan else ""
        raise AdoptionError(
            f"{party}'s track{where} is not awaiting confirmation of phase {phase} "
            "(`ceasefire tracks` shows what each track awaits)"
        )
    if len(waiting) > 1:
        names = ", ".join(name for name, _ in waiting)
        raise AdoptionError(f"--plan: {party} awaits phase {phase} under {names}: name one")
    name, track = waiting[0]
    assert track.awaiting is not None and track.t0 is not None
    if by not in track.awaiting[1]:
        raise AdoptionError(
            f"--by: {by!r} is not one of those the plan asks to confirm phase {phase} "
            f"({', '.join(track.awaiting[1])})"
        )
    record = AnswerRecord(party, phase, track.t0, confirmed, by, reason.strip())
    with writing(engine) as connection:
        answer_gate(connection, name, record, clock=clock)
    return name, record


def running_plan(adopted: AdoptedPlan) -> Plan:
    """The latest version, carrying the earlier ones and the recorded migrations: each track
    episode runs under the version in force when it opened, unless migrated."""
    answers = tuple(
        Answer(a.party, a.phase, a.t0, a.answered_at or a.t0, a.confirmed, a.by, a.reason)
        for a in adopted.answers
    )
    latest = replace(
        _parsed(adopted.name, adopted.document), version=adopted.version, answers=answers
    )
    if not adopted.earlier:
        return latest
    earlier = [
        (at, replace(_parsed(adopted.name, document), version=number, answers=answers))
        for number, at, document in adopted.earlier
    ]
    versions = (*earlier, (adopted.adopted_at, latest))
    # The versions carry the answers too: a gate is asked under its episode's version, and
    # `TrackFold` asks its latest (`base`), which holds them.
    moved = tuple(Migration(m.party, m.t0, m.to_version) for m in adopted.migrations)
    return replace(latest, pinning=Pinning(versions, moved))


def _parsed(name: str, document: dict[str, Any]) -> Plan:
    plan = _parse_cached(json.dumps(document, sort_keys=True))
    if isinstance(plan, list):  # it was checked when adopted
        raise PlanError(name, plan)
    return plan


@functools.lru_cache(maxsize=64)
def _parse_cached(document: str) -> Plan | list[str]:
    """Each clock step reads every adopted version: parsed once per process."""
    return parse_plan(json.loads(document))


# How a step gets each plan's log: replayed from the start (`replayed_log`); a running process
# passes `speed.plan_runs.kept_log`, which feeds a kept run what arrived since its last step.
PlanLog = Callable[[Connection, AdoptedPlan, Plan, Sequence[Violation], datetime], list[Decision]]


def replayed_log(
    connection: Connection,
    adopted: AdoptedPlan,
    plan: Plan,
    violations: Sequence[Violation],
    until: datetime,
) -> list[Decision]:
    return replay(plan, violations, until=until)


# Where a step's violations come from: `violations_in_record` tells them from the record;
# a running process passes `speed.violations.violations_now`, which keeps them between steps.
ViolationSource = Callable[..., Sequence[Violation]]


def _violations(
    connection: Connection,
    agreement: str | None,
    now: datetime,
    source: ViolationSource = violations_in_record,
) -> Sequence[Violation]:
    """Violations with sectors from `agreement`, or from the record's default agreement."""
    names = [a.name for a in latest_agreements(connection)]
    if agreement is not None and agreement not in names:
        raise AdoptionError(f"--agreement: no agreement {agreement!r} in the record")
    if agreement is None:
        agreement = default_name(connection)
    return source(connection, agreement, at=now)


@dataclass
class StepResult:
    recorded: dict[str, int] = field(default_factory=dict)  # plan -> decisions written
    reminders: list[Reminder] = field(default_factory=list)
    queued: int = 0  # notifications put in the outbox
    skipped: bool = False  # another server held the clock


def step(
    engine: Engine,
    *,
    now: datetime,
    clock: Clock,
    remind_every: timedelta,
    agreement: str | None = None,
    violations: ViolationSource = violations_in_record,
    plan_log: PlanLog = replayed_log,
) -> StepResult:
    """Bring every adopted plan's decisions up to `now`, then remind actors of open actions
    past due (no more often than `remind_every`), in one transaction. `violations` gives the
    record's violations and `plan_log` each plan's log (the same from any source; a running
    process keeps them between steps)."""
    result = StepResult()
    with writing(engine) as connection:
        if not _clock_claimed(connection):
            result.skipped = True  # another server is taking this step
            return result
        found = _violations(connection, agreement, now, violations)
        events = []
        for adopted in adopted_plans(connection):
            log = plan_log(connection, adopted, running_plan(adopted), found, now)
            record = recorded_decisions(connection, adopted.name)
            entries = to_write(log, record, adopted_at=adopted.in_force_since, now=now)
            written = record_decisions(connection, adopted, entries, clock=clock)
            result.recorded[adopted.name] = len(written)
            events += [e for e in map(decision_event, written) if e is not None]
        result.reminders = _remind(connection, now, remind_every)
        events += [
            reminder_event(
                json.loads(r.action["content"]), now, r.actor, r.action["obligation"].tally()
            )
            for r in result.reminders
        ]
        # Announced in the same transaction: a decision and its notifications, or neither.
        result.queued = enqueue(
            connection, events, now=now, agreement=_agreement(connection, agreement)
        )
    return result


# Any fixed number: with the schema's hash, the key of the PostgreSQL advisory lock that makes
# one server at a time take the clock step (the others skip it; the next step is theirs to
# take). Advisory locks are the whole database's: the schema in the key keeps records kept in
# different schemas of one database from skipping each other's steps.
_CLOCK_LOCK = 7_203_001


def _clock_claimed(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return True  # SQLite: one process; BEGIN IMMEDIATE already serialises writers
    return bool(
        connection.exec_driver_sql(
            f"SELECT pg_try_advisory_xact_lock({_CLOCK_LOCK}, hashtext(current_schema()))"
        ).scalar()
    )


def _agreement(connection: Connection, name: str | None) -> LoadedAgreement | None:
    name = name if name is not None else default_name(connection)
    return None if name is None else agreement_named(connection, name)


def open_actions(
    connection: Connection, now: datetime, *, actor: str | None = None
) -> list[dict[str, Any]]:
    """Actions required, not withdrawn, on a track that has not stood down since (a
    stand-down ends what its episode required), that some actor still owes: each actor owes
    an action on its own unless the plan says any one of them discharges it. With `actor`,
    only those it still owes. Each row carries its `obligation` (who acknowledged, who owes)."""
    rows = decision_rows(connection)
    withdrawn = {r["revises"] for r in rows if r["kind"] == DecisionKind.WITHDRAWN.value}
    acks = acknowledged(connection)
    stand_downs: dict[tuple[str, str], list[datetime]] = {}
    for r in rows:
        if r["kind"] == DecisionKind.STOOD_DOWN.value and r["decision_id"] not in withdrawn:
            stand_downs.setdefault((r["plan"], r["party"]), []).append(r["effective_at"])

    def ended(r: dict[str, Any]) -> bool:
        # Strictly after: a new episode can open at the very instant the last one stood down.
        ends = stand_downs.get((r["plan"], r["party"]), [])
        return any(r["effective_at"] < end <= now for end in ends)

    found = []
    for r in rows:
        if r["kind"] != DecisionKind.ACTION_REQUIRED.value or r["decision_id"] in withdrawn:
            continue
        owed = obligation_of(r, acks.get(r["decision_id"], {}))
        if owed.met or (actor is not None and not owed.owes(actor)) or ended(r):
            continue
        overdue = r["due_at"] is not None and r["due_at"] <= now
        found.append(r | {"overdue": overdue, "obligation": owed})
    return found


def obligation_of(row: dict[str, Any], acks: Mapping[str, datetime]) -> Obligation:
    """A recorded action's obligation from its content and its acknowledgements."""
    content = json.loads(row["content"])
    return Obligation(tuple(content["actors"]), bool(content.get("shared", False)), acks)


def action_view(action: dict[str, Any]) -> dict[str, Any]:
    """An open action as the API and `actions list --format json` give it."""
    owed: Obligation = action["obligation"]
    content: dict[str, Any] = json.loads(action["content"])
    return content | {
        "decision_id": action["decision_id"],
        "overdue": action["overdue"],
        "shared": owed.shared,
        "acknowledged_by": {a: t.isoformat() for a, t in owed.acknowledged.items()},
        "waiting_on": list(owed.waiting),
        "acknowledged": owed.tally(),
    }


@dataclass(frozen=True, slots=True)
class Reminder:
    action: dict[str, Any]  # the open action's row
    actor: str  # who is reminded: one of those who still owe it


def _remind(connection: Connection, now: datetime, every: timedelta) -> list[Reminder]:
    """Each actor that still owes an overdue action, reminded on its own schedule."""
    last = last_reminders(connection)
    sent = []
    for action in open_actions(connection, now):
        if not action["overdue"]:
            continue
        for actor in action["obligation"].waiting:
            previous = last.get((action["decision_id"], actor))
            if previous is None or now - previous >= every:
                remind(connection, action["decision_id"], actor, now)
                sent.append(Reminder(action, actor))
    return sent


# How `statuses` gets each plan's timeline: folded from the record's violations
# (`folded_timeline`); a running server passes `speed.plan_runs.kept_timeline`, which reads it
# off the run its clock keeps.
TimelineSource = Callable[
    [Connection, AdoptedPlan, Plan, Sequence[Violation], datetime], list[Decision]
]


def folded_timeline(
    connection: Connection,
    adopted: AdoptedPlan,
    plan: Plan,
    violations: Sequence[Violation],
    until: datetime,
) -> list[Decision]:
    return timeline(plan, violations)


def statuses(
    engine: Engine,
    now: datetime,
    agreement: str | None = None,
    *,
    violations: ViolationSource = violations_in_record,
    decided_by: TimelineSource = folded_timeline,
) -> dict[str, list[TrackStatus]]:
    """Each adopted plan's tracks as they stand at `now`."""
    result = {}
    with reading(engine) as connection:
        found = _violations(connection, agreement, now, violations)
        for plan_row in adopted_plans(connection):
            plan = running_plan(plan_row)
            decided = decided_by(connection, plan_row, plan, found, now)
            # The timeline's decisions carry no record time, so their ids are not the recorded
            # ones: name the recorded decision (the one `explain` and the API know) if there is.
            recorded = _recorded_ids(connection, plan.name)
            ids = {d.decision_id: recorded.get(d.key, d.decision_id) for d in decided}
            result[plan.name] = [
                replace(status, entered_by=ids.get(status.entered_by, status.entered_by))
                for status in track_statuses(plan, decided, now)
            ]
    return result


def _recorded_ids(connection: Connection, plan: str) -> dict[tuple[Any, ...], str]:
    """The id of the latest recorded decision of each key (party, kind, phase, action, when)."""
    found: dict[tuple[Any, ...], str] = {}
    for row in decision_rows(connection, plan):
        decision = decision_from_content(json.loads(row["content"]))
        if decision.kind is not DecisionKind.WITHDRAWN:
            found[decision.key] = row["decision_id"]
    return found


class AcknowledgementError(ValueError):
    """An acknowledgement that cannot be recorded; the message says why."""


def acknowledge_action(
    connection: Connection, decision_id: str, actor: str, note: str, *, clock: Clock
) -> datetime:
    """Record that `actor` acknowledges an action it owes (a ledger entry); its reminders
    stop. The others who owe it still do, unless the plan lets any one of them discharge it."""
    row = decision_row(connection, decision_id)
    if row is None or row["kind"] != DecisionKind.ACTION_REQUIRED.value:
        raise AcknowledgementError(
            f"{decision_id!r} is not a recorded action (see `ceasefire actions list`)"
        )
    acks = acknowledged(connection).get(decision_id, {})
    owed = obligation_of(row, acks)
    if actor not in owed.actors:
        raise AcknowledgementError(
            f"{actor!r} is not an actor of this action ({', '.join(owed.actors)})"
        )
    if actor in acks:
        raise AcknowledgementError(f"{actor} has already acknowledged {decision_id}")
    if owed.met:
        first = owed.first()
        assert first is not None
        raise AcknowledgementError(
            f"{decision_id} is already discharged: {first[0]} acknowledged it at "
            f"{first[1]:%Y-%m-%d %H:%M} UTC, and the plan lets any one of its actors do so"
        )
    return acknowledge(connection, decision_id, actor, note, clock=clock)
