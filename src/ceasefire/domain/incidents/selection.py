"""Which incidents a list shows: the filters the command line and the API share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from ceasefire.domain.enforcement.plan import SEVERITY_RANK
from ceasefire.domain.incidents.assessment import IncidentStatus
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.domain.taxonomy import Severity
from ceasefire.domain.validation import BBox


@dataclass(frozen=True, slots=True)
class Selection:
    status: IncidentStatus | None = None
    sector: str | None = None
    party: str | None = None  # attributed to it, confirmed or proposed
    min_severity: Severity | None = None
    overdue: bool = False  # only those whose party's reply is overdue
    bbox: BBox | None = None  # an incident without coordinates is in no box

    def keeps(self, story: IncidentStory, now: datetime) -> bool:
        a, box = story.attribution, self.bbox
        return (
            (self.status is None or story.status is self.status)
            and (self.sector is None or story.sector == self.sector)
            and (self.party is None or (a is not None and a.party == self.party))
            and (
                self.min_severity is None
                or SEVERITY_RANK[story.severity] >= SEVERITY_RANK[self.min_severity]
            )
            and (not self.overdue or story.reply_overdue(now))
            and (
                box is None
                or (
                    story.lon is not None
                    and story.lat is not None
                    and box.contains(story.lon, story.lat)
                )
            )
        )


def newest_first(
    stories: Iterable[IncidentStory], selection: Selection, now: datetime
) -> list[IncidentStory]:
    chosen = (s for s in stories if selection.keeps(s, now))
    return sorted(chosen, key=lambda s: (s.start, s.number), reverse=True)
