"""Grouping reports into incidents: the same event heard by ten monitors and three sensors.

Two reports are linked when their kinds are compatible (the same family of the taxonomy), they
are close in space (the gap between their uncertainty circles is within the family's link
distance) and close in time (the gap between their observed windows is within its link time).
An incident is a set of reports joined by links (single linkage). That makes the result depend
only on the set of reports: any arrival order, one at a time or all at once, gives the same
incidents, and a new report only touches incidents near it (a spatial grid of cells as wide as
the longest link, and a union-find over the links).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ceasefire.domain.reports import Report
from ceasefire.domain.taxonomy import CATEGORY_INFO, Family

EARTH_RADIUS_M = 6_371_008.8
# An uncertainty circle counts for at most this much: a report placed only at an oblast's
# centre (150 km) must not join everything in the oblast.
MAX_RADIUS_M = 5_000.0


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
}


@dataclass(frozen=True, slots=True)
class _Item:
    report_id: str
    family: Family
    x: float  # metres east of the reference meridian, locally
    y: float
    radius_m: float
    start: datetime
    end: datetime


class Grouper:
    """Reports in, incidents out; `add` in any order gives the same `incidents()`."""

    def __init__(
        self, rules: dict[Family, LinkRule] | None = None, *, ref_lat: float = 48.0
    ) -> None:
        self.rules = dict(DEFAULT_RULES if rules is None else rules)
        self._cos = math.cos(math.radians(ref_lat))
        reach = max(rule.distance_m for rule in self.rules.values()) + 2 * MAX_RADIUS_M
        self._cell_m = reach
        self._reach_t = max(rule.time for rule in self.rules.values())
        self._bucket_s = max(self._reach_t.total_seconds(), 3600.0)
        # Reports by family, place (cells as wide as the longest link) and time (buckets as long
        # as the longest link; a report is filed in every bucket it could link into).
        self._cells: dict[tuple[Family, int, int, int], list[_Item]] = defaultdict(list)
        self._parent: dict[str, str] = {}
        self._unplaced: list[str] = []  # reports with no coordinates: an incident each

    def add(self, report: Report) -> None:
        if report.report_id in self._parent:
            return
        self._parent[report.report_id] = report.report_id
        if report.lon is None or report.lat is None:
            self._unplaced.append(report.report_id)
            return
        item = self._item(report)
        cx, cy = self._cell(item)
        for bucket in self._buckets(item.start, item.end):
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for other in self._cells.get((item.family, cx + dx, cy + dy, bucket), ()):
                        if self._linked(item, other):
                            self._union(item.report_id, other.report_id)
        for bucket in self._buckets(item.start - self._reach_t, item.end + self._reach_t):
            self._cells[(item.family, cx, cy, bucket)].append(item)

    def add_all(self, reports: Iterable[Report]) -> None:
        for report in reports:
            self.add(report)

    def incidents(self) -> list[frozenset[str]]:
        """Each incident's report ids; sorted so equal sets of reports print alike."""
        members: dict[str, set[str]] = defaultdict(set)
        for report_id in self._parent:
            members[self._find(report_id)].add(report_id)
        return sorted((frozenset(m) for m in members.values()), key=lambda m: min(m))

    def _item(self, report: Report) -> _Item:
        assert report.lon is not None and report.lat is not None
        radius = min(float(report.uncertainty_m or 0), MAX_RADIUS_M)
        x = math.radians(report.lon) * EARTH_RADIUS_M * self._cos
        y = math.radians(report.lat) * EARTH_RADIUS_M
        family = CATEGORY_INFO[report.category].family
        return _Item(
            report.report_id, family, x, y, radius, report.observed_start, report.observed_end
        )

    def _buckets(self, start: datetime, end: datetime) -> range:
        first = math.floor(start.timestamp() / self._bucket_s)
        return range(first, math.floor(end.timestamp() / self._bucket_s) + 1)

    def _cell(self, item: _Item) -> tuple[int, int]:
        return math.floor(item.x / self._cell_m), math.floor(item.y / self._cell_m)

    def _linked(self, a: _Item, b: _Item) -> bool:
        rule = self.rules[a.family]
        gap_m = math.hypot(a.x - b.x, a.y - b.y) - a.radius_m - b.radius_m
        if gap_m > rule.distance_m:
            return False
        gap_t = max(a.start - b.end, b.start - a.end, timedelta(0))
        return gap_t <= rule.time

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
    reports: Iterable[Report], rules: dict[Family, LinkRule] | None = None
) -> list[frozenset[str]]:
    grouper = Grouper(rules)
    grouper.add_all(reports)
    return grouper.incidents()
