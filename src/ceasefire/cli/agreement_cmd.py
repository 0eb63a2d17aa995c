"""`ceasefire agreement load|list`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ceasefire.cli.context import AppState, err, fail, out, styled
from ceasefire.clock import utc_now
from ceasefire.domain.agreement import AgreementError
from ceasefire.services.agreements import AgreementNotFound, bundled_agreements, load_into_record
from ceasefire.store.agreement_store import latest_agreements
from ceasefire.store.db import reading

app = typer.Typer(
    help="Agreements: parties, time in force, geography and zone rules.", no_args_is_help=True
)


@app.command("load")
def load_cmd(
    ctx: typer.Context,
    agreement: Annotated[
        str, typer.Argument(help="An agreement YAML file, or a bundled agreement's name.")
    ],
) -> None:
    """Check and store an agreement (a new version when its content changed), then place every
    stored report against its geography."""
    state: AppState = ctx.obj
    engine = state.engine()
    try:
        loaded, new, classified = load_into_record(engine, agreement, clock=utc_now)
    except AgreementNotFound as exc:
        raise fail(str(exc)) from None
    except AgreementError as exc:
        err.print(styled("bold red", "error: ", exc.source))
        for problem in exc.problems:
            err.print(f"  {problem}", highlight=False, markup=False)
        raise typer.Exit(1) from None
    spec, geography = loaded.spec, loaded.geography
    verb = "stored as version" if new else "unchanged, still version"
    out.print(styled("bold", spec.name, f" {verb} {loaded.version}: {spec.title}"))
    out.print(
        f"parties {', '.join(f'{k} ({v})' for k, v in spec.parties.items())}; in force from "
        f"{spec.effective_from.isoformat()}"
        + (f" until {spec.effective_until.isoformat()}" if spec.effective_until else ""),
        highlight=False,
    )
    out.print(
        f"line of contact {geography.line.length / 1000:,.0f} km; "
        f"DMZ {spec.dmz_half_width_km:g} km "
        f"each side; {len(spec.weapon_withdrawal_km)} weapon withdrawal zones; "
        f"{len(geography.sectors)} sectors; {classified} reports placed.",
        highlight=False,
    )


@app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """Agreements in the record (latest version of each) and the bundled ones."""
    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        stored = latest_agreements(connection)
    table = Table(title="agreements in the record", title_justify="left")
    for column in ("name", "version", "parties", "in force from", "until", "title"):
        table.add_column(column)
    for a in stored:
        s = a.spec
        until = s.effective_until.isoformat() if s.effective_until else ""
        table.add_row(
            a.name,
            str(a.version),
            " ".join(s.parties),
            s.effective_from.isoformat(),
            until,
            s.title,
        )
    out.print(table)
    out.print(
        f"bundled, for `ceasefire agreement load NAME`: {', '.join(bundled_agreements())}",
        highlight=False,
    )
