"""Grouping reports into incidents: the same event heard by ten monitors and three sensors.

Two reports are linked when their kinds are compatible (the same family of the taxonomy) and
they are close in space and time together: with the space gap their distance less their
uncertainties combined (independent errors: the root of the sum of the squares) as a share of
the family's link distance, and the time gap that between their observed windows as a share of
its link time, the two shares, squared, sum to at most 1.
Reports at one spot may be the family's whole link time apart, simultaneous reports its whole
link distance apart, but not both at once: two shellings of a village 25 minutes and 1.8 km
apart are two events.
An incident is a set of reports joined by links (single linkage). That makes the result depend
only on the set of reports: any arrival order, one at a time or all at once, gives the same
incidents, and a new report only touches incidents near it (`LinkIndex`: cells as wide as the
longest link, buckets as long as the longest link time).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ceasefire.domain.reports import Report
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
    """What grouping needs of a report: its kind, where (with its uncertainty) and when."""

    report_id: str
    category: Category
    lon: float | None
    lat: float | None
    uncertainty_m: int | None
    start: datetime
    end: datetime

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
        )

    @property
    def placed(self) -> bool:
        return self.lon is not None and self.lat is not None


@dataclass(frozen=True, slots=True)
class _Item:
    report_id: str
    family: Family
    x: float  # metres east of the reference meridian, locally
    y: float
    radius_m: float
    start: datetime
    end: datetime


class LinkIndex:
    """Placed reports filed by family, cell and time bucket, to find the ones a report links
    to without looking at the rest."""

    def __init__(
        self, rules: dict[Family, LinkRule] | None = None, *, ref_lat: float = REF_LAT
    ) -> None:
        self.rules = dict(DEFAULT_RULES if rules is None else rules)
        self._cos = math.cos(math.radians(ref_lat))
        self._cell_m = max(rule.distance_m for rule in self.rules.values()) + 2 * MAX_RADIUS_M
        self.reach_time = max(rule.time for rule in self.rules.values())
        self._bucket_s = max(self.reach_time.total_seconds(), 3600.0)
        # A report is filed in every bucket it could link into, so a lookup reads one bucket
        # per bucket of its own window.
        self._cells: dict[tuple[Family, int, int, int], list[_Item]] = defaultdict(list)
        self._filed: dict[str, tuple[_Item, list[tuple[Family, int, int, int]]]] = {}

    def __contains__(self, report_id: str) -> bool:
        return report_id in self._filed

    def linked(self, footprint: Footprint) -> list[str]:
        """The filed reports this one links to (none if it has no place)."""
        if not footprint.placed:
            return []
        item = self._item(footprint)
        cx, cy = self._cell(item)
        found: set[str] = set()
        for bucket in self._buckets(item.start, item.end):
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for other in self._cells.get((item.family, cx + dx, cy + dy, bucket), ()):
                        if other.report_id != item.report_id and self._linked(item, other):
                            found.add(other.report_id)
        return sorted(found)

    def add(self, footprint: Footprint) -> None:
        if not footprint.placed or footprint.report_id in self._filed:
            return
        item = self._item(footprint)
        cx, cy = self._cell(item)
        keys = [
            (item.family, cx, cy, bucket)
            for bucket in self._buckets(item.start - self.reach_time, item.end + self.reach_time)
        ]
        for key in keys:
            self._cells[key].append(item)
        self._filed[item.report_id] = (item, keys)

    def remove(self, report_id: str) -> None:
        filed = self._filed.pop(report_id, None)
        if filed is None:
            return
        item, keys = filed
        for key in keys:
            self._cells[key].remove(item)

    def _item(self, footprint: Footprint) -> _Item:
        assert footprint.lon is not None and footprint.lat is not None
        radius = min(float(footprint.uncertainty_m or 0), MAX_RADIUS_M)
        x = math.radians(footprint.lon) * EARTH_RADIUS_M * self._cos
        y = math.radians(footprint.lat) * EARTH_RADIUS_M
        family = CATEGORY_INFO[footprint.category].family
        return _Item(footprint.report_id, family, x, y, radius, footprint.start, footprint.end)

    def _buckets(self, start: datetime, end: datetime) -> range:
        first = math.floor(start.timestamp() / self._bucket_s)
        return range(first, math.floor(end.timestamp() / self._bucket_s) + 1)

    def _cell(self, item: _Item) -> tuple[int, int]:
        return math.floor(item.x / self._cell_m), math.floor(item.y / self._cell_m)

    def _linked(self, a: _Item, b: _Item) -> bool:
        rule = self.rules[a.family]
        gap_m = max(math.hypot(a.x - b.x, a.y - b.y) - math.hypot(a.radius_m, b.radius_m), 0.0)
        if gap_m > rule.distance_m:
            return False
        gap_t = max(a.start - b.end, b.start - a.end, timedelta(0))
        return (gap_m / rule.distance_m) ** 2 + (gap_t / rule.time) ** 2 <= 1.0


class Grouper:
    """Reports in, incidents out; `add` in any order gives the same `incidents()`.

    The plain, one-report-at-a-time statement of the rule: the reference the columnar path
    that ingest runs (`book.IncidentBook`, `links.link_pairs`) is property-tested against."""

    def __init__(
        self, rules: dict[Family, LinkRule] | None = None, *, ref_lat: float = REF_LAT
    ) -> None:
        self.index = LinkIndex(rules, ref_lat=ref_lat)
        self._parent: dict[str, str] = {}

    def add(self, report: Report | Footprint) -> None:
        footprint = report if isinstance(report, Footprint) else Footprint.of(report)
        if footprint.report_id in self._parent:
            return
        self._parent[footprint.report_id] = footprint.report_id
        for other in self.index.linked(footprint):
            self._union(footprint.report_id, other)
        self.index.add(footprint)

    def add_all(self, reports: Iterable[Report | Footprint]) -> None:
        for report in reports:
            self.add(report)

    def incidents(self) -> list[frozenset[str]]:
        """Each incident's report ids; sorted so equal sets of reports print alike."""
        members: dict[str, set[str]] = defaultdict(set)
        for report_id in self._parent:
            members[self._find(report_id)].add(report_id)
        return sorted((frozenset(m) for m in members.values()), key=lambda m: min(m))

    def _find(self, report_id: str) -> str:
        root = report_id
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[report_id] != root:  # path compression
            self._parent[report_id], report_id = root, self._parent[report_id]
        return root

    def _union(self, a: str, b: str) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a != root_b:
            # The smaller id becomes the root: the same sets give the same roots in any order.
            if root_b < root_a:
                root_a, root_b = root_b, root_a
            self._parent[root_b] = root_a


def group(
    reports: Iterable[Report | Footprint], rules: dict[Family, LinkRule] | None = None
) -> list[frozenset[str]]:
    grouper = Grouper(rules)
    grouper.add_all(reports)
    return grouper.incidents()
