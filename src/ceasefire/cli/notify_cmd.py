"""`ceasefire notify add|list|remove|outbox`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceasefire.cli.context import AppState, fail, out
from ceasefire.cli.listing import ListFormat, ListFormatOption, emit
from ceasefire.clock import utc_now

app = typer.Typer(
    help="Where decisions and actions are announced: webhooks (JSON or CAP 1.2), e-mail, and a "
    "local folder (one file per notification, for an operations centre offline).",
    no_args_is_help=True,
)


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="webhook, email or folder")],
    target: Annotated[str, typer.Argument(help="The URL, the e-mail address, or the folder.")],
    events: Annotated[
        str, typer.Option(help="Comma-separated: phase, action, reminder.")
    ] = "phase,action,reminder",
    fmt: Annotated[str, typer.Option("--format", help="json, or cap (CAP 1.2 XML).")] = "json",
    secret_file: Annotated[
        Path | None, typer.Option(help="A file holding the secret that signs webhook bodies.")
    ] = None,
    smtp: Annotated[str | None, typer.Option(help="e-mail: the relay, smtp://host:port.")] = None,
    for_actors: Annotated[
        str,
        typer.Option(
            "--for",
            help="Only what concerns these actors or parties (comma-separated, e.g. RU or GB): "
            "their own track's phases, the actions addressed to them, their reminders.",
        ),
    ] = "",
) -> None:
    """Add a channel; from the next clock step its events are queued and delivered. A
    channel `--for RU` is the RU liaison's: RU's track and what the plan addresses to RU."""
    from ceasefire.services.notify import ChannelError, add_channel
    from ceasefire.store.db import writing

    secret = None
    if secret_file is not None:
        try:
            secret = secret_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise fail(f"--secret-file: {exc.strerror}: {secret_file}") from None
        if not secret:
            raise fail(f"--secret-file: {secret_file} is empty")
    state: AppState = ctx.obj
    try:
        with writing(state.engine()) as connection:
            channel_id = add_channel(
                connection,
                kind,
                target,
                events=[e.strip() for e in events.split(",") if e.strip()],
                fmt=fmt,
                secret=secret,
                smtp=smtp,
                actors=[a.strip() for a in for_actors.split(",") if a.strip()],
                clock=utc_now,
            )
    except ChannelError as exc:
        raise fail(str(exc)) from None
    signed = ", signed" if secret else ""
    whom = f", only what concerns {for_actors}" if for_actors.strip() else ""
    out.print(f"channel {channel_id}: {kind} {target} ({fmt}{signed}) for {events}{whom}")


@app.command("list")
def list_cmd(ctx: typer.Context, output_format: ListFormatOption = ListFormat.TABLE) -> None:
    """Channels, and how their deliveries stand (never their secrets)."""
    from sqlalchemy import func, select

    from ceasefire.services.notify import channels
    from ceasefire.store.db import reading
    from ceasefire.store.schema import outbox

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        found = channels(connection)
        per_channel = select(outbox.c.channel_id, func.count()).group_by(outbox.c.channel_id)
        delivered: dict[int, int] = dict(
            connection.execute(per_channel.where(outbox.c.delivered_at.is_not(None))).tuples().all()
        )
        waiting: dict[int, int] = dict(
            connection.execute(
                per_channel.where(outbox.c.delivered_at.is_(None), outbox.c.cancelled_at.is_(None))
            )
            .tuples()
            .all()
        )
    rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "target": c.target,
            "format": c.format,
            "events": sorted(c.events),
            "for": ",".join(sorted(c.actors)) or "all",
            "delivered": delivered.get(c.id, 0),
            "waiting": waiting.get(c.id, 0),
        }
        for c in found
    ]
    emit(rows, output_format, title="notification channels")


@app.command("remove")
def remove_cmd(ctx: typer.Context, channel_id: Annotated[int, typer.Argument()]) -> None:
    """Stop announcing on a channel (what it was sent stays in the outbox's history)."""
    from ceasefire.services.notify import ChannelError, remove_channel
    from ceasefire.store.db import writing

    state: AppState = ctx.obj
    try:
        with writing(state.engine()) as connection:
            remove_channel(connection, channel_id, clock=utc_now)
    except ChannelError as exc:
        raise fail(str(exc)) from None
    out.print(f"channel {channel_id} removed")


@app.command("outbox")
def outbox_cmd(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
    output_format: ListFormatOption = ListFormat.TABLE,
) -> None:
    """Notifications queued: delivered, waiting (with the last error), or cancelled."""
    from sqlalchemy import select

    from ceasefire.store.db import reading
    from ceasefire.store.schema import outbox

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        rows = connection.execute(select(outbox).order_by(outbox.c.id.desc()).limit(limit)).all()
    listed = []
    for r in rows:
        if r.delivered_at is not None:
            state_text, at = "delivered", r.delivered_at
        elif r.cancelled_at is not None:
            state_text, at = "cancelled (acknowledged)", r.cancelled_at
        else:
            state_text, at = "waiting, next attempt", r.next_attempt_at
        listed.append(
            {
                "id": r.id,
                "channel": r.channel_id,
                "event": r.event_id,
                "state": state_text,
                "at": at,
                "attempts": r.attempts,
                "last_error": r.last_error,
            }
        )
    emit(listed, output_format, title="notifications, newest first")
