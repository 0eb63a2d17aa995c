"""Query parameters every list shares: pages, times, boxes; each bad one a 422 naming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query

from ceasefire.domain.timeparse import end_of_day, parse_moment
from ceasefire.domain.validation import BBox
from ceasefire.services.incidents import IncidentFilter

MAX_LIMIT = 1_000


@dataclass(frozen=True, slots=True)
class Page:
    limit: int
    offset: int

    def echo(self) -> dict[str, Any]:
        return {"limit": self.limit, "offset": self.offset}

    def cut(self, items: list[Any]) -> list[Any]:
        return items[self.offset : self.offset + self.limit]


def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="At most this many.")] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9, description="Skip this many first.")] = 0,
) -> Page:
    return Page(limit, offset)


page_params: Any = Depends(_page)


def parse_time(name: str, text: str | None, zone: tzinfo, *, end: bool) -> datetime | None:
    """ISO 8601; a date alone means its start (or, for an `until`, its end)."""
    if text is None:
        return None
    try:
        moment = parse_moment(text, zone)
    except ValueError as exc:
        raise HTTPException(422, f"{name}: {exc}") from None
    return end_of_day(moment, zone) if end and moment.date_only else moment.at


def parse_bbox(text: str | None) -> BBox | None:
    if text is None:
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        raise HTTPException(422, f"bbox: {text!r} must be west,south,east,north") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise HTTPException(422, f"bbox: {text!r}: need west < east and south < north, in range")
    return BBox(west, south, east, north)


def incident_window(since: str | None, until: str | None, zone: tzinfo) -> IncidentFilter:
    """The incidents with a report observed in [since, until)."""
    return IncidentFilter(
        parse_time("since", since, zone, end=False), parse_time("until", until, zone, end=True)
    )
