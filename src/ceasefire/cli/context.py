"""What every command needs: the database, the consoles, and errors that end a command."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
    from ceasefire.domain.transparency import NoteSigner

# Every command imports this module, and `--help` of any command imports its module: the
# database layer (SQLAlchemy, Alembic) and whatever only some commands need (geometry, the
# prose reader) are imported where they are used, so that help and a command start fast.

# Markup off: what is printed includes file names, column names and other input, which must
# never be read as Rich markup. Styles are applied with `styled`. Piped or redirected, a
# console has no width to fit: tables are laid out as wide as their contents (COLUMNS, when
# set, still decides), so an id, a time or an address is never cut to fit 80 columns.
PIPED_WIDTH = 100_000


def _console(*, stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(
        stderr=stderr,
        soft_wrap=True,
        markup=False,
        highlight=False,
        width=PIPED_WIDTH if piped else None,
    )


out = _console()
err = _console(stderr=True)


def styled(style: str, label: str, rest: str = "") -> Text:
    return Text.assemble((label, style), rest)


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(styled("bold red", "error: ", message))
    return typer.Exit(code)


@dataclass
class AppState:
    db: str | None = None

    def url(self) -> str:
        from ceasefire.store.db import DatabaseURLError, resolve_url

        try:
            return resolve_url(self.db, os.environ)
        except DatabaseURLError as exc:
            raise fail(str(exc)) from None

    def signer(self, engine: Engine) -> NoteSigner | None:
        """The log's signing key on this machine, if it has it; a note when it has not."""
        from ceasefire.services.transparency import LogKeyError, key_path, usable_signer

        try:
            signer, note = usable_signer(engine, key_path(self.url()))
        except LogKeyError as exc:
            raise fail(str(exc)) from None
        if note:
            err.print(styled("yellow", "note: ", note))
        return signer

    def engine(self, *, require_schema: bool = True, **options: Any) -> Engine:
        """`options` go to `make_engine` (a server's pool size)."""
        from ceasefire.store.db import make_engine

        url = self.url()
        if require_schema:
            _require_file(url)
        engine = make_engine(url, **options)
        if require_schema:
            _check_schema(engine, url)
        return engine


def _require_file(url: str) -> None:
    """An SQLite file that is not there: said, rather than created empty by opening it (a
    mistyped --db would leave a stray file and then report a missing schema)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    path = parsed.database or ""
    if (
        parsed.get_backend_name() != "sqlite"
        or path in ("", ":memory:")
        or path.startswith("file:")
    ):
        return
    if not Path(path).exists():
        raise fail(
            f"no database at {path}: `ceasefire --db {path} init` creates one "
            "(the database is --db, else $CEASEFIRE_DB, else ceasefire.db here)"
        )


def _check_schema(engine: Engine, url: str) -> None:
    from sqlalchemy.exc import DatabaseError

    from ceasefire.store.migrate import current_revision, head_revision

    shown = engine.url.render_as_string(hide_password=True)
    try:
        revision = current_revision(engine)
    except DatabaseError as exc:  # unreachable server, or a file that is not a database
        raise fail(f"cannot open the database {shown}: {exc.orig}") from None
    if revision is None:
        raise fail(f"the database {shown} has no ceasefire schema yet: run `ceasefire init`")
    if revision != head_revision():
        raise fail(
            f"the database {shown} is at schema {revision}, this program needs "
            f"{head_revision()}: run `ceasefire init` to migrate it"
        )


def require_agreement(engine: Engine, name: str) -> LoadedAgreement:
    """The latest version of a stored agreement, or an error that says how to load one."""
    from ceasefire.store.agreement_store import agreement_named
    from ceasefire.store.db import reading

    with reading(engine) as connection:
        loaded = agreement_named(connection, name)
    if loaded is None:
        raise fail(
            f"--agreement: no agreement {name!r} in the record; `ceasefire agreement load` it first"
        )
    return loaded


def time_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"--tz: unknown time zone {name!r} (e.g. Europe/Kyiv, UTC)") from None


def reference_time_option(text: str | None, zone: tzinfo) -> datetime | None:
    """`--reference-time`: when a prose text was written, read in `zone` unless it has an
    offset; None when not given."""
    from ceasefire.ingest.text_reader import reference_time

    try:
        return reference_time(text, zone)
    except ValueError as exc:
        raise fail(f"--reference-time: {exc}") from None
