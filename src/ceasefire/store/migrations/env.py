"""Alembic environment: runs on the connection that `ceasefire.store.migrate` passes in."""

from __future__ import annotations

from alembic import context

from ceasefire.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `ceasefire init`, which passes a connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
