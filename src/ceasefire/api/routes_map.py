"""What the dashboard's map draws: every incident of the window, as compact columns.

The export (`/api/export/incidents`) is for people and other tools: whole summaries, one
feature each. The map needs a few fields of every incident, fast, on each page load and after
each change to the record; see `domain.incidents.map_columns` for the shape.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from ceasefire.api.answers import stories_answer
from ceasefire.api.params import incident_window
from ceasefire.api.routes_incidents import AgreementQuery
from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission
from ceasefire.domain.incidents.map_columns import map_columns
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.speed.stories import last_days
from ceasefire.store.db import reading

router = APIRouter(tags=["incidents"])


@router.get(
    "/map/incidents",
    summary="Every incident of the window as the map's columns (positions as the role may see)",
    **needs(Permission.INCIDENTS_READ),
)
def map_incidents(
    request: Request,
    since: str | None = None,
    until: str | None = None,
    agreement: AgreementQuery = None,
    days: Annotated[
        int | None,
        Query(
            ge=1,
            le=36_500,
            description="Without `since`: the last this many days of the record (counted "
            "back from its latest report, so a record of past years opens on its last days). "
            "The window used is in the `X-Window-Since` header.",
        ),
    ] = None,
) -> Response:
    disclosure = principal_of(request).disclosure

    def build(stories: list[IncidentStory], now: datetime) -> str:
        return json.dumps(map_columns(stories, disclosure), separators=(",", ":"))

    headers = {}
    if since is None and days is not None:
        with reading(request.app.state.engine) as connection:
            start = last_days(connection, days)
        if start is not None:
            since = start.isoformat()
            headers["X-Window-Since"] = since
    window = incident_window(since, until, request.app.state.zone)
    body = stories_answer(request, agreement, window, "map", build)
    return Response(body, media_type="application/json", headers=headers)
