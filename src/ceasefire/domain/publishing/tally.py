"""Counting what a period holds, the way monitors count.

A report tallies what one observer saw: so many explosions, bursts, shots. Several reports of
one incident describe the same event, so an incident counts the most any one of its reports
recorded for each kind, never the sum (two patrols hearing the same 12 explosions heard 12,
not 24). An incident counts as a violation when it breaches a clause of the agreement and no
analyst has rejected it; disputed incidents still count, marked as such where they are listed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from ceasefire.domain.incidents.story import IncidentStory

NO_SECTOR = "outside the agreement's sectors"


@dataclass(frozen=True, slots=True)
class Tally:
    violations: int = 0
    explosions: int = 0
    projectiles: int = 0
    bursts: int = 0
    shots: int = 0
    killed: int = 0
    injured: int = 0
    civilians_killed: int = 0
    civilians_injured: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def casualties(self) -> int:
        return self.killed + self.injured + self.civilians_killed + self.civilians_injured


COUNTED_KINDS = ("explosions", "projectiles", "bursts", "shots")


def is_violation(story: IncidentStory) -> bool:
    return story.is_violation


def incident_tally(story: IncidentStory) -> Tally:
    """One incident: the most any of its reports recorded, kind by kind."""
    names = [f.name for f in fields(Tally) if f.name != "violations"]
    most = {name: max(getattr(r, name) for r in story.members) for name in names}
    return Tally(violations=1, **most)


def tally(stories: Iterable[IncidentStory]) -> Tally:
    total = Tally()
    for story in stories:
        total += incident_tally(story)
    return total


def by_sector(stories: Sequence[IncidentStory]) -> dict[str, Tally]:
    grouped: dict[str, list[IncidentStory]] = {}
    for story in stories:
        grouped.setdefault(story.sector or NO_SECTOR, []).append(story)
    return {sector: tally(members) for sector, members in grouped.items()}


def by_party(stories: Sequence[IncidentStory]) -> Counter[str]:
    """Violations per attributed party ("not attributed" for the rest)."""
    return Counter(s.violator for s in stories)
