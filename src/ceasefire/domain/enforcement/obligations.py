"""Who still owes an action: one obligation per actor, or one the actors share.

The plan addresses an action to a group ("the coalition of the willing: reinforced presence").
Read as one obligation, the first guarantor's acknowledgement would close it for all twenty-one
and the others would never be reminded; so each actor owes it on its own, is reminded on its
own and is overdue on its own, unless the plan marks the action `shared` ("any one of them"),
when the first acknowledgement discharges it for every actor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Obligation:
    actors: tuple[str, ...]
    shared: bool
    acknowledged: Mapping[str, datetime] = field(default_factory=dict)  # actor -> when

    def as_of(self, at: datetime) -> Obligation:
        """What had been acknowledged by `at` (a report's cut-off, a deadline)."""
        return Obligation(
            self.actors, self.shared, {a: t for a, t in self.acknowledged.items() if t <= at}
        )

    @property
    def waiting(self) -> tuple[str, ...]:
        """The actors who still owe it, in the plan's order."""
        if self.shared and self.acknowledged:
            return ()
        return tuple(a for a in self.actors if a not in self.acknowledged)

    @property
    def met(self) -> bool:
        return not self.waiting

    def owes(self, actor: str) -> bool:
        return actor in self.waiting

    def tally(self) -> str:
        """ "7 of 21 acknowledged", or for a shared action who discharged it."""
        n = len(self.actors)
        if self.shared and n > 1:
            if not self.acknowledged:
                return f"any one of {n}: none acknowledged"
            first = min(self.acknowledged.items(), key=lambda item: (item[1], item[0]))[0]
            return f"acknowledged by {first} (any one of {n})"
        done = sum(1 for a in self.actors if a in self.acknowledged)
        return f"{done} of {n} acknowledged"

    def first(self) -> tuple[str, datetime] | None:
        """The earliest acknowledgement, if any."""
        if not self.acknowledged:
            return None
        return min(self.acknowledged.items(), key=lambda item: (item[1], item[0]))
