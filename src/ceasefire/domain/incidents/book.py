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
cannot disagree by construction; a property test holds them to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ceasefire.domain.incidents.grouping import Footprint, LinkIndex, LinkRule
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


@dataclass(frozen=True, slots=True)
class Membership:
    report_id: str
    incident: int
    key: int  # the report's own ledger seq, or the split that pinned it
    pinned: bool


@dataclass
class Changes:
    """What a step changed, to write back: renames first (they reach stored rows the book
    never loaded), then the rows of `rows` as they now are."""

    renames: list[tuple[int, int]] = field(default_factory=list)
    rows: dict[str, Membership] = field(default_factory=dict)


class IncidentBook:
    def __init__(self, rules: dict[Family, LinkRule] | None = None) -> None:
        self._index = LinkIndex(rules)
        self._rows: dict[str, Membership] = {}
        self._members: dict[int, set[str]] = defaultdict(set)
        self.changes = Changes()

    # -- state ---------------------------------------------------------------------------
    def seed(self, footprint: Footprint, row: Membership) -> None:
        """A stored report and its stored membership (live path: neighbours of a batch)."""
        if footprint.report_id in self._rows:
            return
        self._put(row, changed=False)
        if not row.pinned:
            self._index.add(footprint)

    @property
    def index(self) -> LinkIndex:
        return self._index

    def memberships_only(self) -> IncidentBook:
        """A copy of the memberships without the link index: enough to try a merge or split
        and see whether it would be refused."""
        copy = IncidentBook(self._index.rules)
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
        if footprint.report_id in self._rows:
            return self._rows[footprint.report_id].incident
        touched = {self._rows[other].incident for other in self._index.linked(footprint)}
        number = min(touched | {seq})
        for other in sorted(touched - {number}):
            self._rename(other, number)
        self._put(Membership(footprint.report_id, number, seq, pinned=False))
        self._index.add(footprint)
        return number

    def add_all(self, recorded: Iterable[tuple[Footprint, int]]) -> None:
        for footprint, seq in recorded:
            self.add(footprint, seq)

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
            self._index.remove(report_id)
            self._put(Membership(report_id, split_seq, split_seq, pinned=True))
        rest_number = min(self._rows[r].key for r in rest)
        if rest_number != incident:
            self._rename(incident, rest_number)
        return split_seq, rest_number

    # -- internals -----------------------------------------------------------------------
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
