"""The clock's violations, kept between steps: a step reads what changed, not the record.

A clock step needs every violation in the record (the plan is replayed over them). Told from
scratch, that is every incident's story at every step: seconds at twenty thousand reports,
minutes at a million, every 30 s. A running process (`ceasefire clock`, `serve`) keeps the
stories (`speed.stories`, retelling only the incidents a new entry touched) and, here, each
incident's violation, brought up to date from the incidents told again since the last step.
The answer is the one `services.violations.violations_in_record` gives (property-tested);
only how much is read to give it changes.

What a step gets is a `KeptViolations`: the violations as a sequence, and what changed since
an earlier state, so that the plan's kept run (`speed.plan_runs`) is fed what arrived without
comparing every violation of the record either.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import overload

import immutables
from sqlalchemy import Connection

from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.incidents.book import incident_label
from ceasefire.services.commitments import missed_commitments
from ceasefire.services.violations import as_violation
from ceasefire.speed.collector import freeze_what_was_read
from ceasefire.speed.stories import Where, changes_between, told_now, where_told
from ceasefire.store.agreement_store import agreement_named

# `speed.stories.record_state` (the ledger's head, the count of rebuilds) and the lineage of
# the stories told: violations kept at one state are brought forward by the incidents told
# again since only within one lineage.
State = tuple[int, int, int]


@dataclass(frozen=True, eq=False)
class KeptViolations(Sequence[Violation]):
    """The record's violations at one told state: one per incident that is one, and the
    agreement's missed commitments (few, computed at each step)."""

    where: Where
    state: State
    by_incident: immutables.Map[int, Violation]
    extra: tuple[Violation, ...]
    _listed: list[Violation] = field(default_factory=list, repr=False)

    def changed_since(self, state: State) -> dict[str, Violation | None] | None:
        """What changed since an earlier state of the same place: each incident's violation
        id, with its violation now (None: no longer one, or gone), and every missed
        commitment; None when the states kept do not join (then compare everything)."""
        if state[1:] != self.state[1:] or state[0] > self.state[0]:
            return None
        if state[0] == self.state[0]:
            numbers: frozenset[int] | None = frozenset()
        else:
            numbers = changes_between(self.where, state[0], self.state[0])
        if numbers is None:
            return None
        found: dict[str, Violation | None] = {
            incident_label(n): self.by_incident.get(n) for n in numbers
        }
        found.update((v.violation_id, v) for v in self.extra)
        return found

    def _all(self) -> list[Violation]:
        if not self._listed and (self.by_incident or self.extra):
            self._listed.extend(self.by_incident.values())
            self._listed.extend(self.extra)
        return self._listed

    def __len__(self) -> int:
        return len(self.by_incident) + len(self.extra)

    @overload
    def __getitem__(self, index: int) -> Violation: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Violation]: ...
    def __getitem__(self, index: int | slice) -> Violation | Sequence[Violation]:
        return self._all()[index]

    def __iter__(self) -> Iterator[Violation]:
        yield from self.by_incident.values()
        yield from self.extra


@dataclass
class _Kept:
    state: State  # the told state the violations are current to
    by_incident: immutables.Map[int, Violation]


_KEPT: dict[Where, _Kept] = {}
_KEEPING = threading.Lock()


def violations_now(
    connection: Connection, agreement: str | None, *, at: datetime, wait: float | None = None
) -> KeptViolations:
    """`violations_in_record`, from the violations kept at the last step and the incidents
    told again since; in full the first time, or when the states kept do not join. `wait`:
    see `speed.stories.told_now`."""
    loaded = agreement_named(connection, agreement) if agreement else None
    told = told_now(connection, loaded, wait=wait)
    where = where_told(connection, loaded)
    state = (*told.state, told.lineage)
    with _KEEPING:
        kept = _KEPT.get(where)
        changed: frozenset[int] | None
        if kept is None or kept.state[1:] != state[1:] or kept.state[0] > state[0]:
            changed = None
        elif kept.state == state:
            changed = frozenset()
        else:
            changed = changes_between(where, kept.state[0], state[0])
        if kept is None or changed is None:
            by_incident = immutables.Map(
                {
                    number: violation
                    for number, story in told.stories.items()
                    if (violation := as_violation(story)) is not None
                }
            )
            kept = _KEPT[where] = _Kept(state, by_incident)
            freeze_what_was_read()
        elif changed:
            with kept.by_incident.mutate() as changing:
                for number in changed:
                    story = told.stories.get(number)
                    violation = None if story is None else as_violation(story)
                    if violation is None:
                        changing.pop(number, None)
                    else:
                        changing[number] = violation
                kept.by_incident = changing.finish()
        kept.state = state
        by_incident = kept.by_incident
    extra: tuple[Violation, ...] = ()
    if loaded is not None and loaded.spec.commitments:
        extra = tuple(missed_commitments(connection, loaded, at))
    return KeptViolations(where, state, by_incident, extra)
