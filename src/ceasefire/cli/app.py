"""The `ceasefire` command."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from ceasefire.cli import (
    agreement_cmd,
    classify_cmd,
    commitments_cmd,
    engine_cmd,
    export_cmd,
    extract_cmd,
    incidents_cmd,
    ingest_cmd,
    live_cmd,
    notify_cmd,
    report_cmd,
    reports_cmd,
    scenario_cmd,
    service_cmd,
    simulate_cmd,
    zones_cmd,
)
from ceasefire.cli.context import AppState, err, fail, out, styled
from ceasefire.clock import utc_now
from ceasefire.services.bulk import collector_paused
from ceasefire.store.db import ENV_VAR, reading, writing
from ceasefire.store.geography_store import place_again
from ceasefire.store.incident_check import (
    group_ungrouped,
    membership_problem,
    needs_regroup,
    regroup,
)
from ceasefire.store.migrate import revision_in, upgrade_in
from ceasefire.store.verify import verify

app = typer.Typer(
    help="Ceasefire monitoring and enforcement: reports in, a tamper-evident record out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(reports_cmd.app, name="reports")
app.add_typer(zones_cmd.app, name="zones")
app.add_typer(agreement_cmd.app, name="agreement")
app.add_typer(engine_cmd.plan_app, name="plan")
app.command("replay")(engine_cmd.replay_cmd)
engine_cmd.plan_app.command("adopt")(live_cmd.adopt_cmd)
app.command("clock")(live_cmd.clock_cmd)
app.command("tracks")(live_cmd.tracks_cmd)
app.command("explain")(live_cmd.explain_cmd)
app.add_typer(live_cmd.actions_app, name="actions")
app.command("ingest")(ingest_cmd.ingest)
app.command("extract")(extract_cmd.extract_cmd)
app.command("classify")(classify_cmd.classify)
app.add_typer(incidents_cmd.app, name="incidents")
app.command("review")(incidents_cmd.review_cmd)
app.add_typer(incidents_cmd.violations_app, name="violations")
app.command("serve")(service_cmd.serve_cmd)
app.add_typer(service_cmd.users_app, name="users")
app.command("audit")(service_cmd.audit_cmd)
app.add_typer(notify_cmd.app, name="notify")
app.add_typer(report_cmd.app, name="report")
app.command("export")(export_cmd.export_cmd)
app.command("simulate")(simulate_cmd.simulate_cmd)
app.add_typer(scenario_cmd.app, name="scenario")
app.add_typer(commitments_cmd.commitments_app, name="commitments")
app.add_typer(commitments_cmd.exchange_app, name="exchange")
app.add_typer(commitments_cmd.weapons_app, name="weapons")


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=f"Database: an SQLite file path or postgresql://... "
            f"(default: ${ENV_VAR}, else ceasefire.db here).",
        ),
    ] = None,
) -> None:
    ctx.obj = AppState(db=db)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database, or migrate it to this version's schema."""
    state: AppState = ctx.obj
    engine = state.engine(require_schema=False)
    shown = engine.url.render_as_string(hide_password=True)
    # One transaction: the schema, and what the rows need after it (grouping reports from
    # before incidents existed; regrouping a record grouped by the earlier rule), so no
    # command ever meets the new schema over rows in the old state.
    try:
        with collector_paused(), writing(engine) as connection:
            before = revision_in(connection)
            upgrade_in(connection)
            after = revision_in(connection)
            grouped = group_ungrouped(connection)
            regrouped = regroup(connection, utc_now) if needs_regroup(connection) else None
            placed = place_again(connection) if _crossed(before, PLACEMENT_REVISION) else 0
    except OperationalError as exc:
        raise fail(f"cannot open the database {shown}: {exc.orig}") from None
    if before == after:
        out.print(f"{shown}: schema is current ({after})", highlight=False)
    else:
        out.print(f"{shown}: schema {before or 'none'} -> {after}", highlight=False)
    if grouped is not None:
        out.print(f"reports recorded before incidents existed grouped: {grouped} incidents")
    if regrouped is not None:
        out.print(incidents_cmd.regrouped_note(regrouped), highlight=False)
    if placed:
        out.print(
            f"{placed:,} report placements made again: a withdrawal zone is now judged where a "
            "report places the weapon (a sighting, outgoing fire), never at an impact",
            highlight=False,
        )


# The migration after which a report's placement says where it puts a weapon: records placed
# before it are placed again as they migrate.
PLACEMENT_REVISION = "0010"


def _crossed(before: str | None, revision: str) -> bool:
    """Whether migrating from `before` ran `revision` (a record that had a schema at all)."""
    return before is not None and before < revision


@app.command("verify")
def verify_cmd(ctx: typer.Context) -> None:
    """Check the whole tamper-evident log; exit 1 naming the first entry that does not match."""
    state: AppState = ctx.obj
    engine = state.engine()
    with reading(engine) as connection:
        result = verify(connection)
        with collector_paused():
            incidents = membership_problem(connection) if result.first_break is None else None
    if result.first_break is not None:
        err.print(styled("bold red", "BROKEN ", str(result.first_break)))
        err.print(f"{result.entries_checked} entries before it verified.", highlight=False)
        raise typer.Exit(1)
    if incidents is not None:
        err.print(styled("bold red", "MISMATCH ", str(incidents)))
        err.print(f"the {result.entries_checked} ledger entries themselves verified.")
        raise typer.Exit(1)
    out.print(
        styled(
            "green",
            "OK ",
            f"{result.entries_checked} ledger entries verified: hash chain intact, "
            "every read row matches the log, incidents match a replay of it.",
        ),
        highlight=False,
    )
    if result.head_seq:
        out.print(
            f"head: entry {result.head_seq}, hash {result.head_hash} (keep it outside the "
            "database: a later verify that ends before it shows the log was cut)",
            highlight=False,
        )


def main() -> None:
    app()
