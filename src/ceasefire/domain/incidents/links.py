"""Finding every pair of reports within reach at once: columns, a k-d tree, an exact filter.

`grouping.share` answers for one pair at a time in Python; a bulk import of a million reports
needs the same answer for all pairs in compiled code. Reports become columns (family, x, y,
capped radius, window start and end). Within each family a k-d tree over (x, y, window middle),
scaled so that a box of side 1 holds every report that *could* link (the family's distance plus
the two largest radii; its time plus the longest windows), gives candidate pairs; the exact rule
of `grouping.share` then keeps the pairs within reach, with their shares. Windows are sorted into
length classes first, so a few week-long reports do not widen the time box of every shelling
report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from ceasefire.domain.incidents.grouping import (
    EARTH_RADIUS_M,
    MAX_RADIUS_M,
    REF_LAT,
    Footprint,
    LinkRule,
)
from ceasefire.domain.taxonomy import CATEGORY_INFO, Family

FAMILY_CODES = {family: code for code, family in enumerate(Family)}
# Window-length classes, in seconds: instants and minutes, up to a day, up to a week, longer.
_CLASS_EDGES = np.array([3_600.0, 86_400.0, 8 * 86_400.0])


@dataclass(frozen=True)
class Columns:
    """Reports as columns; row i is `ids[i]`. A report with no place has NaN coordinates and
    never links."""

    ids: NDArray[np.object_]
    family: NDArray[np.int16]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    radius: NDArray[np.float64]
    start: NDArray[np.float64]  # POSIX seconds
    end: NDArray[np.float64]
    source: NDArray[np.object_]  # who reported it

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def start_min(self) -> float:
        return float(self.start.min(initial=math.inf))

    @cached_property
    def end_max(self) -> float:
        return float(self.end.max(initial=-math.inf))

    def placed(self) -> Columns:
        return self.take(np.isfinite(self.x))

    def take(self, rows: NDArray[np.intp] | NDArray[np.bool_]) -> Columns:
        return Columns(
            self.ids[rows],
            self.family[rows],
            self.x[rows],
            self.y[rows],
            self.radius[rows],
            self.start[rows],
            self.end[rows],
            self.source[rows],
        )

    @staticmethod
    def concat(parts: Sequence[Columns]) -> Columns:
        return Columns(
            np.concatenate([p.ids for p in parts]),
            np.concatenate([p.family for p in parts]),
            np.concatenate([p.x for p in parts]),
            np.concatenate([p.y for p in parts]),
            np.concatenate([p.radius for p in parts]),
            np.concatenate([p.start for p in parts]),
            np.concatenate([p.end for p in parts]),
            np.concatenate([p.source for p in parts]),
        )


_CODE_OF = {category: FAMILY_CODES[info.family] for category, info in CATEGORY_INFO.items()}


def columns(footprints: Sequence[Footprint], ref_lat: float = REF_LAT) -> Columns:
    """`footprints` as columns, in order; one the rule does not group (no place, or an update
    of another report) gets NaN coordinates. One pass over the objects, one conversion."""
    scale = math.radians(1) * EARTH_RADIUS_M
    cos = math.cos(math.radians(ref_lat))
    n = len(footprints)
    numbers = np.array(
        [
            (
                f.lon if f.updates is None else None,
                f.lat,
                f.uncertainty_m or 0,
                f.start.timestamp(),
                f.end.timestamp(),
            )
            for f in footprints
        ],
        dtype=np.float64,
    ).reshape(n, 5)
    return Columns(
        np.array([f.report_id for f in footprints], dtype=object).reshape(n),
        np.fromiter((_CODE_OF[f.category] for f in footprints), np.int16, n),
        numbers[:, 0] * scale * cos,
        numbers[:, 1] * scale,
        np.minimum(numbers[:, 2], MAX_RADIUS_M),
        numbers[:, 3].copy(),
        numbers[:, 4].copy(),
        np.array([f.source_id for f in footprints], dtype=object).reshape(n),
    )


def near_box(
    parts: Sequence[Columns],
    new: Columns,
    reach_m: float,
    reach_s: float,
    *,
    skip: Columns | None = None,
) -> Columns:
    """The rows of `parts` that could be within reach of any placed row of `new`: same
    families, inside the box and time span of `new` widened by the reach (`skip`: a part left
    out whole). Reports are kept in parts (one per batch, as they came); a part whose time span
    misses is skipped whole, so a stream of imports in time order reads only the recent ones."""
    selected = [empty_columns()]
    new = new.placed()
    if not len(new):
        return selected[0]
    low, high = new.start.min() - reach_s, new.end.max() + reach_s
    families = np.unique(new.family)
    west, east = new.x.min() - reach_m, new.x.max() + reach_m
    south, north = new.y.min() - reach_m, new.y.max() + reach_m
    for part in parts:
        if part is skip or not len(part) or part.end_max < low or part.start_min > high:
            continue
        keep = (
            np.isin(part.family, families)
            & (part.end >= low)
            & (part.start <= high)
            & (part.x >= west)
            & (part.x <= east)
            & (part.y >= south)
            & (part.y <= north)
        )
        if keep.any():
            selected.append(part.take(keep))
    return Columns.concat(selected)


def empty_columns() -> Columns:
    return columns([])


Pairs = tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]


def no_pairs() -> Pairs:
    return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float64)


def link_pairs(new: Columns, old: Columns | None, rules: dict[Family, LinkRule]) -> Pairs:
    """Every pair within reach (i, j, share): i a row of `new`, j a row of `new` (i < j) when
    `old` is None, else a row of `old`."""
    found_i: list[NDArray[np.intp]] = []
    found_j: list[NDArray[np.intp]] = []
    found_s: list[NDArray[np.float64]] = []
    for family, rule in rules.items():
        code = FAMILY_CODES[family]
        a_rows = np.flatnonzero((new.family == code) & np.isfinite(new.x))
        if not len(a_rows):
            continue
        b_rows = (
            a_rows if old is None else np.flatnonzero((old.family == code) & np.isfinite(old.x))
        )
        if not len(b_rows):
            continue
        a, b = new.take(a_rows), (new if old is None else old).take(b_rows)
        i, j, share = _family_pairs(a, None if old is None else b, rule)
        found_i.append(a_rows[i])
        found_j.append(b_rows[j])
        found_s.append(share)
    if not found_i:
        return no_pairs()
    return np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_s)


def _family_pairs(a: Columns, b: Columns | None, rule: LinkRule) -> Pairs:
    same = b is None
    other = a if b is None else b
    a_class = np.searchsorted(_CLASS_EDGES, a.end - a.start)
    b_class = a_class if same else np.searchsorted(_CLASS_EDGES, other.end - other.start)
    reach_m = rule.distance_m + float(a.radius.max(initial=0)) + float(other.radius.max(initial=0))
    found_i: list[NDArray[np.intp]] = []
    found_j: list[NDArray[np.intp]] = []
    found_s: list[NDArray[np.float64]] = []
    for ca in np.unique(a_class):
        for cb in np.unique(b_class):
            if same and cb < ca:
                continue
            ia, ib = np.flatnonzero(a_class == ca), np.flatnonzero(b_class == cb)
            duration = float((a.end - a.start)[ia].max() + (other.end - other.start)[ib].max())
            reach_s = rule.time.total_seconds() + duration / 2 + 1.0
            i, j = _candidates(a, ia, other, ib, reach_m, reach_s, same and ca == cb)
            share = _shares(a, i, other, j, rule)
            keep = share <= 1.0
            found_i.append(i[keep])
            found_j.append(j[keep])
            found_s.append(share[keep])
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    if same:  # each pair once, smaller row first
        i, j = np.minimum(i, j), np.maximum(i, j)
    return i, j, np.concatenate(found_s)


def _scaled(
    c: Columns, rows: NDArray[np.intp], reach_m: float, reach_s: float
) -> NDArray[np.float64]:
    middle = (c.start[rows] + c.end[rows]) / 2
    return np.column_stack((c.x[rows] / reach_m, c.y[rows] / reach_m, middle / reach_s))


def _candidates(
    a: Columns,
    ia: NDArray[np.intp],
    b: Columns,
    ib: NDArray[np.intp],
    reach_m: float,
    reach_s: float,
    within: bool,
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    from scipy.spatial import cKDTree  # here, not at the top: see `book.IncidentBook.add_all`

    tree_a = cKDTree(_scaled(a, ia, reach_m, reach_s))
    if within:
        pairs = tree_a.query_pairs(1.0, p=math.inf, output_type="ndarray")
        return ia[pairs[:, 0]], ia[pairs[:, 1]]
    tree_b = cKDTree(_scaled(b, ib, reach_m, reach_s))
    matrix = tree_a.sparse_distance_matrix(tree_b, 1.0, p=math.inf, output_type="ndarray")
    return ia[matrix["i"]], ib[matrix["j"]]


def _shares(
    a: Columns, i: NDArray[np.intp], b: Columns, j: NDArray[np.intp], rule: LinkRule
) -> NDArray[np.float64]:
    """`grouping.share` for arrays of pairs (above 1: out of reach). A pair whose space gap
    alone is beyond the link distance is out of reach however close in time (`inf`)."""
    distance = np.hypot(a.x[i] - b.x[j], a.y[i] - b.y[j])
    gap_m = np.maximum(distance - np.hypot(a.radius[i], b.radius[j]), 0.0)
    gap_s = np.maximum(np.maximum(a.start[i] - b.end[j], b.start[j] - a.end[i]), 0.0)
    share = (gap_m / rule.distance_m) ** 2 + (gap_s / rule.time.total_seconds()) ** 2
    return np.where(gap_m > rule.distance_m, np.inf, share)
