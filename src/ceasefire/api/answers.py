"""Answers built from every incident's story, kept per state of the record and audience.

Each screen of an operations centre asks for the same incidents, and asks again after every
change to the record. What comes back depends only on the record's state, the agreement, the
question and who asks (role and party): it is built once for all who share them, and kept on
the application (one database) for the next to ask.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime

from fastapi import Request

from ceasefire.api.routes_incidents import agreement_for, concerns
from ceasefire.api.security import principal_of
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.services.incidents import IncidentFilter
from ceasefire.speed.recent import Recent
from ceasefire.speed.stories import cached_incident_stories
from ceasefire.store.db import reading
from ceasefire.store.incident_store import record_state

ANSWERS_KEPT = 8

Build = Callable[[list[IncidentStory], datetime], str | bytes]


def stories_answer(
    request: Request,
    agreement: str | None,
    window: IncidentFilter,
    question: Hashable,
    build: Build,
    *,
    per_minute: bool = False,
) -> str | bytes:
    """`build` applied to the stories the caller may see, or the answer it gave to someone
    who asked the same of the same state. `per_minute` for answers that change with the time
    (replies falling overdue)."""
    principal = principal_of(request)
    state = request.app.state
    now = state.clock()
    kept: Recent[str | bytes] = state.answers
    with reading(state.engine) as connection:
        found = agreement_for(connection, agreement)
        key = (
            record_state(connection),
            None if found is None else (found.name, found.version),
            window,
            question,
            principal.role,
            principal.party,
            now.replace(second=0, microsecond=0) if per_minute else None,
        )
        body = kept.get(key)
        if body is None:
            stories = cached_incident_stories(connection, found, window)
    if body is None:
        body = build([s for s in stories if concerns(s, principal)], now)
        kept.put(key, body)
    return body
