"""`ceasefire clock`, `tracks`, `explain`, `actions list|ack`, `decisions list`."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from ceasefire.cli.context import AppState, err, fail, out, styled, time_zone
from ceasefire.cli.listing import ListFormat, ListFormatOption, emit
from ceasefire.clock import utc_now

AGREEMENT_OPTION = typer.Option(
    help="Agreement whose sectors violations carry (default: the agreement in use)."
)

actions_app = typer.Typer(
    help="What the plan requires of each actor, and acknowledgements.", no_args_is_help=True
)


def clock_cmd(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="One step, then exit.")] = False,
    interval: Annotated[
        float,
        typer.Option(
            min=0.1,
            help="Seconds between steps at the most: a step also follows each new entry in "
            "the record and each plan clock running out, within a fraction of a second.",
        ),
    ] = 60.0,
    remind_every_h: Annotated[
        float, typer.Option(min=0.0, help="Hours between reminders of an overdue action.")
    ] = 1.0,
    agreement: Annotated[str | None, AGREEMENT_OPTION] = None,
) -> None:
    """Run the clocks: record decisions as they fall due or as reports bring them, and remind
    actors of overdue actions until they acknowledge. Safe to stop and restart at any moment."""
    import threading

    from ceasefire.services.live import AdoptionError
    from ceasefire.speed import clock_loop

    state: AppState = ctx.obj
    engine = state.engine()
    every = timedelta(hours=remind_every_h)
    worker = f"clock:{os.getpid()}"
    signer = state.signer(engine)
    if once:
        try:
            # The first step of a process tells every incident; later ones what changed.
            with err.status("clock step") as status:
                done = clock_loop.one_step(
                    engine,
                    remind_every=every,
                    agreement=agreement,
                    worker=worker,
                    say=lambda doing: status.update(f"clock step: {doing}"),
                    signer=signer,
                )
        except AdoptionError as exc:
            raise fail(str(exc)) from None
        _said(done)
        return
    stop = threading.Event()
    stopped_by: list[AdoptionError] = []

    def failed(exc: Exception) -> None:
        if isinstance(exc, AdoptionError):  # the record's set-up, not a passing fault
            stopped_by.append(exc)
            stop.set()
        else:
            err.print(f"clock step failed, retrying: {exc}")

    err.print("clock running: a step on each new entry in the record, Ctrl-C to stop")
    try:
        clock_loop.run(
            engine,
            interval=interval,
            stop=stop,
            remind_every=every,
            agreement=agreement,
            worker=worker,
            stepped=_said,
            failed=failed,
            leading=_Standby().changed,
            signer=signer,
        )
    except KeyboardInterrupt:
        return
    if stopped_by:
        raise fail(str(stopped_by[0]))


class _Standby:
    """Says when this process stands by for another running the clock, and when it takes
    over (not when it simply starts running it)."""

    def __init__(self) -> None:
        self.stood_by = False

    def changed(self, leads: bool) -> None:
        if not leads:
            self.stood_by = True
            err.print(
                "another process runs the clock (a serve or a clock); standing by to take "
                "over when it stops"
            )
        elif self.stood_by:
            err.print("this process now runs the clock")


def _said(done: Any) -> None:
    """What a clock step did, a line each: decisions, reminders, notifications."""
    result, sent = done.result, done.delivered
    for plan, count in result.recorded.items():
        if count:
            out.print(f"{utc_now():%Y-%m-%d %H:%M:%S} {plan}: {count} decisions recorded")
    # One line per action, however many of its actors were reminded (each on its own).
    by_action: dict[str, list[Any]] = {}
    for reminder in result.reminders:
        by_action.setdefault(reminder.action["decision_id"], []).append(reminder)
    for reminders in by_action.values():
        actors = tuple(r.actor for r in reminders)
        out.print(
            f"{utc_now():%Y-%m-%d %H:%M:%S} reminded {_shown(actors, 4)}: "
            f"{_summary(reminders[0].action)}"
        )
    if sent.delivered or sent.failed:
        out.print(
            f"{utc_now():%Y-%m-%d %H:%M:%S} notifications: {sent.delivered} delivered, "
            f"{sent.failed} to retry"
        )
    signed = done.checkpoint
    if signed is not None and signed.new:
        point = signed.checkpoint
        out.print(
            f"{utc_now():%Y-%m-%d %H:%M:%S} checkpoint signed: {point.size:,} entries, "
            f"root {point.root_hash[:16]}..."
        )


def tracks_cmd(
    ctx: typer.Context,
    agreement: Annotated[str | None, AGREEMENT_OPTION] = None,
    output_format: ListFormatOption = ListFormat.TABLE,
) -> None:
    """Each party's phase under each adopted plan, its T0, and the clocks running."""
    from ceasefire.services.live import AdoptionError, statuses

    state: AppState = ctx.obj
    now = utc_now()
    try:
        found = statuses(state.engine(), now, agreement)
    except AdoptionError as exc:
        raise fail(str(exc)) from None
    if output_format is not ListFormat.TABLE:
        rows = [
            {
                "plan": plan,
                "party": t.party,
                "phase": t.phase,
                "phase_name": t.phase_name,
                "since": t.since,
                "t0": t.t0,
                "rule": t.rule,
                "clocks": [{"clock": what, "at": when} for what, when in t.clocks],
                "decision": t.entered_by,
                "awaiting": _awaiting(t),
            }
            for plan, tracks in found.items()
            for t in tracks
        ]
        emit(rows, output_format)
        return
    if not found:
        out.print("No plan adopted: `ceasefire plan adopt coalition-three-phase` first.")
        return
    for plan, tracks in found.items():
        table = Table(title=f"{plan} at {now:%Y-%m-%d %H:%M} UTC", title_justify="left")
        for column in (
            "party",
            "phase",
            "since (UTC)",
            "T0 (UTC)",
            "rule",
            "clocks running",
            "decision",
        ):
            table.add_column(column)
        for t in tracks:
            clocks = "; ".join(f"{what} {when:%Y-%m-%d %H:%M}" for what, when in t.clocks[:3])
            waiting = _awaiting(t)
            table.add_row(
                t.party,
                f"{t.phase} {t.phase_name}",
                _time(t.since),
                _time(t.t0),
                t.rule + (f"; {styled('bold', waiting)}" if waiting else ""),
                clocks,
                t.entered_by,
            )
        out.print(table)


def _awaiting(track: Any) -> str:
    """ "phase 3 awaits confirmation by US since ..." for a track held at a gate."""
    if track.awaiting is None:
        return ""
    phase, who, since = track.awaiting
    return f"phase {phase} awaits confirmation by {', '.join(who)} since {since:%Y-%m-%d %H:%M}"


def confirm_cmd(
    ctx: typer.Context,
    party: Annotated[str, typer.Argument(help="The track's party (RU, UA, ...).")],
    phase: Annotated[int, typer.Argument(help="The phase awaiting confirmation (2 or 3).")],
    by: Annotated[str, typer.Option("--by", help="The confirming actor, one the plan names.")],
    reason: Annotated[str, typer.Option(help="Why (recorded with the answer).")],
    decline: Annotated[
        bool, typer.Option("--decline", help="Decide not to enter the phase (recorded).")
    ] = False,
    plan: Annotated[str | None, typer.Option(help="The plan, when several are adopted.")] = None,
    agreement: Annotated[str | None, AGREEMENT_OPTION] = None,
) -> None:
    """Answer a phase the plan enters only on confirmation (`confirm_by`): confirmed, the next
    clock step enters it; declined, the record says it is not entered. A ledger entry."""
    from ceasefire.services.live import AdoptionError, answer_phase_gate

    state: AppState = ctx.obj
    try:
        name, record = answer_phase_gate(
            state.engine(),
            party.upper(),
            phase,
            confirmed=not decline,
            by=by,
            reason=reason,
            clock=utc_now,
            plan=plan,
            agreement=agreement,
        )
    except AdoptionError as exc:
        raise fail(str(exc)) from None
    if record.confirmed:
        out.print(
            f"{by} confirmed phase {phase} for {record.party}'s track under {name} "
            f"(T0 {record.t0:%Y-%m-%d %H:%M} UTC); the next clock step enters it"
        )
    else:
        out.print(
            f"{by} declined phase {phase} for {record.party}'s track under {name}: "
            "recorded; the track stays where it is"
        )


def explain_cmd(
    ctx: typer.Context,
    decision_id: Annotated[
        str,
        typer.Argument(
            help="A decision id, any unique start of it (4 or more characters), or "
            "PARTY:PHASE (the latest recorded entry of that party into that phase, e.g. RU:2)."
        ),
    ],
) -> None:
    """A recorded decision in plain words: the rule, the parameters, the evidence, the times."""
    from ceasefire.store.db import reading
    from ceasefire.store.enforcement_store import acknowledged, decision_row, decisions_named

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        row = decision_row(connection, decision_id)
        if row is None:
            named = decisions_named(connection, decision_id)
            if len(named) > 1 and ":" not in decision_id:
                raise fail(
                    f"{decision_id!r} is the start of {len(named)} decision ids "
                    f"({', '.join(named[:4])}...): give more of it"
                )
            row = decision_row(connection, named[0]) if named else None
        acks = acknowledged(connection).get(row["decision_id"], {}) if row else {}
    if row is None:
        raise fail(
            f"no recorded decision {decision_id!r} (a decision id, any unique start of it of 4 "
            "or more characters, or PARTY:PHASE such as RU:2): `ceasefire decisions list` lists "
            "every recorded decision with its id"
        )
    content = json.loads(row["content"])
    out.print(styled("bold", content["summary"]))
    out.print(f"rule: {content['rule']} ({content['explanation']})")
    if content["parameters"]:
        out.print(
            "parameters: " + ", ".join(f"{k} = {v}" for k, v in content["parameters"].items())
        )
    out.print(f"evidence: {', '.join(content['evidence'])}")
    out.print(f"plan: {row['plan']} version {row['plan_version']}; T0: {content['t0'] or '-'}")
    late = " (late: the data arrived after it should have taken effect)" if content["late"] else ""
    out.print(
        f"takes effect {content['effective_at']}; known {content['known_at']}{late}; "
        f"recorded {row['recorded_at'].isoformat()}"
    )
    if content["revises"]:
        out.print(f"withdraws decision {content['revises']}")
    if content["kind"] == "action_required":
        from ceasefire.services.live import obligation_of

        owed = obligation_of(row, acks)
        waiting = f"; waiting on {', '.join(owed.waiting)}" if owed.waiting else ""
        out.print(f"{owed.tally()}{waiting}")
    for actor, when in acks.items():
        out.print(f"acknowledged by {actor} at {when.isoformat()}")


@actions_app.command("list")
def actions_list_cmd(
    ctx: typer.Context,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Only what this actor still owes (GB, US, RU, ...)."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Open actions (required, not withdrawn, still owed by some actor), overdue ones marked,
    with how many of their actors have acknowledged and who still owes them."""
    from ceasefire.services.live import action_view, open_actions
    from ceasefire.store.db import reading

    state: AppState = ctx.obj
    now = utc_now()
    with reading(state.engine()) as connection:
        actions = open_actions(connection, now, actor=actor)
    if output_format == "json":
        out.print(json.dumps([action_view(a) for a in actions], indent=1))
        return
    whose = f" owed by {actor}" if actor else ""
    table = Table(title=f"{len(actions)} open actions{whose}", title_justify="left")
    for column in ("due (UTC)", "action", "acknowledged", "waiting on", "id"):
        # The id is what `actions ack` takes: never cut to fit a narrow terminal.
        table.add_column(column, no_wrap=column == "id", min_width=16 if column == "id" else None)
    for action in actions:
        due = _time(action["due_at"]) + (" OVERDUE" if action["overdue"] else "")
        owed = action["obligation"]
        table.add_row(
            due, _summary(action), owed.tally(), _shown(owed.waiting), action["decision_id"]
        )
    out.print(table)


def _shown(actors: tuple[str, ...], most: int = 6) -> str:
    return ", ".join(actors[:most]) + (f" +{len(actors) - most}" if len(actors) > most else "")


@actions_app.command("ack")
def ack_cmd(
    ctx: typer.Context,
    decision_id: Annotated[str, typer.Argument(help="The action's decision id.")],
    by: Annotated[
        str, typer.Option("--by", help="The acknowledging actor, one of the action's actors.")
    ],
    note: Annotated[str, typer.Option(help="What the actor says.")] = "",
) -> None:
    """Acknowledge an action; its reminders stop. Recorded in the tamper-evident log."""
    from ceasefire.services.live import AcknowledgementError, acknowledge_action
    from ceasefire.store.db import writing

    state: AppState = ctx.obj
    try:
        with writing(state.engine()) as connection:
            when = acknowledge_action(connection, decision_id, by, note, clock=utc_now)
    except AcknowledgementError as exc:
        message = str(exc)
        raise fail(("--by: " if "is not an actor" in message else "") + message) from None
    out.print(f"{by} acknowledged {decision_id} at {when:%Y-%m-%d %H:%M:%S} UTC")


def _summary(action: dict[str, Any]) -> str:
    return str(json.loads(action["content"])["summary"])


def _time(value: Any) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M")


decisions_app = typer.Typer(
    help="The plan's recorded decisions: every one any command shows.", no_args_is_help=True
)


@decisions_app.command("list")
def decisions_list_cmd(
    ctx: typer.Context,
    plan: Annotated[str | None, typer.Option(help="Only this plan's decisions.")] = None,
    party: Annotated[
        str | None, typer.Option(help="Only this party's track (RU, UA, ...).")
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            help="Only these kinds (repeat): phase_entered, action_required, stood_down, "
            "withdrawn, exempted."
        ),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Taking effect at or after.")] = None,
    until: Annotated[str | None, typer.Option(help="Taking effect before.")] = None,
    tz: Annotated[str, typer.Option("--tz", help="Zone for times given without an offset.")] = (
        "Europe/Kyiv"
    ),
    limit: Annotated[int, typer.Option(min=1, help="The newest this many.")] = 50,
    output_format: ListFormatOption = ListFormat.TABLE,
) -> None:
    """Recorded decisions, newest first, with the ids `explain` takes: those of tracks that
    stood down and the withdrawals of decisions late data undid included."""
    from ceasefire.cli.reports_cmd import parse_time
    from ceasefire.domain.enforcement.decisions import DecisionKind
    from ceasefire.store.db import reading
    from ceasefire.store.enforcement_store import DecisionFilter, listed_decisions

    known = {k.value for k in DecisionKind}
    unknown = sorted(set(kind or ()) - known)
    if unknown:
        raise fail(f"--kind: {', '.join(unknown)} is not a kind ({', '.join(sorted(known))})")
    zone = time_zone(tz)
    chosen = DecisionFilter(
        plan=plan,
        party=party.upper() if party else None,
        kinds=frozenset(kind or ()),
        since=parse_time("--since", since, zone, end=False),
        until=parse_time("--until", until, zone, end=True),
        limit=limit,
    )
    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        found = listed_decisions(connection, chosen)
    rows = [
        {
            "decision_id": d["decision_id"],
            "plan": d["plan"],
            "plan_version": d["plan_version"],
            "party": d["party"],
            "kind": d["kind"],
            "phase": d["phase"],
            "action": d["action"],
            "effective_at": d["effective_at"],
            "known_at": d["known_at"],
            "recorded_at": d["recorded_at"],
            "withdraws": d["revises"] or None,
            "late": bool(json.loads(d["content"]).get("late")),
        }
        for d in found
    ]
    if not rows and output_format is ListFormat.TABLE:
        err.print("no recorded decision matches (`ceasefire clock --once` records what is due)")
        return
    emit(rows, output_format, _decisions_table)


def _decisions_table(rows: Any) -> Table:
    table = Table(title=f"{len(rows)} recorded decisions, newest first (times UTC)")
    for name in ("takes effect", "party", "decision", "plan", "id"):
        table.add_column(name, no_wrap=name == "id")
    for r in rows:
        what = r["kind"].replace("_", " ")
        if r["phase"]:
            what += f", phase {r['phase']}"
        if r["action"]:
            what += f": {r['action'].replace('_', ' ')}"
        if r["withdraws"]:
            what += f" (withdraws {r['withdraws']})"
        if r["late"]:
            what += " [late]"
        table.add_row(
            r["effective_at"].strftime("%Y-%m-%d %H:%M"),
            r["party"],
            what,
            f"{r['plan']} v{r['plan_version']}",
            r["decision_id"],
        )
    return table
