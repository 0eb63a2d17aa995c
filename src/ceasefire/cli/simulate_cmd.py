"""`ceasefire simulate`: a plan over a window of history, and sweeps of its numbers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ceasefire.cli.context import AppState, fail, out, time_zone
from ceasefire.clock import utc_now

if TYPE_CHECKING:
    from ceasefire.domain.enforcement.plan import Plan
    from ceasefire.domain.enforcement.simulation import Simulation


def _window(text: str, zone: Any) -> tuple[datetime, datetime]:
    from ceasefire.cli.reports_cmd import parse_time

    if "/" not in text:
        raise fail(f"--truce: {text!r} must be START/END (e.g. 2025-03-18T00:00+02:00/2025-04-17)")
    first, second = text.split("/", 1)
    start = parse_time("--truce", first, zone, end=False)
    end = parse_time("--truce", second, zone, end=True)
    assert start is not None and end is not None
    if end <= start:
        raise fail(f"--truce: the end {second} is not after the start {first}")
    return start, end


def _sweep_values(text: str) -> tuple[str, list[Any]]:
    import yaml

    key, _, values = text.partition("=")
    if not key or not values:
        raise fail(
            f"--sweep: {text!r} must be KEY=V1,V2,... (e.g. broader_attack.count_in_24h=10,20,50)"
        )
    return key.strip(), [yaml.safe_load(v) for v in values.split(",")]


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.0f} h"


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def _iso(moment: datetime | None) -> str | None:
    from ceasefire.domain.canonical import utc_iso

    return None if moment is None else utc_iso(moment)


def _as_json(sim: Simulation) -> dict[str, Any]:
    from ceasefire.domain.canonical import utc_iso

    return {
        "plan": sim.plan,
        "from": utc_iso(sim.start),
        "until": utc_iso(sim.end),
        "parties": [
            {
                "party": o.party,
                "counted": o.counted,
                "highest_phase": o.highest,
                "ambiguous": list(o.ambiguous),
                "phase_2_at": _iso(o.first(2)),
                "phase_3_at": _iso(o.first(3)),
                "hours_in_phase": {
                    str(k): v.total_seconds() / 3600 for k, v in sorted(o.time_in_phase.items())
                },
                "entries": [
                    {"phase": e.phase, "at": utc_iso(e.at), "rule": e.rule, "why": e.explanation}
                    for e in o.entries
                ],
                "actions": [
                    {
                        "action": d.action,
                        "at": utc_iso(d.effective_at),
                        "actors": list(d.actors),
                        "due": None if d.due_at is None else utc_iso(d.due_at),
                    }
                    for d in o.actions
                ],
            }
            for o in sim.outcomes
        ],
    }


def simulate_cmd(
    ctx: typer.Context,
    truce: Annotated[str, typer.Option(help="The window START/END; times without offset in --tz.")],
    plan: Annotated[str | None, typer.Option(help="A bundled plan's name or a plan file.")] = None,
    compare: Annotated[
        list[str] | None, typer.Option(help="Plans side by side: --compare A --compare B ...")
    ] = None,
    counting: Annotated[
        str | None,
        typer.Option(
            help="Count violations of this status or better: reported|corroborated|verified."
        ),
    ] = None,
    sweep_spec: Annotated[
        str | None,
        typer.Option("--sweep", help="KEY=V1,V2,...: one run per value of a plan parameter."),
    ] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement whose sectors violations carry.")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table|json|html")] = "table",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File for --format html.")
    ] = None,
    tz: Annotated[
        str, typer.Option("--tz", help="Zone for times without an offset.")
    ] = "Europe/Kyiv",
) -> None:
    """How a plan would have behaved over a window of history, per party: when each phase
    would have been entered and why, time in each phase, actions. --sweep: when phases 2 and 3
    fire as one parameter varies. --compare: several plans side by side. The violations are
    grouped once for every run."""
    from ceasefire.domain.enforcement.simulation import SweepError, simulate, sweep
    from ceasefire.services.violations import violations_in_record
    from ceasefire.speed.collector import collector_paused
    from ceasefire.store.agreement_store import default_name
    from ceasefire.store.db import reading
    from ceasefire.store.ledger_store import ledger_head

    if output_format not in ("table", "json", "html"):
        raise fail(f"--format: {output_format!r} is not table, json or html")
    if output_format == "html" and output is None:
        raise fail("--format html: name the file with -o")
    if (plan is None) == (not compare):
        raise fail("name one plan with --plan, or several with --compare A --compare B")
    if compare and sweep_spec:
        raise fail("--sweep runs one plan: use it with --plan, not --compare")
    zone = time_zone(tz)
    start, end = _window(truce, zone)
    documents = [_plan_data(name, counting) for name in ([plan] if plan else compare or [])]
    state: AppState = ctx.obj
    with collector_paused(), reading(state.engine()) as connection:
        if agreement is None:
            agreement = default_name(connection)
        violations = violations_in_record(connection, agreement, at=utc_now())
        head_seq, _ = ledger_head(connection)
    key: str | None = None
    try:
        if sweep_spec is not None:
            key, values = _sweep_values(sweep_spec)
            runs = sweep(documents[0], key, values, violations, start, end)
        else:
            runs = [(None, simulate(_parsed(d), violations, start, end)) for d in documents]
            if compare:
                key, runs = "plan", [(sim.plan, sim) for _, sim in runs]
    except SweepError as exc:
        raise fail(str(exc)) from None
    if output_format == "json":
        out.print(
            json.dumps([{"value": v} | _as_json(s) for v, s in runs], ensure_ascii=False, indent=1)
        )
    elif output_format == "html":
        assert output is not None
        if not output.parent.is_dir():
            raise fail(f"-o: the folder {output.parent} does not exist")
        note = f"counting {counting or 'as each plan says'}; agreement {agreement or 'none'}."
        from ceasefire.cli.files import write_atomically
        from ceasefire.publish.document import Rendered
        from ceasefire.publish.render import render_simulation  # matplotlib: only when drawing

        write_atomically(output, Rendered(render_simulation(runs, key, zone, head_seq, note)))
        out.print(f"wrote {output} ({len(runs)} runs)")
    elif key is None:
        _print_simulation(runs[0][1], hint_counting=counting is None)
    else:
        _print_sweep(key, runs)


def _plan_data(name: str, counting: str | None) -> dict[str, Any]:
    from ceasefire.domain.enforcement.plan import PlanError
    from ceasefire.services.plans import load_plan_data, with_counting

    try:
        data = load_plan_data(name)
    except PlanError as exc:
        from ceasefire.cli.plan_cmd import plan_failure

        raise plan_failure(exc, "--plan: ") from None
    if counting is None:
        return data
    try:
        return with_counting(data, counting)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _parsed(data: dict[str, Any]) -> Plan:
    from ceasefire.domain.enforcement.plan import parse_plan

    parsed = parse_plan(data)
    if isinstance(parsed, list):
        raise fail(f"--plan {data.get('name', '?')}: {'; '.join(parsed)}")
    return parsed


def _print_simulation(sim: Simulation, *, hint_counting: bool) -> None:
    table = Table(
        title=f"{sim.plan}, {_when(sim.start)} to {_when(sim.end)} UTC", title_justify="left"
    )
    for column in (
        "party",
        "counted",
        "highest phase",
        "phase 2 at",
        "phase 3 at",
        "time in phases",
        "actions",
    ):
        table.add_column(column)
    for o in sim.outcomes:
        table.add_row(
            o.party,
            str(o.counted),
            str(o.highest),
            _when(o.first(2)),
            _when(o.first(3)),
            ", ".join(f"{p}: {_hours(t)}" for p, t in sorted(o.time_in_phase.items())),
            str(len(o.actions)),
        )
    out.print(table)
    for o in sim.outcomes:
        for e in o.entries:
            what = "stands down" if e.phase == 0 else f"enters phase {e.phase}"
            out.print(
                f"{o.party} {what} at {_when(e.at)} UTC: {e.rule} ({e.explanation})",
                highlight=False,
            )
    for o in sim.outcomes:
        if o.ambiguous:
            out.print(
                f"{o.party}: {len(o.ambiguous)} violations known only to the day straddle the "
                f"window's edge (counted when they start inside): {', '.join(o.ambiguous[:10])}"
                + (" ..." if len(o.ambiguous) > 10 else ""),
                highlight=False,
            )
    if not sim.outcomes:
        out.print(
            "No attributed violation in the window: no track."
            + (" Try --counting reported." if hint_counting else "")
        )


def _print_sweep(key: str, runs: list[tuple[Any, Simulation]]) -> None:
    parties = sorted({o.party for _, s in runs for o in s.outcomes})
    title = (
        "plans compared: when phases 2 and 3 fire (UTC)"
        if key == "plan"
        else f"{runs[0][1].plan}: phases as {key} varies (UTC)"
    )
    table = Table(title=title, title_justify="left")
    table.add_column(key)
    for party in parties:
        table.add_column(f"{party} phase 2")
        table.add_column(f"{party} phase 3")
    for value, sim in runs:
        by_party = {o.party: o for o in sim.outcomes}
        cells = [str(value)]
        for party in parties:
            o = by_party.get(party)
            cells += [_when(o.first(2) if o else None), _when(o.first(3) if o else None)]
        table.add_row(*cells)
    out.print(table)
