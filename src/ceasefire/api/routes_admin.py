"""Who am I; users (admin); the audit trail (admin)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from ceasefire.api.params import Page, page_params, parse_time
from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission, Role
from ceasefire.services.users import UserError, add_user, list_users, revoke_user
from ceasefire.store.db import reading, writing
from ceasefire.store.schema import audit

router = APIRouter(tags=["administration"])


@router.get("/me", summary="Who the token belongs to", **needs(Permission.SELF_READ))
def me(request: Request) -> dict[str, Any]:
    principal = principal_of(request)
    return {"name": principal.name, "role": principal.role.value, "party": principal.party}


@router.get("/users", summary="Users (never their tokens)", **needs(Permission.USERS_MANAGE))
def users(request: Request) -> list[dict[str, Any]]:
    with reading(request.app.state.engine) as connection:
        found = list_users(connection)
    return [
        row | {"created_at": row["created_at"].isoformat(), "revoked_at": _iso(row["revoked_at"])}
        for row in found
    ]


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    role: Role
    party: str | None = Field(None, max_length=16)


@router.post(
    "/users",
    status_code=201,
    summary="Add a user; the answer holds its token, shown this once",
    **needs(Permission.USERS_MANAGE),
)
def add(request: Request, body: UserIn) -> dict[str, Any]:
    state = request.app.state
    try:
        with writing(state.engine) as connection:
            token = add_user(connection, body.name, body.role, body.party, clock=state.clock)
    except UserError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"name": body.name, "role": body.role.value, "party": body.party, "token": token}


@router.delete("/users/{name}", summary="Revoke a user's token", **needs(Permission.USERS_MANAGE))
def revoke(request: Request, name: str) -> dict[str, Any]:
    state = request.app.state
    try:
        with writing(state.engine) as connection:
            revoke_user(connection, name, clock=state.clock)
    except UserError as exc:
        raise HTTPException(404, str(exc)) from None
    state.tokens.forget_all()  # after the commit: a check from now on reads the revocation
    return {"name": name, "revoked": True}


@router.get("/audit", summary="The audit trail", **needs(Permission.AUDIT_READ))
def audit_trail(
    request: Request,
    user: Annotated[str | None, Query(max_length=64)] = None,
    since: str | None = None,
    until: str | None = None,
    page: Page = page_params,
) -> dict[str, Any]:
    state = request.app.state
    query = select(audit)
    if user is not None:
        query = query.where(audit.c.user == user)
    start = parse_time("since", since, state.zone, end=False)
    end = parse_time("until", until, state.zone, end=True)
    if start is not None:
        query = query.where(audit.c.at >= start)
    if end is not None:
        query = query.where(audit.c.at < end)
    with reading(state.engine) as connection:
        rows = connection.execute(
            query.order_by(audit.c.id.desc()).limit(page.limit).offset(page.offset)
        ).all()
    items = [dict(r._mapping) | {"at": r.at.isoformat()} for r in rows]
    return {"items": items, **page.echo()}


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
