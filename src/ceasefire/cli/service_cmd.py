"""`ceasefire serve`, `users add|list|revoke`, `audit`."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ceasefire.cli.context import AppState, err, fail, out, time_zone
from ceasefire.cli.listing import ListFormat, ListFormatOption, emit
from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.speed.tokens import RECHECK_SECONDS
from ceasefire.store.pool import SERVER_CONNECTIONS

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ceasefire.domain.transparency import NoteSigner

# On stop, requests in flight get this long to finish; the dashboards' event streams, which
# never finish by themselves, are then cut (their pages reconnect to the next server).
SHUTDOWN_GRACE_SECONDS = 5

users_app = typer.Typer(help="The service's users and their API tokens.", no_args_is_help=True)


class LogLevel(StrEnum):
    INFO = "info"
    DEBUG = "debug"


def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
    clock_interval: Annotated[
        float,
        typer.Option(
            min=0.0,
            help="Seconds between clock steps at the most (a step also follows each new entry "
            "in the record and each plan clock running out, within a fraction of a second); "
            "0: no clock here.",
        ),
    ] = 30.0,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Processes serving requests (PostgreSQL only).")
    ] = 1,
    tiles: Annotated[
        str | None,
        typer.Option(
            help="A tile server for the dashboard's map, for connected sites, e.g. "
            "https://tile.example.org/{z}/{x}/{y}.png (default: none, the bundled boundaries)."
        ),
    ] = None,
    tiles_attribution: Annotated[
        str, typer.Option(help="What the tile server's licence asks the map to credit.")
    ] = "",
    db_connections: Annotated[
        int,
        typer.Option(
            min=3, max=500, help="Database connections each process keeps (requests queue beyond)."
        ),
    ] = SERVER_CONNECTIONS,
    token_recheck_seconds: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=60.0,
            help="Seconds a token found valid is trusted before the database is asked again: "
            "how long a token revoked elsewhere keeps working here (0: ask on every request).",
        ),
    ] = RECHECK_SECONDS,
    log_level: Annotated[
        LogLevel,
        typer.Option(
            help="info: requests, and each clock step that recorded, reminded or delivered "
            "something (when it read the record, how long it took); debug: every clock step."
        ),
    ] = LogLevel.INFO,
) -> None:
    """Serve the API (OpenAPI docs at /docs), the dashboard (/) and run the engine's clocks."""
    import uvicorn  # here, not at the top: the other commands start faster without them

    from ceasefire.api.app import (
        CONNECTIONS_VAR,
        TILES_ATTRIBUTION_VAR,
        TILES_VAR,
        TOKEN_RECHECK_VAR,
        create_app,
    )
    from ceasefire.speed.collector import set_for_serving
    from ceasefire.speed.stories import tell_ahead_in_background
    from ceasefire.store.db import ENV_VAR, server_pool

    if tiles is not None and not (
        tiles.startswith(("https://", "http://")) and all(k in tiles for k in ("{z}", "{x}", "{y}"))
    ):
        raise fail(f"--tiles: {tiles!r} is not a tile URL with {{z}}, {{x}} and {{y}} in it")

    state: AppState = ctx.obj
    _log_to_stderr(log_level.value)
    engine = state.engine(**server_pool(db_connections))
    if engine.dialect.name == "sqlite":
        if workers > 1:
            raise fail("--workers: SQLite allows one writing process; use PostgreSQL for more")
        err.print(
            "note: on SQLite one `ceasefire serve` process is the limit; for several, use "
            "PostgreSQL (--db postgresql://...)."
        )
    stop = threading.Event()
    ahead = None
    if workers == 1:
        # The dashboard's first screen (the last week) is told first; the clock's first step,
        # which reads the whole record once (a minute at a million reports), starts after it
        # rather than beside it in this process, so the map answers within seconds.
        ahead = tell_ahead_in_background(engine)
    if clock_interval > 0:  # in this process only, however many workers serve requests
        signer = state.signer(engine)
        threading.Thread(
            target=_clock_loop,
            args=(engine, clock_interval, stop, ahead, signer),
            daemon=True,
            name="clock",
        ).start()
    try:
        if workers == 1:
            app = create_app(
                engine,
                tiles=tiles,
                tiles_attribution=tiles_attribution,
                token_recheck_seconds=token_recheck_seconds,
            )
            set_for_serving()
            uvicorn.run(
                app,
                host=host,
                port=port,
                log_level="info",
                timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
            )
        else:
            os.environ[ENV_VAR] = state.url()  # each worker opens the same database
            os.environ[CONNECTIONS_VAR] = str(db_connections)
            os.environ[TOKEN_RECHECK_VAR] = str(token_recheck_seconds)
            os.environ.pop(TILES_VAR, None)
            if tiles:
                os.environ[TILES_VAR] = tiles
                os.environ[TILES_ATTRIBUTION_VAR] = tiles_attribution
            uvicorn.run(
                "ceasefire.api.app:create_app_from_environment",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level="info",
                timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
            )
    finally:
        stop.set()


# The longest the clock waits for the dashboard's first screen to be told before it starts.
AHEAD_WAIT_SECONDS = 30.0


def _clock_loop(
    engine: Engine,
    interval: float,
    stop: threading.Event,
    after: threading.Thread | None,
    signer: NoteSigner | None,
) -> None:
    """The clock as `ceasefire clock` runs it, inside the server: a step as soon as a report
    or a plan's clock brings a decision (`speed.clock_loop`), reminders of overdue actions,
    then the outbox delivered. A failed step is reported and tried again. Starts once `after`
    (the dashboard's head start) is done, or after `AHEAD_WAIT_SECONDS`."""
    from ceasefire.services.live import AdoptionError
    from ceasefire.speed import clock_loop

    if after is not None:
        after.join(AHEAD_WAIT_SECONDS)

    def failed(exc: Exception) -> None:
        if isinstance(exc, AdoptionError):
            err.print(f"clock: {exc}")
        else:
            err.print(f"clock step failed, retrying: {exc}")

    clock_loop.run(
        engine,
        interval=interval,
        stop=stop,
        remind_every=timedelta(hours=1),
        agreement=None,
        worker=f"{socket.gethostname()}:{os.getpid()}",
        stepped=_logged,
        failed=failed,
        leading=_leading,
        signer=signer,
    )


def _logged(done: Any) -> None:
    """A step that recorded, reminded or delivered anything is logged (INFO); every step,
    with `--log-level debug` (what `benchmarks/live_loop.py` reads its latencies from)."""
    level = logging.INFO if done.did_something else logging.DEBUG
    logging.getLogger("ceasefire.clock").log(level, done.line())


def _leading(leads: bool) -> None:
    logging.getLogger("ceasefire.clock").info(
        "clock: this server runs the clock"
        if leads
        else "clock: another process runs the clock; this server stands by to take over"
    )


def _log_to_stderr(level: str) -> None:
    """The project's own log lines beside uvicorn's, in its look ("INFO:     ...")."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:%(padding)s%(message)s"))
    handler.addFilter(_Padded())
    logger = logging.getLogger("ceasefire")
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    logger.propagate = False


class _Padded(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.padding = " " * max(1, 9 - len(record.levelname))
        return True


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[Role, typer.Option(help="What the user may do.")],
    party: Annotated[
        str | None, typer.Option(help="A liaison's party, or a guarantor's actor name.")
    ] = None,
) -> None:
    """Add a user and print its API token, once: it is stored only as a hash."""
    from ceasefire.services.users import UserError, add_user
    from ceasefire.store.db import writing

    state: AppState = ctx.obj
    try:
        with writing(state.engine()) as connection:
            token = add_user(connection, name, role, party, clock=utc_now)
    except UserError as exc:
        raise fail(str(exc)) from None
    out.print(f"{name} ({role.value}{', ' + party if party else ''}) added. Token, shown once:")
    out.print(token)


@users_app.command("revoke")
def users_revoke(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Revoke a user's token at once."""
    from ceasefire.services.users import UserError, revoke_user
    from ceasefire.store.db import writing

    state: AppState = ctx.obj
    try:
        with writing(state.engine()) as connection:
            revoke_user(connection, name, clock=utc_now)
    except UserError as exc:
        raise fail(str(exc)) from None
    out.print(f"{name} revoked")


@users_app.command("list")
def users_list(ctx: typer.Context, output_format: ListFormatOption = ListFormat.TABLE) -> None:
    """Users, their roles and whether they are active (never their tokens)."""
    from ceasefire.services.users import list_users
    from ceasefire.store.db import reading

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        found = list_users(connection)
    rows = [
        {
            "name": row["name"],
            "role": row["role"],
            "party": row["party"],
            "created": row["created_at"],
            "revoked": row["revoked_at"],
        }
        for row in found
    ]
    emit(rows, output_format, title="users (times UTC)")


def audit_cmd(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="Only this user's requests.")] = None,
    since: Annotated[str | None, typer.Option(help="At or after (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 100,
    tz: Annotated[str, typer.Option("--tz", help="Zone for times without an offset.")] = "UTC",
    output_format: ListFormatOption = ListFormat.TABLE,
) -> None:
    """Every API request: who, what, when, the outcome."""
    from sqlalchemy import select

    from ceasefire.cli.reports_cmd import parse_time
    from ceasefire.store.db import reading
    from ceasefire.store.schema import audit

    state: AppState = ctx.obj
    zone = time_zone(tz)
    query = select(audit)
    if user is not None:
        query = query.where(audit.c.user == user)
    start = parse_time("--since", since, zone, end=False)
    end = parse_time("--until", until, zone, end=True)
    if start is not None:
        query = query.where(audit.c.at >= start)
    if end is not None:
        query = query.where(audit.c.at < end)
    with reading(state.engine()) as connection:
        rows = connection.execute(query.order_by(audit.c.id.desc()).limit(limit)).all()
    listed = [
        {
            "at": r.at,
            "user": r.user,
            "role": r.role,
            "method": r.method,
            "path": r.path,
            "status": r.status,
        }
        for r in rows
    ]
    emit(listed, output_format, title="API requests, newest first (times UTC)")
