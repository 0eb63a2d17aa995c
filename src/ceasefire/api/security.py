"""Who is calling, and whether they may: the one place a route's permission is checked.

Each route declares its permission with `needs(...)`; the dependency authenticates the bearer
token, checks the permission against `access.PERMISSIONS`, and leaves the principal on the
request for the audit trail. The permission is also written into the route's OpenAPI entry
(`x-permission`), which is how the role-matrix test finds every route.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from ceasefire.domain.access import PERMISSIONS, Permission, Principal
from ceasefire.services.users import authenticate
from ceasefire.speed.tokens import TokenCache
from ceasefire.store.db import reading


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def current_principal(request: Request) -> Principal:
    """The caller, from the token cache when it was checked a moment ago (no thread, no
    database), else from the database in a worker thread (`speed.tokens` says how fresh)."""
    token = _bearer(request)
    if token is None:
        raise HTTPException(
            401, "send an API token: Authorization: Bearer cf_...", {"WWW-Authenticate": "Bearer"}
        )
    tokens: TokenCache = request.app.state.tokens
    principal = tokens.principal(token)
    if principal is None:
        generation = tokens.generation
        principal = await run_in_threadpool(_authenticate, request.app.state.engine, token)
        if principal is None:
            raise HTTPException(401, "unknown or revoked token", {"WWW-Authenticate": "Bearer"})
        tokens.keep(token, principal, generation)
    request.state.principal = principal
    return principal


def _authenticate(engine: Engine, token: str) -> Principal | None:
    with reading(engine) as connection:
        return authenticate(connection, token)


def needs(permission: Permission) -> dict[str, Any]:
    """Route keyword arguments that require `permission` and say so in the OpenAPI."""

    # async: the check does no I/O, and a plain function would cost a trip through the
    # thread pool on every request.
    async def check(principal: Principal = Depends(current_principal)) -> Principal:  # noqa: B008
        if not principal.may(permission):
            allowed = ", ".join(sorted(role.value for role in PERMISSIONS[permission]))
            raise HTTPException(403, f"a {principal.role.value} may not do this ({allowed} may)")
        return principal

    return {
        "dependencies": [Depends(check)],
        "openapi_extra": {"x-permission": permission.value},
        "responses": ERROR_RESPONSES,
    }


class Error(BaseModel):
    detail: str


class Problem(BaseModel):
    field: str = Field(description="Where: a field path such as reports[1].lat")
    reason: str


class Problems(BaseModel):
    detail: str
    problems: list[Problem] = Field(default_factory=list)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": Error, "description": "The body is not JSON"},
    401: {"model": Error, "description": "No token, or an unknown or revoked one"},
    403: {"model": Error, "description": "The role may not do this"},
    404: {"model": Error, "description": "No such thing"},
    409: {"model": Problems, "description": "Conflicts with the record; nothing stored"},
    413: {"model": Error, "description": "The body is too large"},
    422: {"model": Problems, "description": "Each problem with its field path"},
}


def principal_of(request: Request) -> Principal:
    """The principal a `needs` dependency already checked."""
    principal: Principal = request.state.principal
    return principal
