"""The grouping rule's one sequential step, over arrays: which incident each report joins.

`grouping` states the rule; this is its inner loop as the book runs it on a region of reports
(a whole import, or the reports a late arrival can change), with everything else the region
reads held fixed as *context*. Rows are local indices: the region's rows first, in canonical
order, then the context's.

Each region row looks at its candidates (earlier rows within reach) and joins the best one
(smallest share, then earliest) that is the first report of its incident and whose incident
holds no report of its source yet; if none, it is a first report itself. What the context
contributes is given, not recomputed: which context rows are first reports, and for a first
report, the canonical position of the earliest context member of each source (a region row
after it cannot join with that source).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Canonical = tuple[datetime, str]


class Candidates(NamedTuple):
    """Row j's candidates are `rows[start[j]:start[j + 1]]`, with their shares."""

    start: list[int]
    rows: list[int]
    shares: list[float]


def candidates_of(
    region_size: int, j: NDArray[np.intp], i: NDArray[np.intp], share: NDArray[np.float64]
) -> Candidates:
    """From pairs (j a region row, i an earlier row within reach of it, their share) to each
    region row's candidates."""
    order = np.argsort(j)  # a row's candidates in any order: the best is chosen, not the first
    counts = np.bincount(j, minlength=region_size)
    start = np.concatenate(([0], np.cumsum(counts)))
    return Candidates(start.tolist(), i[order].tolist(), share[order].tolist())


def nearest_of_each_source(
    j: NDArray[np.intp],
    i: NDArray[np.intp],
    share: NDArray[np.float64],
    rank: NDArray[np.int64],
    source: NDArray[np.intp],
) -> NDArray[np.bool_]:
    """For pairs (j, i, share): whether i is the nearest to j (smallest share, then earliest)
    of all the reports of i's source within reach of j. One integer sort and two reductions
    per group (a lexicographic sort of millions of pairs on four keys took four times as long).
    """
    if not len(j):
        return np.zeros(0, dtype=bool)
    group = j.astype(np.int64) * (int(source.max()) + 1) + source[i]
    order = np.argsort(group)  # ties are settled below, not by the sort
    grouped = group[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    ordered_share = share[order]
    least = np.repeat(np.minimum.reduceat(ordered_share, starts), sizes)
    tied = ordered_share == least
    ranks = np.where(tied, rank[i][order], np.iinfo(np.int64).max)
    earliest = np.repeat(np.minimum.reduceat(ranks, starts), sizes)
    nearest = np.zeros(len(order), dtype=bool)
    nearest[order[tied & (ranks == earliest)]] = True
    return nearest


def assign_firsts(
    region_size: int,
    candidates: Candidates,
    rank: Sequence[int],
    source: Sequence[int],
    context_firsts: Sequence[bool],
    taken_in_context: Mapping[tuple[int, int], int],
) -> list[int]:
    """Each region row's first report (a local row; itself when it starts an incident).

    `rank`: every row's canonical position; `source`: every row's source code.
    `context_firsts[c]`: whether context row `region_size + c` is a first report.
    `taken_in_context[(first, source)]`: how many region rows come before the first's earliest
    member from that source outside the region (a region row after it cannot join with it)."""
    size = region_size + len(context_firsts)
    first = list(range(size))
    for c, is_first in enumerate(context_firsts):
        if not is_first:
            first[region_size + c] = -1
    sources = max(source, default=0) + 1
    taken: set[int] = set()
    start, rows, shares = candidates
    for j in range(region_size):
        s = source[j]
        chosen, best, best_rank = j, 2.0, 0
        for k in range(start[j], start[j + 1]):
            i = rows[k]
            if first[i] != i:
                continue
            value = shares[k]
            if value > best or (value == best and rank[i] > best_rank):
                continue
            if i * sources + s in taken:
                continue
            if taken_in_context and taken_in_context.get((i, s), region_size) <= j:
                continue
            chosen, best, best_rank = i, value, rank[i]
        first[j] = chosen
        taken.add(chosen * sources + s)
    return first[:region_size]
