"""The clock's violations, kept between steps: a step reads what changed, not the record.

A clock step needs every violation in the record (the plan is replayed over them). Told from
scratch, that is every incident's story at every step: seconds at twenty thousand reports,
minutes at a million, every 30 s. A running process (`ceasefire clock`, `serve`) keeps the
stories (`speed.stories`, retelling only the incidents a new entry touched) and, here, each
incident's violation, brought up to date from the incidents told again since the last step.
The answer is the one `services.violations.violations_in_record` gives (property-tested);
only how much is read to give it changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from ceasefire.domain.enforcement.violations import Violation
from ceasefire.services.commitments import missed_commitments
from ceasefire.services.violations import as_violation
from ceasefire.speed.stories import Where, changes_between, told_now, where_told
from ceasefire.store.agreement_store import agreement_named


@dataclass
class _Kept:
    state: tuple[int, int, int]  # the told state the violations are current to
    by_incident: dict[int, Violation]


_KEPT: dict[Where, _Kept] = {}
_KEEPING = threading.Lock()


def violations_now(
    connection: Connection, agreement: str | None, *, at: datetime
) -> list[Violation]:
    """`violations_in_record`, from the violations kept at the last step and the incidents
    told again since; in full the first time, or when the states kept do not join."""
    loaded = agreement_named(connection, agreement) if agreement else None
    told = told_now(connection, loaded)
    where = where_told(connection, loaded)
    state = (told.head, told.rows, told.numbers)
    with _KEEPING:
        kept = _KEPT.get(where)
        changed: frozenset[int] | None
        if kept is None:
            changed = None
        elif kept.state == state:
            changed = frozenset()
        elif kept.state[0] < told.head:
            changed = changes_between(where, kept.state[0], told.head)
        else:
            changed = None  # the same head, other rows: membership rebuilt outside the log
        if kept is None or changed is None:
            by_incident = {
                number: violation
                for number, story in told.stories.items()
                if (violation := as_violation(story)) is not None
            }
            kept = _KEPT[where] = _Kept(state, by_incident)
        else:
            for number in changed:
                story = told.stories.get(number)
                violation = None if story is None else as_violation(story)
                if violation is None:
                    kept.by_incident.pop(number, None)
                else:
                    kept.by_incident[number] = violation
            kept.state = state
        violations = list(kept.by_incident.values())
    if loaded is not None and loaded.spec.commitments:
        violations += missed_commitments(connection, loaded, at)
    return violations
