"""What the dashboard needs besides the data: where new records appear (a server-sent event
stream) and how the site is set up (a tile server, for connected sites)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from ceasefire.api.security import needs
from ceasefire.domain.access import Permission
from ceasefire.speed.stories import tell_ahead
from ceasefire.store.db import reading
from ceasefire.store.ledger_store import ledger_head

router = APIRouter(tags=["dashboard"])
_AHEAD_TASKS: set[asyncio.Task[None]] = set()  # kept referenced until done
POLL_SECONDS = 1.0
HEARTBEAT_SECONDS = 15.0


def _head(request: Request) -> int:
    with reading(request.app.state.engine) as connection:
        return ledger_head(connection)[0]


@router.get(
    "/events",
    summary="Server-sent events: `record` whenever the tamper-evident record grows",
    response_class=StreamingResponse,
    **needs(Permission.SELF_READ),
)
async def events(
    request: Request,
    max_seconds: Annotated[
        float,
        Query(
            gt=0,
            le=3600,
            description="Close after this long (or the server's limit); clients reconnect.",
        ),
    ] = 600,
) -> StreamingResponse:
    """Each event carries only the record's new length: what changed is then fetched through
    the routes the role may use, so this stream tells no role anything it may not know. The
    database is polled, so every worker process (and the clock) is seen alike."""

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        started = last_beat = loop.time()
        limit = min(max_seconds, request.app.state.event_stream_seconds)
        seen = await run_in_threadpool(_head, request)
        yield _event("record", {"seq": seen})
        while loop.time() - started < limit:
            await asyncio.sleep(POLL_SECONDS)
            if await request.is_disconnected():
                return
            head = await run_in_threadpool(_head, request)
            if head != seen:
                seen = head
                yield _event("record", {"seq": seen})
                # The screens will refetch: have the new state's incidents told meanwhile.
                ahead = asyncio.create_task(run_in_threadpool(tell_ahead, request.app.state.engine))
                _AHEAD_TASKS.add(ahead)
                ahead.add_done_callback(_AHEAD_TASKS.discard)
            elif loop.time() - last_beat >= HEARTBEAT_SECONDS:
                last_beat = loop.time()
                yield ": still here\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


@router.get("/config", summary="How the dashboard is set up here", **needs(Permission.SELF_READ))
def config(request: Request) -> dict[str, Any]:
    """A tile server only where one was configured (`serve --tiles`); without it the map
    draws the bundled boundaries and asks nothing of any other server."""
    state = request.app.state
    return {
        "tiles": state.tiles,
        "tiles_attribution": state.tiles_attribution,
        # The agreement's zone, which the reports use: the dashboard offers it beside UTC.
        "zone": str(state.zone),
    }
