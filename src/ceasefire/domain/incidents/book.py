"""Which incident each report belongs to, kept up to date one change at a time.

An incident is numbered by the smallest *key* among its reports, shown as `INC-<n>`. A report's
key is the ledger sequence number of the entry that recorded it, or, once an analyst has split
it off, the sequence number of that split. Because a union's smallest key is the smaller of
the two incidents' numbers, every change keeps the rule: a new report joins the incidents it
links to under the lowest of their numbers (the others live on as names for it), a merge keeps
the lower number, and a split-off part is numbered by its split. An old number therefore always
leads to the incident that now holds the report (or split) it was named after.

Reports an analyst split off are *pinned*: grouped by hand from then on, never linked
automatically, so a later report cannot undo the split by bridging the two parts.

The same book serves the live path (seeded with the stored neighbours of a batch, whose changes
are then written back) and the replay that `verify` compares the stored table with, so the two
cannot disagree by construction; a property test holds them to it. A batch is linked all at
once (`links.link_pairs`, compiled code) and its incidents found as the connected components of
the batch and the incidents it touches: the same result as adding its reports one by one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

import numpy as np

from ceasefire.domain.incidents.grouping import DEFAULT_RULES, MAX_RADIUS_M, Footprint, LinkRule
from ceasefire.domain.incidents.links import Columns, columns, link_pairs
from ceasefire.domain.taxonomy import Family

_LABEL = re.compile(r"^(?:INC-?)?(\d{1,18})$", re.IGNORECASE)


def incident_label(number: int) -> str:
    return f"INC-{number}"


def incident_number(text: str) -> int | None:
    """`INC-42`, `inc42` or `42` -> 42; anything else -> None."""
    match = _LABEL.match(text.strip())
    return int(match.group(1)) if match else None


class BookError(ValueError):
    """A merge or split that cannot be done as asked; the message says why."""


class Membership(NamedTuple):
    """A named tuple: a million of these are built in a bulk import."""

    report_id: str
    incident: int
    key: int  # the report's own ledger seq, or the split that pinned it
    pinned: bool


@dataclass
class Changes:
    """What a step changed, to write back: renames first (they reach stored rows the book
    never loaded), then the rows of `rows` as they now are; `new` are the reports that have no
    stored row yet (the rest replace theirs)."""

    renames: list[tuple[int, int]] = field(default_factory=list)
    rows: dict[str, Membership] = field(default_factory=dict)
    new: set[str] = field(default_factory=set)


class IncidentBook:
    def __init__(self, rules: dict[Family, LinkRule] | None = None) -> None:
        self.rules = dict(DEFAULT_RULES if rules is None else rules)
        self._rows: dict[str, Membership] = {}
        self._members: dict[int, set[str]] = defaultdict(set)
        self.changes = Changes()
        # Reports that new ones may link to (placed, not pinned), as columns; seeds wait in
        # `_pending` until a lookup needs them, and pinned rows are masked out when read.
        self._parts: list[Columns] = []
        self._pending: list[Footprint] = []
        self._pinned: set[str] = set()
        self._reach_m = max(r.distance_m for r in self.rules.values()) + 2 * MAX_RADIUS_M
        self._reach_s = max(r.time for r in self.rules.values()).total_seconds()

    # -- state ---------------------------------------------------------------------------
    def seed(self, footprint: Footprint, row: Membership) -> None:
        """A stored report and its stored membership (live path: neighbours of a batch)."""
        if footprint.report_id in self._rows:
            return
        self._put(row, changed=False)
        if not row.pinned:
            self._pending.append(footprint)

    def memberships_only(self) -> IncidentBook:
        """A copy of the memberships without the linkable reports: enough to try a merge or
        split and see whether it would be refused."""
        copy = IncidentBook(self.rules)
        for row in self._rows.values():
            copy._put(row, changed=False)
        return copy

    def membership(self, report_id: str) -> Membership | None:
        return self._rows.get(report_id)

    def rows(self) -> list[Membership]:
        return sorted(self._rows.values(), key=lambda m: m.report_id)

    def members(self, incident: int) -> frozenset[str]:
        return frozenset(self._members.get(incident, ()))

    # -- steps ---------------------------------------------------------------------------
    def add(self, footprint: Footprint, seq: int) -> int:
        """A newly recorded report; returns the incident it is now in."""
        self.add_all([(footprint, seq)])
        return self._rows[footprint.report_id].incident

    def add_all(self, recorded: Iterable[tuple[Footprint, int]]) -> None:
        """Newly recorded reports with their ledger seqs, linked as one batch."""
        batch = self._unseen(list(recorded))
        if not batch:
            return
        new = columns([footprint for footprint, _ in batch])
        seqs = np.fromiter((seq for _, seq in batch), dtype=np.int64, count=len(batch))
        old = self._linkable_near(new)
        within_i, within_j = link_pairs(new, None, self.rules)
        across_i, across_j = link_pairs(new, old, self.rules)
        # Nodes: the batch's reports, then each stored incident a link reaches.
        reached = [self._rows[str(r)].incident for r in old.ids[across_j]]
        touched = sorted(set(reached))
        node = {number: len(new) + k for k, number in enumerate(touched)}
        size = len(new) + len(touched)
        # Imported here: SciPy is half a second of the start of every command that imports
        # this module, most of which never link a report.
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        graph = coo_matrix(
            (
                np.ones(len(within_i) + len(across_i), dtype=np.int8),
                (
                    np.concatenate((within_i, across_i)),
                    np.concatenate((within_j, np.array([node[n] for n in reached], dtype=np.intp))),
                ),
            ),
            shape=(size, size),
        )
        count, component = connected_components(graph, directed=False)
        # Each component's number: the lowest of its new reports' seqs and touched incidents.
        lowest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(lowest, component[: len(new)], seqs)
        np.minimum.at(lowest, component[len(new) :], np.array(touched, dtype=np.int64))
        for k, number in enumerate(touched):
            target = int(lowest[component[len(new) + k]])
            if target != number:
                self._rename(number, target)
        numbers = lowest[component[: len(new)]]
        ids = new.ids.tolist()
        rows = map(Membership._make, zip(ids, numbers.tolist(), seqs.tolist(), repeat(False)))
        self._put_new(list(rows))
        self._parts.append(new.placed())

    def _unseen(self, recorded: list[tuple[Footprint, int]]) -> list[tuple[Footprint, int]]:
        """The batch less reports the book holds and repeats within it (the first counts)."""
        ids = {footprint.report_id for footprint, _ in recorded}
        if len(ids) == len(recorded) and not (self._rows.keys() & ids):
            return recorded
        seen = set(self._rows)
        unseen = []
        for footprint, seq in recorded:
            if footprint.report_id not in seen:
                seen.add(footprint.report_id)
                unseen.append((footprint, seq))
        return unseen

    def _linkable_near(self, new: Columns) -> Columns:
        """The linkable reports that could link to any of `new`: same families, inside the
        batch's box and time span widened by the longest reach. Reports are kept in parts (one
        per batch, as they came); a part whose time span misses the batch's is skipped whole,
        so a stream of small imports in time order reads only the recent parts."""
        if self._pending:
            self._parts.append(columns(self._pending))
            self._pending = []
        selected = [columns([])]
        new = new.placed()  # a report with no place links to nothing
        if not len(new):
            return selected[0]
        low, high = new.start.min() - self._reach_s, new.end.max() + self._reach_s
        families = np.unique(new.family)
        for part in self._parts:
            if not len(part) or part.end_max < low or part.start_min > high:
                continue
            keep = (
                np.isin(part.family, families)
                & (part.end >= low)
                & (part.start <= high)
                & (part.x >= new.x.min() - self._reach_m)
                & (part.x <= new.x.max() + self._reach_m)
                & (part.y >= new.y.min() - self._reach_m)
                & (part.y <= new.y.max() + self._reach_m)
            )
            if self._pinned:
                keep &= ~np.isin(part.ids, np.array(sorted(self._pinned), dtype=object))
            selected.append(part.take(keep))
        return Columns.concat(selected)

    def merge(self, first: int, second: int) -> int:
        """One incident from two; returns its number (the lower)."""
        for number in (first, second):
            if not self._members.get(number):
                raise BookError(f"{incident_label(number)} is not a current incident")
        if first == second:
            raise BookError(f"{incident_label(first)} cannot be merged with itself")
        number = min(first, second)
        self._rename(max(first, second), number)
        return number

    def split(self, incident: int, report_ids: Iterable[str], split_seq: int) -> tuple[int, int]:
        """Move `report_ids` out of `incident` into a new incident numbered `split_seq`, pinned;
        returns (new incident, the number the rest now has)."""
        members = self._members.get(incident, set())
        chosen = set(report_ids)
        if not members:
            raise BookError(f"{incident_label(incident)} is not a current incident")
        strangers = sorted(chosen - members)
        if strangers:
            raise BookError(f"not in {incident_label(incident)}: {', '.join(strangers)}")
        if not chosen or chosen == members:
            raise BookError("a split needs some, but not all, of the incident's reports")
        rest = members - chosen
        for report_id in sorted(chosen):
            self._pinned.add(report_id)
            self._put(Membership(report_id, split_seq, split_seq, pinned=True))
        rest_number = min(self._rows[r].key for r in rest)
        if rest_number != incident:
            self._rename(incident, rest_number)
        return split_seq, rest_number

    # -- internals -----------------------------------------------------------------------
    def _put_new(self, rows: list[Membership]) -> None:
        """Rows for reports the book has not seen: no old incident to leave."""
        members = self._members
        for row in rows:
            members[row.incident].add(row.report_id)
        pairs = [(row.report_id, row) for row in rows]
        self._rows.update(pairs)
        self.changes.rows.update(pairs)
        self.changes.new.update(row.report_id for row in rows)

    def _put(self, row: Membership, *, changed: bool = True) -> None:
        old = self._rows.get(row.report_id)
        if old is not None:
            self._members[old.incident].discard(row.report_id)
            if not self._members[old.incident]:
                del self._members[old.incident]
        self._rows[row.report_id] = row
        self._members[row.incident].add(row.report_id)
        if changed:
            self.changes.rows[row.report_id] = row

    def _rename(self, old: int, new: int) -> None:
        self.changes.renames.append((old, new))
        for report_id in sorted(self._members.get(old, ())):
            row = self._rows[report_id]
            self._put(Membership(report_id, new, row.key, row.pinned), changed=False)
            if report_id in self.changes.rows:
                self.changes.rows[report_id] = self._rows[report_id]
