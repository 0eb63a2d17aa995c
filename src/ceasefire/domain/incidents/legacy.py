"""The first release's grouping (single linkage), replayed only to say what its reviews judged.

A record grouped under that rule is regrouped under the first-report rule (`store.incident_check
.regroup`). Each review it holds judged its incident *as it stood when the review was made*:
single linkage only ever joined incidents, so the incident a review named may have grown after
it, by chaining or by a hand merge, to hold reports the analyst never saw with it. Replaying the
old rule up to each review gives exactly the reports it judged.

The old rule: two placed reports of a family within reach (`grouping.share`) are linked, and an
incident is what links join; an analyst's merge joins two incidents; a split moves reports out
into an incident of their own, numbered by the split, never linked again, and leaves the rest
as it was. An incident is numbered by its smallest key (a report's ledger entry, or a split's).
"""

from __future__ import annotations

from collections.abc import Iterable

from ceasefire.domain.incidents.grouping import DEFAULT_RULES, MAX_RADIUS_M, Footprint, LinkRule
from ceasefire.domain.incidents.links import Columns, columns, link_pairs, near_box
from ceasefire.domain.taxonomy import Family


class SingleLinkage:
    def __init__(self, rules: dict[Family, LinkRule] | None = None) -> None:
        self.rules = dict(DEFAULT_RULES if rules is None else rules)
        self._parent: dict[str, str] = {}  # node -> parent node
        self._members: dict[str, set[str]] = {}  # root node -> the reports it holds
        self._node: dict[str, str] = {}  # report -> its node (itself, or its split's)
        self._by_key: dict[int, str] = {}  # a report's seq -> the report; a split's -> its node
        self._parts: list[Columns] = []
        self._pinned: set[str] = set()
        self._reach_m = max(r.distance_m for r in self.rules.values()) + 2 * MAX_RADIUS_M
        self._reach_s = max(r.time for r in self.rules.values()).total_seconds()

    def add_all(self, recorded: Iterable[tuple[Footprint, int]]) -> None:
        batch = [(f, seq) for f, seq in recorded if f.report_id not in self._node]
        if not batch:
            return
        for footprint, seq in batch:
            node = footprint.report_id
            self._parent[node] = node
            self._members[node] = {node}
            self._node[node] = node
            self._by_key[seq] = node
        placed = [f for f, _ in batch if f.placed]
        new = columns([_without_update(f) for f in placed])
        old = near_box(self._parts, new, self._reach_m, self._reach_s)
        within_i, within_j, _ = link_pairs(new, None, self.rules)
        across_i, across_j, _ = link_pairs(new, old, self.rules)
        ids, old_ids = new.ids.tolist(), old.ids.tolist()
        for i, j in zip(within_i.tolist(), within_j.tolist(), strict=True):
            self._union(ids[i], ids[j])
        for i, j in zip(across_i.tolist(), across_j.tolist(), strict=True):
            if old_ids[j] not in self._pinned:
                self._union(ids[i], self._node[old_ids[j]])
        self._parts.append(new)

    def judged(self, number: int) -> set[str]:
        """The reports incident `number` holds now (empty if the number names nothing)."""
        node = self._keyed(number)
        return set(self._members[self._find(node)]) if node is not None else set()

    def merge(self, first: int, second: int) -> None:
        a, b = self._keyed(first), self._keyed(second)
        if a is not None and b is not None:
            self._union(a, b)

    def _keyed(self, number: int) -> str | None:
        """The node of what `number` is named after: the report of that seq wherever it is
        now, or the split of that seq."""
        named = self._by_key.get(number)
        return None if named is None else self._node.get(named, named)

    def split(self, report_ids: Iterable[str], seq: int) -> None:
        node = f"split:{seq}"
        self._parent[node] = node
        self._members[node] = set()
        self._by_key[seq] = node
        for report_id in report_ids:
            if report_id not in self._node:
                continue
            self._members[self._find(self._node[report_id])].discard(report_id)
            self._node[report_id] = node
            self._members[node].add(report_id)
            self._pinned.add(report_id)

    def _find(self, node: str) -> str:
        root = node
        while self._parent[root] != root:
            root = self._parent[root]
        while node != root:
            self._parent[node], node = root, self._parent[node]
        return root

    def _union(self, a: str, b: str) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a == root_b:
            return
        if len(self._members[root_a]) < len(self._members[root_b]):
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._members[root_a] |= self._members.pop(root_b)


def _without_update(footprint: Footprint) -> Footprint:
    """The old rule knew no updates: every placed report was linked by place and time."""
    if footprint.updates is None:
        return footprint
    from dataclasses import replace

    return replace(footprint, updates=None)
