"""Opening the database: one URL decides SQLite or PostgreSQL; nothing else changes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from ceasefire.store.pool import SERVER_CONNECTIONS as SERVER_CONNECTIONS
from ceasefire.store.pool import server_pool as server_pool

DEFAULT_URL = "sqlite:///ceasefire.db"
ENV_VAR = "CEASEFIRE_DB"
_WRITE_OPTION = "ceasefire_write"


class DatabaseURLError(ValueError):
    pass


def resolve_url(given: str | None, environ: Mapping[str, str]) -> str:
    """The database URL: `--db`, else $CEASEFIRE_DB, else `ceasefire.db` in this folder.

    A bare path means an SQLite file; `postgresql://` uses the psycopg 3 driver.

    >>> resolve_url("demo.db", {})
    'sqlite:///demo.db'
    >>> resolve_url(None, {"CEASEFIRE_DB": "postgresql://u@h/db"})
    'postgresql+psycopg://u@h/db'
    """
    url = given or environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in url:
        return f"sqlite:///{url}"
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain) :]
    if not url.startswith(("sqlite:", "postgresql+")):
        raise DatabaseURLError(
            f"unsupported database URL {url!r}: use an SQLite path or postgresql://..."
        )
    return url


def make_engine(url: str, **options: Any) -> Engine:
    """An engine with the settings the record needs on each database.

    SQLite: write-ahead log, full fsync on commit (an acknowledged report survives a crash or
    power loss), foreign keys on, a busy timeout, and writers that take the write lock when
    they begin (BEGIN IMMEDIATE) so two appenders queue instead of failing half-way.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **options)
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # Let SQLAlchemy's begin event emit BEGIN itself, as the pysqlite driver's own
    # transaction handling cannot take the write lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    mode = "IMMEDIATE" if connection.get_execution_options().get(_WRITE_OPTION) else "DEFERRED"
    connection.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that appends to the record: committed whole or not at all."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection, connection.begin():
        yield connection


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one state of the record throughout, whatever others
    append meanwhile: what `verify` needs, since it compares the ledger with the tiles and
    the read tables in many statements. PostgreSQL's default (read committed) gives each
    statement a newer state; SQLite's read transaction is a snapshot already (WAL)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


# A bulk write at least this large refreshes PostgreSQL's statistics of the tables it grew.
ANALYZE_AFTER_ROWS = 10_000


def refresh_statistics(engine: Engine, tables: Iterable[str]) -> None:
    """ANALYZE `tables` on PostgreSQL (SQLite: nothing), after a bulk write grew them.

    Until autovacuum next samples a table (a minute or more later; never, where it is turned
    off), the planner costs it by its old size: after an import into an empty record, the
    next import's look-up of known report ids by primary key became a sequential scan
    comparing every row with 900 ids, a second per statement at 50,000 rows. ANALYZE samples a
    fixed number of rows, so it costs well under a second whatever the table's size."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as connection, connection.begin():
        for table in tables:
            connection.exec_driver_sql(f'ANALYZE "{table}"')
