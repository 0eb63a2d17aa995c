"""Grouping reports into incidents: one event, however many sources heard it.

**Within reach.** Two reports of the same family of the taxonomy are within reach of each other
when, with the space gap their distance less their uncertainties combined (independent
errors: the root of the sum of the squares) as a share of the family's link distance, and the
time gap that between their observed windows as a share of its link time, the two shares,
squared, sum to at most 1 (that sum is the pair's *share*: 0 is the same place and moment).
Reports at one spot may be the whole link time apart, simultaneous reports the whole link
distance apart, but not both at once.

**The rule.** Reports are taken in *canonical order*: by observed start, then report id. A
report joins an incident when it is within reach of the incident's *first report*, that first
report is the nearest to it of all its source's reports (so a camera's report of the 14:15 round
waits for the patrol's report of that round rather than joining the patrol's 14:00 one, which is
only the nearest that came earlier), and that incident holds no report of its own source yet;
among several such incidents it joins the one whose first report is closest (the smallest
share, then the earliest). A report that can join none is the first report of a new incident.
"Nearest" is by share, then canonical order. So:

- an incident is bounded by its first report: every automatic member is within reach of it,
  so no two members are more than twice the link distance apart, and none starts more than
  the link time after the first report's window ends. Ten shellings of one village at
  15-minute intervals are never chained into one incident through each other;
- a source reports an event once: two reports of one source are two events, unless the later
  one says it updates or corrects the earlier (`Footprint.updates`), in which case it joins
  the incident of the report it updates and takes no other part in grouping;
- duplicates across sources join: five sources reporting one strike are one incident;
- the result depends only on the set of reports, never on the order they arrived in, since the
  canonical order is a property of the reports.

Why the first report and not every member (complete linkage): comparing a report with one
report per candidate incident keeps its cost independent of how large the incident grew, the
bound it gives (twice the link distance) is what a human reading the map expects of "the same
event", and a fuzzy report from a distant observer still joins the event it describes when it
is within reach of the event's first report, where complete linkage would turn it away if any
other member happened to be placed on the far side.

Reports without coordinates never join anything: nothing says where they were.

`group` states the rule plainly, one report at a time; `book.IncidentBook` is the columnar,
incremental implementation that ingest and `verify` run, property-tested against it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ceasefire.domain.reports import Report, report_id_for
from ceasefire.domain.taxonomy import CATEGORY_INFO, Category, Family

EARTH_RADIUS_M = 6_371_008.8
# An uncertainty circle counts for at most this much: a report placed only at an oblast's
# centre (150 km) must not join everything in the oblast.
MAX_RADIUS_M = 5_000.0
# Links are measured in one local frame: metres east are degrees of longitude scaled by the
# cosine of this latitude everywhere (the theatre spans a few degrees of latitude).
REF_LAT = 48.0


@dataclass(frozen=True, slots=True)
class LinkRule:
    """How close two reports of a family must be to describe one event."""

    distance_m: float
    time: timedelta


# Defaults, as data: shelling is heard from afar within minutes; a ground assault is a wider,
# longer thing; monitors' access restrictions are separate events unless at the same place.
DEFAULT_RULES: dict[Family, LinkRule] = {
    Family.SHELLING: LinkRule(2_000, timedelta(minutes=30)),
    Family.DIRECT_FIRE: LinkRule(1_000, timedelta(minutes=30)),
    Family.AIR_AND_MISSILE: LinkRule(3_000, timedelta(minutes=30)),
    Family.GROUND: LinkRule(5_000, timedelta(hours=6)),
    Family.EXPLOSIVE_HAZARD: LinkRule(500, timedelta(hours=1)),
    Family.PROHIBITED_PRESENCE: LinkRule(1_000, timedelta(hours=2)),
    Family.CIVILIAN_HARM: LinkRule(2_000, timedelta(hours=1)),
    Family.MONITOR_ACCESS: LinkRule(200, timedelta(minutes=30)),
    # A deadline missed is reported by whoever saw it, the same day, at the same place.
    Family.COMMITMENTS: LinkRule(500, timedelta(hours=24)),
}


@dataclass(frozen=True, slots=True)
class Footprint:
    """What grouping needs of a report: its kind, where (with its uncertainty), when, who
    reported it and which of that source's reports it updates, if any (by report id)."""

    report_id: str
    category: Category
    lon: float | None
    lat: float | None
    uncertainty_m: int | None
    start: datetime
    end: datetime
    source_id: str
    updates: str | None = None

    @classmethod
    def of(cls, report: Report) -> Footprint:
        return cls(
            report.report_id,
            report.category,
            report.lon,
            report.lat,
            report.uncertainty_m,
            report.observed_start,
            report.observed_end,
            report.source_id,
            updated_report(report),
        )

    @property
    def placed(self) -> bool:
        return self.lon is not None and self.lat is not None

    @property
    def family(self) -> Family:
        return CATEGORY_INFO[self.category].family

    @property
    def canonical(self) -> tuple[datetime, str]:
        """Its place in the order the rule takes reports in."""
        return self.start, self.report_id

    @property
    def groupable(self) -> bool:
        """Whether the rule groups it with others: placed, and not an update of another."""
        return self.placed and self.updates is None


def updated_report(report: Report) -> str | None:
    """The id of the report this one updates: the same source's report with that id."""
    return report_id_for(report.source_id, report.updates) if report.updates else None


def share(a: Footprint, b: Footprint, rules: dict[Family, LinkRule]) -> float | None:
    """How far apart two groupable reports are as a share of their family's reach (0: the same
    place and moment, 1: the edge), or None when they are out of reach or of other kinds."""
    if a.family is not b.family or not (a.groupable and b.groupable):
        return None
    rule = rules[a.family]
    ax, ay, ar = _local(a)
    bx, by, br = _local(b)
    gap_m = max(math.hypot(ax - bx, ay - by) - math.hypot(ar, br), 0.0)
    if gap_m > rule.distance_m:
        return None
    a_start, a_end, b_start, b_end = (t.timestamp() for t in (a.start, a.end, b.start, b.end))
    gap_s = max(a_start - b_end, b_start - a_end, 0.0)
    value = (gap_m / rule.distance_m) ** 2 + (gap_s / rule.time.total_seconds()) ** 2
    return value if value <= 1.0 else None


def _local(f: Footprint) -> tuple[float, float, float]:
    """Metres east and north in the local frame, and the capped uncertainty (computed as
    `links.columns` computes them, so both give the same shares to the last bit)."""
    assert f.lon is not None and f.lat is not None
    scale = math.radians(1) * EARTH_RADIUS_M
    cos = math.cos(math.radians(REF_LAT))
    return f.lon * scale * cos, f.lat * scale, min(float(f.uncertainty_m or 0), MAX_RADIUS_M)


def group(
    reports: Iterable[Report | Footprint], rules: dict[Family, LinkRule] | None = None
) -> list[frozenset[str]]:
    """Each incident's report ids, by the rule as the module states it, one report at a time
    in canonical order (quadratic: the reference the book is tested against, not for use)."""
    rules = dict(DEFAULT_RULES if rules is None else rules)
    footprints: dict[str, Footprint] = {}
    for report in reports:
        footprint = report if isinstance(report, Footprint) else Footprint.of(report)
        footprints.setdefault(footprint.report_id, footprint)
    first_of: dict[str, str] = {}  # report id -> the first report of its automatic group
    sources: dict[str, set[str]] = defaultdict(set)  # first report -> sources in its incident
    firsts: list[Footprint] = []
    nearest = _nearest_of_each_source(list(footprints.values()), rules)
    for report in sorted(footprints.values(), key=lambda f: f.canonical):
        if not report.groupable:
            first_of[report.report_id] = report.report_id
            continue
        best: tuple[float, tuple[datetime, str]] | None = None
        for first in firsts:
            value = share(first, report, rules)
            if value is None or report.source_id in sources[first.report_id]:
                continue
            if nearest[report.report_id].get(first.source_id) != first.report_id:
                continue
            if best is None or (value, first.canonical) < best:
                best = (value, first.canonical)
        if best is None:
            firsts.append(report)
            first_of[report.report_id] = report.report_id
        else:
            first_of[report.report_id] = best[1][1]
        sources[first_of[report.report_id]].add(report.source_id)
    joined = _UnionFind()
    for report_id, first_id in first_of.items():
        joined.union(report_id, first_id)
    for footprint in footprints.values():
        target = footprint.updates
        if target is not None and target in footprints:
            joined.union(footprint.report_id, target)
    return joined.sets()


def _nearest_of_each_source(
    footprints: list[Footprint], rules: dict[Family, LinkRule]
) -> dict[str, dict[str, str]]:
    """For each report, the nearest report of each other source within reach of it."""
    found: dict[str, dict[str, tuple[float, tuple[datetime, str], str]]] = defaultdict(dict)
    for a in footprints:
        for b in footprints:
            if a is b or (value := share(a, b, rules)) is None:
                continue
            key = (value, b.canonical, b.report_id)
            held = found[a.report_id].get(b.source_id)
            if held is None or key < held:
                found[a.report_id][b.source_id] = key
    return {r: {s: key[2] for s, key in by.items()} for r, by in found.items()} | {
        f.report_id: {} for f in footprints if f.report_id not in found
    }


class _UnionFind:
    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        root = self._parent.setdefault(item, item)
        while self._parent[root] != root:
            root = self._parent[root]
        while item != root:  # path compression
            self._parent[item], item = root, self._parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self._parent[max(root_a, root_b)] = min(root_a, root_b)

    def sets(self) -> list[frozenset[str]]:
        members: dict[str, set[str]] = defaultdict(set)
        for item in list(self._parent):
            members[self.find(item)].add(item)
        return sorted((frozenset(m) for m in members.values()), key=min)
