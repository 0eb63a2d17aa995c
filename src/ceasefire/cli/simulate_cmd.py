"""`ceasefire simulate`: a plan over a window of history, and sweeps of its numbers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from ceasefire.cli.context import AppState, fail, out, time_zone
from ceasefire.cli.reports_cmd import parse_time
from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.engine.plan import STATUSES, PlanError, parse_plan
from ceasefire.domain.engine.simulation import Simulation, SweepError, simulate, sweep
from ceasefire.services.bulk import collector_paused
from ceasefire.services.plans import load_plan_data
from ceasefire.services.violations import violations_from_incidents
from ceasefire.store.agreement_store import latest_agreements
from ceasefire.store.db import reading


def _window(text: str, zone: Any) -> tuple[datetime, datetime]:
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


def _as_json(sim: Simulation) -> dict[str, Any]:
    return {
        "plan": sim.plan,
        "from": utc_iso(sim.start),
        "until": utc_iso(sim.end),
        "parties": [
            {
                "party": o.party,
                "counted": o.counted,
                "highest_phase": o.highest,
                "phase_2_at": None if o.first(2) is None else utc_iso(o.first(2)),  # type: ignore[arg-type]
                "phase_3_at": None if o.first(3) is None else utc_iso(o.first(3)),  # type: ignore[arg-type]
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
    plan: Annotated[str, typer.Option(help="A bundled plan's name or a plan file.")],
    truce: Annotated[str, typer.Option(help="The window START/END; times without offset in --tz.")],
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
    output_format: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    tz: Annotated[
        str, typer.Option("--tz", help="Zone for times without an offset.")
    ] = "Europe/Kyiv",
) -> None:
    """How the plan would have behaved over a window of history, per party: when each phase
    would have been entered and why, time in each phase, actions. With --sweep, when phases 2
    and 3 fire as one parameter varies; the violations are grouped once for every run."""
    if output_format not in ("table", "json"):
        raise fail(f"--format: {output_format!r} is not table or json")
    zone = time_zone(tz)
    start, end = _window(truce, zone)
    try:
        data = load_plan_data(plan)
    except PlanError as exc:
        raise fail(f"--plan: {exc}") from None
    if counting is not None:
        if counting not in STATUSES:
            raise fail(f"--counting: {counting!r} is not one of {', '.join(STATUSES)}")
        data = {
            **data,
            "counting": {
                **(data.get("counting") or {}),
                "statuses": list(STATUSES[STATUSES.index(counting) :]),
            },
        }
    state: AppState = ctx.obj
    with collector_paused(), reading(state.engine()) as connection:
        if agreement is None:
            names = [a.name for a in latest_agreements(connection)]
            agreement = names[0] if len(names) == 1 else None
        violations = violations_from_incidents(connection, agreement)
    try:
        if sweep_spec is None:
            parsed = parse_plan(data)
            if isinstance(parsed, list):
                raise fail(f"--plan: {'; '.join(parsed)}")
            runs = [(None, simulate(parsed, violations, start, end))]
        else:
            key, values = _sweep_values(sweep_spec)
            runs = sweep(data, key, values, violations, start, end)
    except SweepError as exc:
        raise fail(str(exc)) from None
    if output_format == "json":
        out.print(
            json.dumps([{"value": v} | _as_json(s) for v, s in runs], ensure_ascii=False, indent=1)
        )
        return
    if sweep_spec is None:
        _print_simulation(runs[0][1])
    else:
        _print_sweep(sweep_spec.partition("=")[0], runs)


def _print_simulation(sim: Simulation) -> None:
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
    if not sim.outcomes:
        out.print("No attributed violation in the window: no track. Try --counting reported.")


def _print_sweep(key: str, runs: list[tuple[Any, Simulation]]) -> None:
    parties = sorted({o.party for _, s in runs for o in s.outcomes})
    table = Table(title=f"{runs[0][1].plan}: phases as {key} varies (UTC)", title_justify="left")
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
