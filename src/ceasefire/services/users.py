"""The service's users and their bearer tokens.

A token is `cf_<id>_<secret>`: the id finds the user, the secret (256 random bits) is checked
against its SHA-256 in constant time. A secret that long needs no slow password hash; the
database never holds anything that would let its reader call the API. A token is shown once,
when made; revoking a user ends it at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from ceasefire.domain.access import Principal, Role, user_problems
from ceasefire.domain.canonical import canonical_json
from ceasefire.store.config_log import (
    USER_ADDED,
    USER_REVOKED,
    revocation_content,
    user_content,
)
from ceasefire.store.ledger_store import append_entry
from ceasefire.store.schema import users

TOKEN_PREFIX = "cf_"


class UserError(ValueError):
    pass


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(
    connection: Connection,
    name: str,
    role: Role,
    party: str | None,
    *,
    clock: Callable[[], datetime],
) -> str:
    """Create the user and return its token (the only time it is seen)."""
    problems = user_problems(name, role, party)
    existing = connection.execute(select(users.c.name).where(users.c.name == name)).first()
    if existing is not None:
        problems.append(f"{name!r} exists: revoke it first, or choose another name")
    if problems:
        raise UserError("; ".join(problems))
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    row = {
        "name": name,
        "role": role.value,
        "party": party,
        "token_id": token_id,
        "token_sha256": _digest(secret),
        "created_at": clock(),
        "revoked_at": None,
    }
    connection.execute(users.insert().values(**row))
    # on the record: a role given or a token swapped outside it is caught by `verify`
    append_entry(connection, clock, USER_ADDED, name, canonical_json(user_content(row)))
    return f"{TOKEN_PREFIX}{token_id}_{secret}"


def revoke_user(connection: Connection, name: str, *, clock: Callable[[], datetime]) -> None:
    """Revoke the user's token; the name is freed for a new user with a new token (the old
    row is renamed, so the audit trail still shows who it was)."""
    row = connection.execute(
        select(users).where(users.c.name == name, users.c.revoked_at.is_(None))
    ).first()
    if row is None:
        raise UserError(f"no active user {name!r}")
    revoked_at, renamed = clock(), f"{name}~revoked~{row.token_id}"
    connection.execute(
        update(users).where(users.c.name == name).values(revoked_at=revoked_at, name=renamed)
    )
    content = revocation_content(row.token_id, renamed, revoked_at)
    append_entry(connection, clock, USER_REVOKED, name, canonical_json(content))


def list_users(connection: Connection) -> list[dict[str, Any]]:
    query = select(
        users.c.name, users.c.role, users.c.party, users.c.created_at, users.c.revoked_at
    )
    return [dict(row._mapping) for row in connection.execute(query.order_by(users.c.name))]


def authenticate(connection: Connection, token: str) -> Principal | None:
    """The user a bearer token belongs to, or None (unknown, malformed or revoked)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_id, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not token_id or not secret:
        return None
    row = connection.execute(
        select(users).where(users.c.token_id == token_id, users.c.revoked_at.is_(None))
    ).first()
    if row is None or not hmac.compare_digest(row.token_sha256, _digest(secret)):
        return None
    return Principal(row.name, Role(row.role), row.party)
