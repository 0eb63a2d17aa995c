"""Which incident each report belongs to, kept up to date one change at a time.

Two layers make an incident:

- the *automatic groups* of the grouping rule (`grouping`): each groupable report's first
  report (`Membership.first`);
- the *links* analysts and sources add: an analyst's merge links the two incidents' numbered
  reports; a report that updates another is linked to it. An analyst's split pins the reports
  it moves out (grouped by hand from then on, never by the rule) and cuts the links that held
  them to the rest.

An incident is a set of reports joined by these (automatic groups, pinned groups, links), and
is numbered by the smallest *key* among its reports, shown as `INC-<n>`. A report's key is the
ledger sequence number of the entry that recorded it, or, once split off, that of the split.
An old number therefore always leads to the incident now holding the report (or split) it was
named after, whatever a later report did to the groups.

A late report can change the automatic groups after it in canonical order: it may become the
first report of an event others had started, take a source's place in an incident, or be a
report's nearest of its source. The book re-decides only what can change: the reports within
reach of what was added or removed, then those within reach of whatever changed, later in
canonical order, round after round until nothing more changes (`_regroup`); a batch with
nothing held near it (a first import, or reports far from the rest) is decided alone.
Whatever the book needs and does not hold, it asks its `Loader` for (the store's queries); with
no loader, it holds the whole record (a replay). The same book serves the live path and the
replay `verify` compares with, so the two cannot disagree by construction; property tests hold
both to the plain statement of the rule.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from ceasefire.domain.incidents.firsts import (
    assign_firsts,
    candidates_of,
    nearest_of_each_source,
)
from ceasefire.domain.incidents.grouping import DEFAULT_RULES, MAX_RADIUS_M, Footprint, LinkRule
from ceasefire.domain.incidents.links import Columns, columns, link_pairs, near_box
from ceasefire.domain.taxonomy import Family

# Parts of columns a kept book folds into one (`committed`).
_MOST_PARTS = 32
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
    # The first report of its automatic group: itself when it starts one or the rule does not
    # group it (no place; an update); None when pinned.
    first: str | None


class Link(NamedTuple):
    """Two reports held in one incident: by an analyst's merge (`seq` the review's entry), or
    because one updates the other (`seq` the update's). The other report may not be in the
    record yet: an update can arrive before what it updates."""

    report_id: str
    other_id: str
    kind: str  # "merge" or "update"
    seq: int


MERGE = "merge"
UPDATE = "update"


@dataclass
class Changes:
    """What the book changed, to write back: rows as they now are (`new`: reports with no
    stored row yet), and links added and removed."""

    rows: dict[str, Membership] = field(default_factory=dict)
    new: set[str] = field(default_factory=set)
    links_added: set[Link] = field(default_factory=set)
    links_removed: set[Link] = field(default_factory=set)


class Loader(Protocol):
    """What a book asks of the stored record; each answer may include reports it holds."""

    def near(self, footprints: Sequence[Footprint]) -> Iterable[tuple[Footprint, Membership]]:
        """Stored, unpinned reports that could be within reach of any of these."""

    def incidents(self, numbers: Collection[int]) -> Iterable[tuple[Footprint, Membership]]:
        """Every stored report of these incidents."""

    def reports(self, report_ids: Collection[str]) -> Iterable[tuple[Footprint, Membership]]:
        """These stored reports (those that are stored)."""

    def links(self, report_ids: Collection[str]) -> Iterable[Link]:
        """The stored links touching these reports."""


class IncidentBook:
    def __init__(
        self, rules: dict[Family, LinkRule] | None = None, *, loader: Loader | None = None
    ) -> None:
        self.rules = dict(DEFAULT_RULES if rules is None else rules)
        self._loader = loader
        self._footprints: dict[str, Footprint] = {}
        self._rows: dict[str, Membership] = {}
        self._stored: dict[str, Membership] = {}  # rows as the loader gave them
        self._first: dict[str, str | None] = {}  # the automatic layer, as it now stands
        self._members: dict[int, set[str]] = defaultdict(set)
        self._links: dict[str, set[Link]] = defaultdict(set)
        self.changes = Changes()
        # Groupable, unpinned reports as columns, for finding what is within reach; loaded
        # rows wait in `_pending` until a lookup needs them; pinned rows are masked out.
        self._parts: list[Columns] = []
        self._pending: list[Footprint] = []
        self._ungrouped: set[str] = set()
        self._asked_near: set[str] = set()
        self._asked_incidents: set[int] = set()
        self._asked_links: set[str] = set()
        self._asked_reports: set[str] = set()
        self._reach_m = max(r.distance_m for r in self.rules.values()) + 2 * MAX_RADIUS_M
        self._reach_s = max(r.time for r in self.rules.values()).total_seconds()

    # -- state ---------------------------------------------------------------------------
    def seed(self, footprint: Footprint, row: Membership) -> None:
        """A stored report and its stored membership (what a loader gives)."""
        if footprint.report_id in self._rows:
            return
        self._footprints[footprint.report_id] = footprint
        self._rows[footprint.report_id] = self._stored[footprint.report_id] = row
        self._first[footprint.report_id] = row.first
        self._members[row.incident].add(row.report_id)
        if footprint.groupable and not row.pinned:
            self._pending.append(footprint)

    def committed(self) -> None:
        """The changes so far are stored: they are what the stored rows now say, and the
        next step's changes start from them (a writer keeps its book between transactions:
        `services.appender`)."""
        self._stored.update(self.changes.rows)
        self.changes = Changes()
        if len(self._parts) > _MOST_PARTS:  # one part per batch: fold them, or finding what
            self._parts = [Columns.concat(self._parts)]  # is near walks them all in Python

    def caught_up(self, rows: Iterable[tuple[Footprint, Membership]]) -> None:
        """Stored rows another writer wrote since this book's last step, which left every
        pinned report and every cut link as they were (reports grouped, no review): each row
        replaces the one held, or is held from now on. (The links its reports brought, the
        book asks its loader for as for any report it has not asked about.)"""
        for footprint, row in rows:
            old = self._rows.get(footprint.report_id)
            if old is None:
                self.seed(footprint, row)
                continue
            self._move(row.report_id, old.incident, row.incident)
            self._rows[row.report_id] = self._stored[row.report_id] = row
            self._first[row.report_id] = row.first

    def ask(self, loader: Loader) -> None:
        """Ask `loader` from now on for what the book does not hold (the next transaction's)."""
        self._loader = loader

    def __len__(self) -> int:
        """How many reports it holds."""
        return len(self._rows)

    def membership(self, report_id: str) -> Membership | None:
        return self._rows.get(report_id)

    def rows(self) -> list[Membership]:
        return sorted(self._rows.values(), key=lambda m: m.report_id)

    def members(self, incident: int) -> frozenset[str]:
        return frozenset(self._members.get(incident, ()))

    def links(self) -> list[Link]:
        return sorted({link for links in self._links.values() for link in links})

    def held(self, report_id: str) -> bool:
        return report_id in self._rows

    def load_incidents(self, numbers: Iterable[int]) -> None:
        """Hold every report of these incidents (before a merge or split is checked)."""
        self._ask_incidents(set(numbers))

    # -- steps ---------------------------------------------------------------------------
    def add(self, footprint: Footprint, seq: int) -> int:
        """A newly recorded report; returns the incident it is now in."""
        self.add_all([(footprint, seq)])
        return self._rows[footprint.report_id].incident

    def add_all(self, recorded: Iterable[tuple[Footprint, int]]) -> None:
        """Newly recorded reports with their ledger seqs."""
        batch = self._unseen(list(recorded))
        if not batch:
            return
        keys = {footprint.report_id: seq for footprint, seq in batch}
        self._footprints.update((footprint.report_id, footprint) for footprint, _ in batch)
        added = [footprint for footprint, _ in batch if footprint.groupable]
        if len(added) < len(batch):
            for footprint, seq in batch:
                if footprint.groupable:
                    continue
                # The rule does not group it: it stands alone, but for its links.
                self._first[footprint.report_id] = footprint.report_id
                if footprint.updates is not None:
                    self._add_link(Link(footprint.report_id, footprint.updates, UPDATE, seq))
        self._ask_links(keys)  # updates that arrived before what they update
        changed = self._regroup(_canonical_order(columns(added)), {})
        self._renumber(changed, keys)

    def merge(self, first: int, second: int, seq: int) -> int:
        """One incident from two (a link between their numbered reports); returns its number
        (the lower)."""
        self.check_merge(first, second)
        self.link(self.numbered(first), self.numbered(second), seq)
        return min(first, second)

    def link(self, report_id: str, other_id: str, seq: int) -> None:
        """An analyst's merge, as a link between two held reports (a replay's way in)."""
        self._ask_incidents({self._rows[r].incident for r in (report_id, other_id)})
        self._add_link(Link(report_id, other_id, MERGE, seq))
        self._renumber({report_id, other_id})

    def check_merge(self, first: int, second: int) -> None:
        self._ask_incidents({first, second})
        for number in (first, second):
            if not self._members.get(number):
                raise BookError(f"{incident_label(number)} is not a current incident")
        if first == second:
            raise BookError(f"{incident_label(first)} cannot be merged with itself")

    def split(self, incident: int, report_ids: Iterable[str], split_seq: int) -> tuple[int, int]:
        """Move `report_ids` out of `incident` into a new incident numbered `split_seq`;
        returns (new incident, the number its lowest-keyed remaining report is now in)."""
        chosen = set(report_ids)
        self.check_split(incident, chosen)
        rest = set(self._members[incident]) - chosen
        self.pin(chosen, split_seq)
        lowest = min(rest, key=lambda r: (self._rows[r].key, r))
        return self._rows[min(chosen)].incident, self._rows[lowest].incident

    def pin(self, report_ids: Collection[str], split_seq: int) -> None:
        """Pin held reports into one group keyed `split_seq` (grouped by hand from then on),
        cutting the links that held them to the other reports of their incidents; the rule
        regroups what remains as it would have without them."""
        chosen = set(report_ids)
        incidents = {self._rows[r].incident for r in chosen}
        self._ask_incidents(incidents)
        members = set().union(*(self._members[n] for n in incidents))
        self._ask_links(members)
        for report_id in chosen:
            for link in list(self._links.get(report_id, ())):
                other = link.other_id if link.report_id == report_id else link.report_id
                if other in members and other not in chosen:
                    self._remove_link(link)
        # Their first reports as they were: each loses a source, so what it turned away may
        # now join it (read before the rows below are overwritten).
        removed = {r: first for r in sorted(chosen) if (first := self._first.get(r)) is not None}
        for report_id in chosen:
            self._first[report_id] = None
            row = self._rows[report_id]
            self._rows[report_id] = Membership(report_id, row.incident, split_seq, True, None)
        self._ungrouped.update(chosen)
        changed = self._regroup(None, removed)
        self._renumber(members | changed)

    def check_split(self, incident: int, chosen: Collection[str]) -> None:
        self._ask_incidents({incident})
        members = self._members.get(incident, set())
        if not members:
            raise BookError(f"{incident_label(incident)} is not a current incident")
        strangers = sorted(set(chosen) - members)
        if strangers:
            raise BookError(f"not in {incident_label(incident)}: {', '.join(strangers)}")
        if not chosen or set(chosen) == members:
            raise BookError("a split needs some, but not all, of the incident's reports")

    # -- the automatic layer -----------------------------------------------------------------
    def _regroup(self, added: Columns | None, removed: Mapping[str, str]) -> set[str]:
        """Re-decide the automatic groups after `added` (columns in canonical order, the
        batch's new part) became groupable and `removed` (with the first report each had)
        stopped being so; returns every report whose first report changed, with its old and
        new first reports.

        What can change: every report within reach of an added or removed one (its nearest
        report of that one's source may have changed, whether it comes before or after), and
        after that only reports later in canonical order than the earliest of those, within
        reach of a report that changed or of its first report (their candidates or their
        candidates' sources changed). The region to re-decide starts there and grows by the
        reach of whatever turns out changed, until a round changes nothing outside what was
        already followed."""
        new_part = added if added is not None and len(added) else None
        if new_part is not None:
            self._parts.append(new_part)
        added_ids: list[str] = [] if new_part is None else new_part.ids.tolist()
        if not added_ids and not removed:
            return set()
        # Round one: whatever is within reach of a new or removed report, or of a removed
        # report's first report.
        near = self._within_reach({*removed, *removed.values()}, new_part, set(), all_new=True)
        if not near and not removed:  # nothing held is near: the new reports decide alone
            assert new_part is not None
            ids, firsts, _ = self._decide(new_part, new_part, set())
            self._first.update(zip(ids, firsts, strict=True))
            return set(ids)
        seeds = {*added_ids, *removed, *removed.values()}
        floor = min(self._footprints[r].canonical for r in (*added_ids[:1], *removed, *near))
        before: dict[str, str | None] = dict(removed)
        extra: set[str] = set()  # held reports re-decided with the new ones
        frontier: set[str] = set(seeds)
        followed: set[str] = set()
        touched: set[str] = set()
        decided_extra: set[str] | None = None
        while frontier - followed:
            ring = frontier - followed
            reached = near if not followed else self._within_reach(ring, new_part, extra)
            followed |= ring
            for report_id in reached:
                if self._footprints[report_id].canonical >= floor:
                    extra.add(report_id)
                    before.setdefault(report_id, self._first.get(report_id))
            if extra == decided_extra or (new_part is None and not extra):
                continue
            decided_extra = set(extra)
            region = self._region(new_part, extra)
            ids, firsts, joined_held = self._decide(region, new_part, extra)
            self._first.update(zip(ids, firsts, strict=True))
            if not before and not joined_held:  # new reports only, none joining a held first:
                touched.update(ids)  # all changed, their firsts among them
                frontier.update(ids)
                continue
            changed = [
                r for r, f in zip(ids, firsts, strict=True) if r not in before or f != before[r]
            ]
            frontier.update(changed)
            frontier.update(f for r in changed if (f := self._first[r]) is not None)
            frontier.update(f for r in changed if (f := before.get(r)) is not None)
            touched.update(changed)
        return (
            touched
            | {f for r in touched if (f := before.get(r)) is not None}
            | {f for r in touched if (f := self._first.get(r)) is not None}
        )

    def _region(self, new_part: Columns | None, extra: set[str]) -> Columns:
        """The new part and the held reports re-decided with it, in canonical order."""
        held = columns([self._footprints[r] for r in sorted(extra)])
        if new_part is None:
            return _canonical_order(held)
        return new_part if not extra else _canonical_order(Columns.concat([new_part, held]))

    def _within_reach(
        self,
        ids: set[str],
        new_part: Columns | None,
        extra: set[str],
        *,
        all_new: bool = False,
    ) -> list[str]:
        """Held groupable reports within reach of any of `ids` (which need not be groupable
        any longer), and of the whole new part when `all_new`, less the region (the new part
        and `extra`)."""
        parts = []
        if new_part is not None and all_new:
            parts.append(new_part)
        elif new_part is not None:
            mine = np.array([r in ids for r in new_part.ids.tolist()], dtype=bool)
            parts.append(new_part if mine.all() else new_part.take(mine))
            ids = ids - set(parts[0].ids.tolist())
        footprints = [f for r in sorted(ids) if (f := self._footprints[r]).groupable]
        parts.append(columns(footprints))
        cols = Columns.concat(parts)
        if not len(cols):
            return []
        self._ask_near([self._footprints[r] for r in cols.ids.tolist()])
        near = self._linkable_near(cols, skip=new_part, exclude=extra)
        if not len(near):
            return []
        _, j, _ = link_pairs(cols, near, self.rules)
        return sorted(set(near.ids[j].tolist()))

    def _decide(
        self, region: Columns, new_part: Columns | None, extra: set[str]
    ) -> tuple[list[str], list[str], bool]:
        """The first report of every report in `region` (columns in canonical order), with
        everything else held as it is; and whether any joined a first report outside it."""
        size = len(region)
        ids: list[str] = region.ids.tolist()
        self._ask_near([self._footprints[r] for r in extra])
        context = self._linkable_near(region, skip=new_part, exclude=extra)
        every = Columns.concat([region, context])
        within_i, within_j, within_share = link_pairs(region, None, self.rules)
        across_j, across_c, across_share = link_pairs(region, context, self.rules)
        rank = _ranks(every, ordered=size)
        codes, source = np.unique(every.source, return_inverse=True)
        # Every pair as (region row j, other row i): within the region both ways round.
        j = np.concatenate((within_j, within_i, across_j))
        i = np.concatenate((within_i, within_j, size + across_c))
        share = np.concatenate((within_share, within_share, across_share))
        keep = nearest_of_each_source(j, i, share, rank, source) & (rank[i] < rank[j])
        candidates = candidates_of(size, j[keep], i[keep], share[keep])
        source_of = {source_id: code for code, source_id in enumerate(codes.tolist())}
        every_ids: list[str] = every.ids.tolist()
        context_firsts = [self._first.get(c) == c for c in every_ids[size:]]
        held = set(every_ids[size:]) | extra
        taken = self._taken_outside(every_ids, held, candidates.rows, ids, source_of)
        firsts = assign_firsts(
            size, candidates, rank.tolist(), source.tolist(), context_firsts, taken
        )
        return ids, [every_ids[first] for first in firsts], max(firsts, default=0) >= size

    def _taken_outside(
        self,
        every: list[str],
        held: set[str],
        candidate_rows: list[int],
        region: list[str],
        source_of: dict[str, int],
    ) -> dict[tuple[int, int], int]:
        """For each candidate held before this step that is a first report, and each source of
        its members outside the region (they keep their place): how many region rows come
        before the earliest such member."""
        firsts = {
            report_id
            for k in set(candidate_rows)
            if (report_id := every[k]) in held and self._first.get(report_id) == report_id
        }
        if not firsts:
            return {}
        self._ask_incidents({self._rows[f].incident for f in firsts if f in self._rows})
        local = {report_id: k for k, report_id in enumerate(every)}
        inside = set(region)
        earliest: dict[tuple[int, int], tuple[datetime, str]] = {}
        for first in firsts:
            row = self._rows.get(first)
            if row is None:
                continue
            for member in self._members[row.incident]:
                if member in inside or self._first.get(member) != first:
                    continue
                footprint = self._footprints[member]
                code = source_of.get(footprint.source_id)
                if code is None:  # no region row has its source: it bars none
                    continue
                key = (local[first], code)
                if key not in earliest or footprint.canonical < earliest[key]:
                    earliest[key] = footprint.canonical
        order = [self._footprints[r].canonical for r in region]
        return {key: bisect.bisect_left(order, at) for key, at in earliest.items()}

    def _linkable_near(self, new: Columns, *, skip: Columns | None, exclude: set[str]) -> Columns:
        """The held groupable reports that could be within reach of any of `new`, less the
        part `skip`, the pinned ones and the reports `exclude`."""
        if self._pending:
            self._parts.append(columns(self._pending))
            self._pending = []
        near = near_box(self._parts, new, self._reach_m, self._reach_s, skip=skip)
        if (self._ungrouped or exclude) and len(near):
            hidden = self._ungrouped | exclude
            near = near.take(np.array([r not in hidden for r in near.ids.tolist()], dtype=bool))
        return near

    # -- incidents: groups joined by links -------------------------------------------------
    def _renumber(self, touched: set[str], new: dict[str, int] | None = None) -> None:
        """Number again every incident that holds one of `touched` or of the `new` reports
        (with their keys), or held one before."""
        new = new or {}
        held = {r for r in touched if r in self._rows}
        incidents = {self._rows[r].incident for r in held}
        self._ask_incidents({self._stored[r].incident for r in held if r in self._stored})
        self._ask_links(held)
        scope: set[str] = set()  # held reports to number again
        seen: set[int] = set()
        links = self._links
        # The incidents they were in and any report a link reaches, until nothing is added.
        while True:
            for number in sorted(incidents - seen):
                scope |= self._members.get(number, set())
            seen |= incidents
            self._ask_links(scope)
            if links:
                self._ask_links(new.keys())
            ends = {
                end
                for report_id in (scope | new.keys() if links else ())
                if report_id in links
                for link in links[report_id]
                for end in link[:2]
            }
            # (Sets, not `- dict.keys()`: that copies every key of the record.)
            self._ask_reports({r for r in ends if r not in self._rows and r not in new})
            reached = {self._rows[r].incident for r in ends if r in self._rows} - seen
            if not reached:
                break
            self._ask_incidents({self._stored[r].incident for r in ends if r in self._stored})
            incidents |= reached
        self._number(list(new), [r for r in scope if r not in new], new)

    def _number(self, fresh: list[str], held: list[str], new: dict[str, int]) -> None:
        """Number the incidents of the `fresh` reports (keyed in `new`) and the `held` ones
        (together closed under groups and links) by their smallest keys, in compiled code: a
        bulk import numbers a million at once."""
        rows, first_of = self._rows, self._first
        scope = fresh + held
        size = len(scope)
        index = {report_id: k for k, report_id in enumerate(scope)}
        firsts = [first_of[r] for r in scope]
        group = np.fromiter(
            (size if first is None else index[first] for first in firsts), np.intp, size
        )
        pinned = np.flatnonzero(group == size)
        if len(pinned):  # a pinned report's group is its split's: the label of its first row
            label: dict[int, int] = {}
            for k in pinned.tolist():
                group[k] = label.setdefault(rows[scope[k]].key, k)
        keys = np.fromiter(
            itertools.chain(new.values(), (rows[r].key for r in held)), np.int64, size
        )
        component = self._joined(scope, index, group)
        lowest = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(lowest, component, keys)
        numbers = lowest[component].tolist()
        if fresh:
            made = list(
                map(
                    Membership._make,
                    zip(
                        fresh, numbers, new.values(), itertools.repeat(False), firsts, strict=False
                    ),
                )
            )
            pairs = list(zip(fresh, made, strict=True))
            rows.update(pairs)
            self.changes.rows.update(pairs)
            self.changes.new.update(fresh)
            members = self._members
            for report_id, number in zip(fresh, numbers, strict=False):
                members[number].add(report_id)
        for report_id, number, first in zip(
            held, numbers[len(fresh) :], firsts[len(fresh) :], strict=True
        ):
            row = rows[report_id]
            if row.incident != number or row.first != first:
                self._put(Membership(report_id, number, row.key, row.pinned, first))
            elif row != self._stored.get(report_id):
                self.changes.rows[report_id] = row

    def _joined(
        self, scope: list[str], index: dict[str, int], group: NDArray[np.intp]
    ) -> NDArray[np.intp]:
        """Each report's component: its group, joined to others by the links between them."""
        links = self._links
        edges = [
            (group[index[link.report_id]], group[index[link.other_id]])
            for report_id in (scope if links else ())
            if report_id in links
            for link in links[report_id]
            if link.report_id == report_id and link.other_id in index
        ]
        if not edges:
            return group
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        a, b = np.array(edges, dtype=np.intp).T
        size = len(scope)
        graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
        return connected_components(graph, directed=False)[1][group].astype(np.intp)

    def _move(self, report_id: str, old: int, new: int) -> None:
        """The report is in incident `new` now, no longer in `old`."""
        if old != new:
            members = self._members[old]
            members.discard(report_id)
            if not members:
                del self._members[old]
            self._members[new].add(report_id)

    def _put(self, row: Membership) -> None:
        self._move(row.report_id, self._rows[row.report_id].incident, row.incident)
        self._rows[row.report_id] = row
        if row == self._stored.get(row.report_id):
            self.changes.rows.pop(row.report_id, None)
        else:
            self.changes.rows[row.report_id] = row

    def numbered(self, number: int) -> str:
        """The report incident `number` is named after (the lowest id among a split's)."""
        found = [r for r in self._members.get(number, ()) if self._rows[r].key == number]
        if not found:
            raise BookError(f"{incident_label(number)} is not a current incident")
        return min(found)

    def _add_link(self, link: Link) -> None:
        self._links[link.report_id].add(link)
        self._links[link.other_id].add(link)
        if link in self.changes.links_removed:
            self.changes.links_removed.discard(link)
        else:
            self.changes.links_added.add(link)

    def _remove_link(self, link: Link) -> None:
        for end in (link.report_id, link.other_id):
            self._links[end].discard(link)
        if link in self.changes.links_added:
            self.changes.links_added.discard(link)
        else:
            self.changes.links_removed.add(link)

    # -- what the loader is asked --------------------------------------------------------------
    def _ask_near(self, footprints: Sequence[Footprint]) -> None:
        if self._loader is None:
            return
        wanted = [f for f in footprints if f.report_id not in self._asked_near]
        if wanted:
            self._asked_near.update(f.report_id for f in wanted)
            self._load(self._loader.near(wanted))

    def _ask_incidents(self, numbers: set[int]) -> None:
        if self._loader is None:
            return
        wanted = numbers - self._asked_incidents
        if wanted:
            self._asked_incidents |= wanted
            self._load(self._loader.incidents(wanted))

    def _ask_reports(self, report_ids: set[str]) -> None:
        """Reports a link reaches that the book does not hold (in the record or not yet)."""
        wanted = report_ids - self._asked_reports
        if self._loader is not None and wanted:
            self._asked_reports |= wanted
            self._load(self._loader.reports(wanted))

    def _ask_links(self, report_ids: Iterable[str]) -> None:
        if self._loader is None:
            return
        wanted = set(report_ids) - self._asked_links
        if not wanted:
            return
        self._asked_links |= wanted
        held = self._links_held()
        found = [link for link in self._loader.links(wanted) if link not in held]
        self._ask_reports({end for link in found for end in link[:2] if end not in self._rows})
        for link in found:
            self._links[link.report_id].add(link)
            self._links[link.other_id].add(link)

    def _links_held(self) -> set[Link]:
        return {link for links in self._links.values() for link in links}

    def _load(self, rows: Iterable[tuple[Footprint, Membership]]) -> None:
        for footprint, row in rows:
            self.seed(footprint, row)

    def _unseen(self, recorded: list[tuple[Footprint, int]]) -> list[tuple[Footprint, int]]:
        """The batch less reports the book holds and repeats within it (the first counts)."""
        ids = {footprint.report_id for footprint, _ in recorded}
        if len(ids) == len(recorded) and not any(r in self._rows for r in ids):
            return recorded
        seen = set(self._rows)
        unseen = []
        for footprint, seq in recorded:
            if footprint.report_id not in seen:
                seen.add(footprint.report_id)
                unseen.append((footprint, seq))
        return unseen


def _ranks(cols: Columns, ordered: int = 0) -> np.ndarray:
    """Each row's position in canonical order (observed start, then report id); the first
    `ordered` rows are known to be in that order (when they are all, nothing is sorted)."""
    if ordered == len(cols):
        return np.arange(len(cols), dtype=np.int64)
    rank = np.empty(len(cols), dtype=np.int64)
    rank[np.lexsort((cols.ids.astype(str), cols.start))] = np.arange(len(cols))
    return rank


def _canonical_order(cols: Columns) -> Columns:
    if len(cols) < 2:
        return cols
    return cols.take(np.lexsort((cols.ids.astype(str), cols.start)))
