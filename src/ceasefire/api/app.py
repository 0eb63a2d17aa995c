"""The FastAPI application: routes, the audit trail, size limits and errors as JSON.

Errors always come back as JSON a client can act on: 422 lists each problem with its field
path (`reports[3].lon`) and a plain reason, 413 says the limit, 401/403 say what is missing,
404 names nothing that exists, and an unexpected failure is a 500 with a reference to the
server log, never a stack trace.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import uuid
from collections.abc import Callable, MutableMapping
from datetime import datetime, tzinfo
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ceasefire.api import (
    routes_admin,
    routes_commitments,
    routes_enforcement,
    routes_exports,
    routes_incidents,
    routes_live,
    routes_log,
    routes_map,
    routes_reports,
    routes_text,
)
from ceasefire.api.answers import ANSWERS_KEPT
from ceasefire.clock import utc_now
from ceasefire.services.appender import Appender
from ceasefire.services.audit_log import AuditLog
from ceasefire.speed.collector import set_for_serving
from ceasefire.speed.recent import Recent
from ceasefire.speed.stories import tell_ahead_in_background
from ceasefire.speed.tokens import RECHECK_SECONDS, TokenCache
from ceasefire.store.db import SERVER_CONNECTIONS, make_engine, resolve_url, server_pool

log = logging.getLogger("ceasefire.api")
MAX_BODY_BYTES = 5_000_000
DEFAULT_ZONE = ZoneInfo("Europe/Kyiv")  # for times a client sends without an offset
# `serve --tiles` reaches worker processes through these (they build their app themselves).
TILES_VAR = "CEASEFIRE_TILES"
TILES_ATTRIBUTION_VAR = "CEASEFIRE_TILES_ATTRIBUTION"
CONNECTIONS_VAR = "CEASEFIRE_DB_CONNECTIONS"
TOKEN_RECHECK_VAR = "CEASEFIRE_TOKEN_RECHECK_SECONDS"


def create_app(
    engine: Engine,
    *,
    clock: Callable[[], datetime] = utc_now,
    zone: tzinfo = DEFAULT_ZONE,
    max_body_bytes: int = MAX_BODY_BYTES,
    tiles: str | None = None,
    tiles_attribution: str = "",
    event_stream_seconds: float = 600.0,
    token_recheck_seconds: float = RECHECK_SECONDS,
) -> FastAPI:
    """The service. `event_stream_seconds` bounds how long one `/api/events` stream stays
    open before the client reconnects (tests set it short). `token_recheck_seconds`: how long
    a token found valid is trusted before the database is asked again (`speed.tokens`)."""
    app = FastAPI(
        title="ceasefire",
        summary="Ceasefire monitoring and enforcement: reports, incidents, the plan's decisions.",
        version="1",
    )
    app.state.engine = engine
    app.state.clock = clock
    app.state.zone = zone
    app.state.tiles = tiles
    app.state.event_stream_seconds = event_stream_seconds
    app.state.tiles_attribution = tiles_attribution
    app.state.appender = Appender(engine, clock)
    app.state.answers = Recent[str | bytes](ANSWERS_KEPT)  # see api.answers
    app.state.audit = AuditLog(engine)
    app.state.tokens = TokenCache(token_recheck_seconds)
    for module in (
        routes_reports,
        routes_text,
        routes_incidents,
        routes_enforcement,
        routes_exports,
        routes_map,
        routes_commitments,
        routes_live,
        routes_admin,
        routes_log,
    ):
        app.include_router(module.router, prefix="/api")
    static = resources.files("ceasefire.api") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.add_api_route("/", _dashboard, include_in_schema=False)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(AuditTrail)
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    return app


def _dashboard() -> FileResponse:
    """The operations picture (static: it reads everything from /api with the user's token)."""
    return FileResponse(str(resources.files("ceasefire.api") / "static" / "index.html"))


def create_app_from_environment() -> FastAPI:
    """For `serve --workers N`: each worker process builds its app on $CEASEFIRE_DB, and
    tells the incidents of the record ahead of its first dashboard."""
    set_for_serving()
    connections = int(os.environ.get(CONNECTIONS_VAR, SERVER_CONNECTIONS))
    engine = make_engine(resolve_url(None, os.environ), **server_pool(connections))
    tell_ahead_in_background(engine)
    return create_app(
        engine,
        tiles=os.environ.get(TILES_VAR) or None,
        tiles_attribution=os.environ.get(TILES_ATTRIBUTION_VAR, ""),
        token_recheck_seconds=float(os.environ.get(TOKEN_RECHECK_VAR, RECHECK_SECONDS)),
    )


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    # A body that may be one thing or a list of them fails both ways; the way it did not
    # take ("should be a valid list") says nothing the other errors do not.
    meaningful = [e for e in errors if e.get("type") not in _WRONG_BRANCH] or errors
    problems = [
        {"field": _path(error.get("loc", ())), "reason": str(error.get("msg", "invalid"))}
        for error in meaningful
    ]
    return JSONResponse({"detail": "invalid request", "problems": problems}, status_code=422)


_WRONG_BRANCH = {"list_type", "model_type", "dict_type", "model_attributes_type"}


def _path(location: Any) -> str:
    """('body', 'list[ReportIn]', 3, 'lon') -> 'reports[3].lon', ('body', 'ReportIn', 'x')
    -> 'x': the body itself and the union branch names are implied."""
    parts = [p for p in location[1:] if not (isinstance(p, str) and p[:1].isupper())]
    if location[:1] != ("body",):
        parts = list(location)
    text = "reports" if parts and isinstance(parts[0], int) else ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405:  # name every method the path has, not only one route's
        allowed = _methods_for(request)
        return JSONResponse(
            {"detail": f"{request.method} is not allowed here; use {', '.join(allowed)}"},
            status_code=405,
            headers={"Allow": ", ".join(allowed)},
        )
    detail = exc.detail if exc.status_code != 404 or exc.detail != "Not Found" else "no such route"
    body: dict[str, Any] = {"detail": detail} if isinstance(detail, str) else dict(detail)
    if exc.status_code == 422:  # the same shape as every other 422
        body.setdefault("problems", [{"field": _field_of(str(detail)), "reason": str(detail)}])
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def _methods_for(request: Request) -> list[str]:
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)


def _field_of(message: str) -> str:
    """`since: not a time` -> `since`; a message without a field names the request."""
    head, sep, _ = message.partition(": ")
    return head if sep and " " not in head else "request"


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    reference = uuid.uuid4().hex[:12]
    log.exception("unexpected error, reference %s", reference, exc_info=exc)
    return JSONResponse(
        {"detail": f"internal error; the server log has it under reference {reference}"},
        status_code=500,
    )


class AuditTrail:
    """Every request in the audit table: who, what, when, the outcome. Never a token or a
    body; the query string is kept (filters), the path is the route's own.

    The row is committed (with the other requests' rows, `services.audit_log`) before the
    answer's first byte leaves; the event loop serves every other request meanwhile. Plain
    ASGI rather than Starlette's `BaseHTTPMiddleware`, which ran each request through an extra
    task and memory streams: a tenth of the server's time under load."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)  # the page's own files: nobody to name
            return
        audited = False

        async def audited_send(message: MutableMapping[str, Any]) -> None:
            nonlocal audited
            if message["type"] == "http.response.start" and not audited:
                audited = True
                await self._record(scope, int(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            if not audited:  # the 500 the outermost handler is about to send
                audited = True
                await self._record(scope, 500)
            raise

    @staticmethod
    async def _record(scope: Scope, status: int) -> None:
        app = scope["app"]
        principal = scope.get("state", {}).get("principal")
        query = scope.get("query_string", b"").decode("latin-1")
        path = scope["path"] + (f"?{query}" if query else "")
        row = {
            "at": app.state.clock(),
            "user": principal.name if principal else "-",
            "role": principal.role.value if principal else "-",
            "method": scope["method"][:8],
            "path": path[:2000],
            "status": status,
            "detail": "",
        }
        await asyncio.wrap_future(app.state.audit.record(row))


class BodyLimit:
    """413 for a body over the limit, whether it says its length or streams it."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._too_large(send)
            return
        seen = 0

        async def counted() -> MutableMapping[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body over {self.limit:,} bytes: send smaller batches"},
            status_code=413,
        )
        await response({"type": "http"}, _no_receive, send)


class _TooLarge(Exception):
    pass


async def _no_receive() -> MutableMapping[str, Any]:
    return {"type": "http.disconnect"}
