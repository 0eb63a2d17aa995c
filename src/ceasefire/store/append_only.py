"""SQL that makes a table refuse UPDATE and DELETE, used by the migrations.

This stops mistakes and casual edits in the database itself, whatever the client; a determined
database administrator can drop the triggers, which is what the hash chain and `ceasefire
verify` are for.
"""

from __future__ import annotations

PG_FUNCTION = (
    "CREATE FUNCTION ceasefire_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION '% is append-only: corrections are new records', "
    "TG_TABLE_NAME; END $$"
)


def trigger_statements(dialect: str, table: str) -> list[str]:
    if dialect == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ceasefire_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ceasefire_append_only()",
        ]
    return [
        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: corrections are new records'); END"
        for action in ("UPDATE", "DELETE")
    ]
