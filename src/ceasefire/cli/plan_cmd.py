"""`ceasefire plan check` and `ceasefire replay`."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ceasefire.cli.context import AppState, err, fail, out, styled, time_zone
from ceasefire.cli.listing import ListFormat, ListFormatOption, emit
from ceasefire.clock import utc_now
from ceasefire.data import DEFAULT_PLAN

if TYPE_CHECKING:
    from ceasefire.domain.enforcement.plan import PlanError
    from ceasefire.services.enforcement import ReplayResult

plan_app = typer.Typer(
    help="Enforcement plans: check and explain a plan file.", no_args_is_help=True
)


def plan_failure(exc: PlanError, option: str = "") -> typer.Exit:
    """A plan that cannot be used: a usage mistake (exit 2) when there is no such plan, else
    the problems found in it, one a line (exit 1), whichever command was reading it."""
    from ceasefire.services.plans import PlanNotFound

    if isinstance(exc, PlanNotFound):
        return fail(f"{option}{exc}")
    err.print(styled("bold red", "error: ", f"{option}{exc.source}: the plan has problems"))
    for problem in exc.problems:
        err.print(f"  {problem}")
    return typer.Exit(1)


@plan_app.command("check")
def check_cmd(
    plan: Annotated[str, typer.Argument(help="A plan YAML file, or a bundled plan's name.")],
) -> None:
    """Validate a plan and print its phases and parameters in words."""
    from ceasefire.domain.enforcement.plan import PlanError
    from ceasefire.domain.enforcement.plan_text import describe_plan
    from ceasefire.services.plans import read_plan

    try:
        parsed = read_plan(plan)
    except PlanError as exc:
        raise plan_failure(exc) from None
    for line in describe_plan(parsed):
        out.print(line)


@plan_app.command("list")
def list_cmd(output_format: ListFormatOption = ListFormat.TABLE) -> None:
    """The bundled plans."""
    from ceasefire.services.plans import bundled_plans, read_plan

    rows = [{"name": name, "title": read_plan(name).title} for name in bundled_plans()]
    emit(rows, output_format, title="bundled plans, for `ceasefire plan adopt NAME`")


def replay_cmd(
    ctx: typer.Context,
    plan: Annotated[str, typer.Option(help="A plan file or bundled plan.")] = DEFAULT_PLAN,
    since: Annotated[
        str | None, typer.Option("--from", help="Violations observed from (event time).")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="... and before (a date alone includes that day).")
    ] = None,
    as_known_at: Annotated[
        str | None,
        typer.Option(
            help="Show the log as the system would have written it by then, revisions included."
        ),
    ] = None,
    counting: Annotated[
        str | None,
        typer.Option(
            help="Count violations of this status or better: "
            "reported|corroborated|verified (default: the plan's)."
        ),
    ] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement whose sectors violations carry.")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="table|json")] = "table",
    tz: Annotated[str, typer.Option(help="Zone for times without an offset.")] = "Europe/Kyiv",
) -> None:
    """Run a plan over the violations in the record. Without --as-known-at: what should happen,
    in event time, in light of everything known now. With it: the decision log as of then,
    each decision with when it took effect and when it became known."""
    from ceasefire.cli.reports_cmd import parse_time
    from ceasefire.domain.enforcement.decisions import decision_content
    from ceasefire.domain.enforcement.plan import STATUSES, PlanError
    from ceasefire.services.enforcement import counting_from, run_plan
    from ceasefire.services.plans import read_plan

    if output_format not in ("table", "json"):
        raise fail(f"--format: {output_format!r} is not table or json")
    zone = time_zone(tz)
    try:
        parsed = read_plan(plan)
        if counting is not None:
            parsed = counting_from(parsed, counting)
    except PlanError as exc:
        raise plan_failure(exc, "--plan: ") from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    state: AppState = ctx.obj
    now = utc_now()
    # Without --as-known-at the timeline runs on past now: what lies beyond is a clock still
    # running (phase 3 at T0 + 72 h, a stand-down), due if nothing changes, not a decision.
    due_after = now if as_known_at is None else None
    result = run_plan(
        state.engine(),
        parsed,
        now=now,
        as_known_at=parse_time("--as-known-at", as_known_at, zone, end=False),
        since=parse_time("--from", since, zone, end=False),
        until=parse_time("--until", until, zone, end=True),
        agreement=agreement,
    )
    if output_format == "json":
        json.dump(
            [
                decision_content(d)
                | ({} if due_after is None else {"due": d.effective_at > due_after})
                | {"recorded_id": result.recorded_id(d)}
                for d in result.decisions
            ],
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        sys.stdout.write("\n")
        return
    statuses = "/".join(s for s in STATUSES if s in parsed.counting.statuses)
    due = 0 if due_after is None else sum(d.effective_at > due_after for d in result.decisions)
    out.print(
        f"{parsed.name}: {result.violations} attributed violations, {result.counted} counted "
        f"({statuses}); {len(result.decisions) - due} decisions"
        + (f", {due} more due if nothing changes" if due else "")
        + (
            f"; sectors from {result.agreement}"
            if result.agreement
            else "; no sectors (no single agreement)"
        )
    )
    if result.violations and not result.counted and counting is None:
        out.print(
            "Nothing counted: reports are only `reported` until reviewed; pass --counting reported "
            "to simulate the plan on unreviewed reports."
        )
    _print(result, show_known=as_known_at is not None, due_after=due_after)
    if any(result.recorded_id(d) is None for d in result.decisions):
        out.print(
            "ids marked * are this replay's own: the record holds no such decision (yet); "
            "the others are the recorded decisions `explain` takes"
        )


def _print(result: ReplayResult, show_known: bool, due_after: datetime | None) -> None:
    from ceasefire.domain.enforcement.decisions import DecisionKind, describe

    table = Table(title_justify="left")
    table.add_column("effective (UTC)", no_wrap=True)
    if show_known:
        table.add_column("known (UTC)", no_wrap=True)
    table.add_column("decision")
    table.add_column("rule")
    table.add_column("id", no_wrap=True)
    for d in result.decisions:
        mark = {DecisionKind.WITHDRAWN: "WITHDRAWN ", DecisionKind.STOOD_DOWN: ""}.get(d.kind, "")
        if due_after is not None and d.effective_at > due_after:
            mark = "DUE IF NOTHING CHANGES: " + mark
        late = " (late)" if d.late else ""
        cells = [d.effective_at.strftime("%Y-%m-%d %H:%M")]
        if show_known:
            cells.append(d.known_at.strftime("%Y-%m-%d %H:%M") + late if d.known_at else "")
        recorded = result.recorded_id(d)
        cells += [mark + describe(d), d.rule, recorded or d.decision_id + "*"]
        table.add_row(*cells)
    out.print(table)


@plan_app.command("adopt")
def adopt_cmd(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="A plan file or bundled plan.")],
    counting: Annotated[
        str | None,
        typer.Option(
            help="Count violations of this status or better (recorded in the adopted plan)."
        ),
    ] = None,
) -> None:
    """Run the clocks under this plan from now on (a new version when its content changed)."""
    from ceasefire.domain.enforcement.plan import PlanError
    from ceasefire.services.live import AdoptionError, adopt
    from ceasefire.services.plans import read_plan

    state: AppState = ctx.obj
    try:
        read_plan(plan)  # a mistaken plan is said before the database is opened
        adopted = adopt(state.engine(), plan, counting=counting, clock=utc_now)
    except PlanError as exc:
        raise plan_failure(exc) from None
    except AdoptionError as exc:
        raise fail(str(exc)) from None
    out.print(
        f"{adopted.name} version {adopted.version} adopted at "
        f"{adopted.adopted_at:%Y-%m-%d %H:%M:%S} UTC (content {adopted.content_sha256[:12]}); "
        "`ceasefire clock` runs it."
    )
    if adopted.version > 1:
        out.print(
            "tracks that open from now run under it; open tracks keep the version they opened "
            f"with until `ceasefire plan migrate {adopted.name} --reason ...` moves them"
        )


@plan_app.command("migrate")
def migrate_cmd(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="The adopted plan's name.")],
    reason: Annotated[str, typer.Option(help="Why the open tracks move (recorded).")],
    party: Annotated[
        str | None, typer.Option(help="Only this party's open track (RU, UA, ...).")
    ] = None,
    by: Annotated[str, typer.Option(help="Who decided the migration (recorded).")] = "operator",
) -> None:
    """Move open tracks to the plan's latest version (a recorded migration). A track runs
    under the version in force when it opened; adopting a new version changes only new
    tracks until this is done."""
    from ceasefire.services.live import AdoptionError, migrate_open_tracks

    state: AppState = ctx.obj
    try:
        moves = migrate_open_tracks(
            state.engine(), plan, party=party, reason=reason, by=by, clock=utc_now
        )
    except AdoptionError as exc:
        raise fail(str(exc)) from None
    for m in moves:
        out.print(
            f"{m.party} track (T0 {m.t0:%Y-%m-%d %H:%M} UTC) moved from version "
            f"{m.from_version} to {m.to_version}"
        )
    out.print(
        "the next clock step writes what these tracks' decisions become under the new version "
        "(withdrawals and late corrections, known from now)"
    )
