"""Creating and upgrading the schema with Alembic, from code (no alembic.ini to find)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def migrations_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        upgrade_in(connection, revision)


def upgrade_in(connection: Connection, revision: str = "head") -> None:
    """Migrate inside the caller's transaction (so what the new schema needs done to the
    rows can be done in the same one: nothing sees the schema new and the rows old)."""
    command.upgrade(migrations_config(connection), revision)


def revision_in(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(migrations_config()).get_current_head()
