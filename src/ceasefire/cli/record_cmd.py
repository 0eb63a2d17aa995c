"""`ceasefire init` and `ceasefire verify`: the record itself, created, migrated, checked."""

from __future__ import annotations

import typer

from ceasefire.cli.context import AppState, err, fail, out, styled
from ceasefire.clock import utc_now


def init_cmd(ctx: typer.Context) -> None:
    """Create the database, or migrate it to this version's schema."""
    from sqlalchemy.exc import DatabaseError

    from ceasefire.cli.incidents_cmd import regrouped_note
    from ceasefire.speed.collector import collector_paused
    from ceasefire.store.db import writing
    from ceasefire.store.geography_store import place_again
    from ceasefire.store.incident_check import group_ungrouped, needs_regroup, regroup
    from ceasefire.store.migrate import revision_in, upgrade_in

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
    except DatabaseError as exc:  # unreachable, or a file that is not a database
        raise fail(f"cannot open the database {shown}: {exc.orig}") from None
    if before == after:
        out.print(f"{shown}: schema is current ({after})", highlight=False)
    else:
        out.print(f"{shown}: schema {before or 'none'} -> {after}", highlight=False)
    if grouped is not None:
        out.print(f"reports recorded before incidents existed grouped: {grouped} incidents")
    if regrouped is not None:
        out.print(regrouped_note(regrouped), highlight=False)
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


def verify_cmd(ctx: typer.Context) -> None:
    """Check the whole tamper-evident log; exit 1 naming the first entry that does not match."""
    from ceasefire.speed.collector import collector_paused
    from ceasefire.store.db import reading
    from ceasefire.store.incident_check import membership_problem
    from ceasefire.store.verify import verify

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
