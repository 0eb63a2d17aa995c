"""`ceasefire agreement load|use|list`."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from ceasefire.cli.context import AppState, err, fail, out, styled
from ceasefire.cli.listing import ListFormat, ListFormatOption, emit
from ceasefire.clock import utc_now

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
    from ceasefire.domain.agreement import AgreementError
    from ceasefire.services.agreements import AgreementNotFound, load_into_record
    from ceasefire.store.agreement_store import default_name, latest_agreements
    from ceasefire.store.db import reading

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
    with reading(engine) as connection:
        held = len(latest_agreements(connection))
        in_use = default_name(connection)
    if held > 1:
        out.print(
            f"the record holds {held} agreements; commands that name none use "
            + (f"{in_use}" if in_use else "none until one is chosen")
            + f" (`ceasefire agreement use {spec.name}` to choose this one)",
            highlight=False,
        )


@app.command("use")
def use_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="An agreement in the record.")],
    by: Annotated[
        str | None, typer.Option(help="Who chooses (default: $CEASEFIRE_USER, else login).")
    ] = None,
) -> None:
    """Set the agreement that commands use when --agreement is not given (a ledger entry)."""
    from ceasefire.store.agreement_store import choose_agreement, latest_agreements
    from ceasefire.store.db import writing

    state: AppState = ctx.obj
    engine = state.engine()
    who = by or os.environ.get("CEASEFIRE_USER") or getpass.getuser()
    with writing(engine) as connection:
        names = [a.name for a in latest_agreements(connection)]
        if name not in names:
            raise fail(
                f"no agreement {name!r} in the record (have: {', '.join(names) or 'none'}; "
                "`ceasefire agreement load` adds one)"
            )
        changed = choose_agreement(connection, name, who, clock=utc_now)
    said = "now the agreement in use" if changed else "already the agreement in use"
    out.print(f"{name}: {said}; commands that name no agreement use it", highlight=False)


@app.command("list")
def list_cmd(ctx: typer.Context, output_format: ListFormatOption = ListFormat.TABLE) -> None:
    """Agreements in the record (latest version of each) and the bundled ones."""
    from ceasefire.services.agreements import bundled_agreements
    from ceasefire.store.agreement_store import default_name, latest_agreements
    from ceasefire.store.db import reading

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        stored = latest_agreements(connection)
        in_use = default_name(connection)
    rows = [
        {
            "name": a.name,
            "version": a.version,
            "parties": list(a.spec.parties),
            "in_force_from": a.spec.effective_from.isoformat(),
            "until": a.spec.effective_until.isoformat() if a.spec.effective_until else None,
            "title": a.spec.title,
            "in_use": a.name == in_use,
        }
        for a in stored
    ]
    emit(rows, output_format, title="agreements in the record")
    if output_format is not ListFormat.TABLE:
        return
    out.print(
        f"bundled, for `ceasefire agreement load NAME`: {', '.join(bundled_agreements())}",
        highlight=False,
    )
