"""The map's incidents as columns: what the dashboard draws and filters by, and nothing more.

The dashboard draws every incident of the window at once. As GeoJSON features with their full
summaries, 100,000 incidents are about 50 MB, and the browser spends a second parsing them
before it draws anything. Here each field is one array, and the fields that repeat a few words
(category, status, party...) send each word once and a small number per incident: about a
tenth of the size. What an incident holds beyond this (its reports, history, clauses) the page
asks for when it is opened.

Positions go through the same disclosure as every other answer (rounded to about 1 km for all
but analysts); an analyst's are rounded to 5 decimals (about 1 m), finer than any report's
uncertainty.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ceasefire.domain.incidents.disclosure import Role, incident_position
from ceasefire.domain.incidents.story import IncidentStory, attribution_state

COORDINATE_DECIMALS = 5
CODED = ("category", "severity", "status", "party", "attribution", "sector")


class _Coded:
    """One column of repeated words: each distinct word once, then its index per row."""

    def __init__(self) -> None:
        self.values: list[str | None] = []
        self.codes: list[int] = []
        self._index: dict[str | None, int] = {}

    def add(self, value: str | None) -> None:
        code = self._index.get(value)
        if code is None:
            code = self._index[value] = len(self.values)
            self.values.append(value)
        self.codes.append(code)

    def as_json(self) -> dict[str, list[Any]]:
        return {"values": self.values, "codes": self.codes}


def map_columns(stories: Iterable[IncidentStory], role: Role) -> dict[str, Any]:
    """The incidents as the map's columns, in the order given. `start` is in seconds since
    the epoch (UTC); `violation` is 1 where the incident is a violation (`is_violation`: it
    breaches a clause and is not rejected)."""
    numbers: list[int] = []
    lons: list[float | None] = []
    lats: list[float | None] = []
    starts: list[int] = []
    reports: list[int] = []
    violations: list[int] = []
    coded = {name: _Coded() for name in CODED}
    for story in stories:
        lon, lat = incident_position(story, role)
        numbers.append(story.number)
        lons.append(None if lon is None else round(lon, COORDINATE_DECIMALS))
        lats.append(None if lat is None else round(lat, COORDINATE_DECIMALS))
        starts.append(int(story.start.timestamp()))
        reports.append(len(story.members))
        violations.append(1 if story.is_violation else 0)
        a = story.attribution
        coded["category"].add(story.category.value)
        coded["severity"].add(story.severity.value)
        coded["status"].add(story.status.value)
        coded["party"].add(None if a is None or a.contested else a.party)
        coded["attribution"].add(attribution_state(story))
        coded["sector"].add(story.sector)
    return {
        "count": len(numbers),
        "incident": numbers,
        "lon": lons,
        "lat": lats,
        "start": starts,
        "reports": reports,
        "violation": violations,
    } | {name: column.as_json() for name, column in coded.items()}
