"""The engine's input: a violation, attributed to a party, as the incidents work will produce.

The engine is written against this plain value so it can be built and tested before incidents
exist; for now `ceasefire replay --counting reported` makes violations from reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from ceasefire.domain.enforcement.plan import SEVERITY_RANK, Exemption, Plan
from ceasefire.domain.taxonomy import Category, Severity


class Violation(NamedTuple):
    """Immutable; a named tuple rather than a frozen dataclass because a year of history is
    millions of these, and a tuple is built several times faster."""

    violation_id: str
    party: str  # the party it is attributed to
    observed_at: datetime  # event time: when it happened (the observed start)
    known_at: datetime  # record time: when the system learned of it, as attributed
    severity: Severity
    category: Category
    sector: str | None = None
    status: str = "verified"
    damaged_object: str | None = None
    lon: float | None = None
    lat: float | None = None
    # The end of the observed window: after `observed_at` when the time is known only to the
    # day or the week (simulations flag those that straddle a window's edge).
    observed_end: datetime | None = None
    commitment_kind: str | None = None  # for a missed commitment deadline: which kind

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


def exemption_for(plan: Plan, violation: Violation) -> Exemption | None:
    if not plan.exemptions:
        return None
    v = violation
    return next(
        (e for e in plan.exemptions if e.covers(v.observed_at, v.sector, v.lon, v.lat)), None
    )


def considered(plan: Plan, violation: Violation, *, pinned: bool = True) -> bool:
    """Whether the plan looks at this violation at all: it counts, or it would count but for
    an exemption window (the engine then says so). A plan with earlier versions its tracks are
    pinned to looks at what any of them counts (each episode then counts by its own version);
    `pinned=False` asks this version alone."""
    if pinned and plan.pinning is not None:
        return any(counts(p, violation, exemptions=False) for _, p in plan.pinning.versions)
    return counts(plan, violation, exemptions=False)


def counts(plan: Plan, violation: Violation, *, exemptions: bool = True) -> bool:
    """Whether the plan counts this violation (its status, severity, kind, target, and no
    exemption window that suppresses it)."""
    c = plan.counting
    v = violation
    if v.category is Category.MISSED_COMMITMENT:
        return (
            v.commitment_kind in c.commitments
            and v.status in c.statuses
            and SEVERITY_RANK[v.severity] >= SEVERITY_RANK[c.min_severity]
            and (plan.subjects is None or v.party in plan.subjects)
        )
    if (
        v.status not in c.statuses
        or SEVERITY_RANK[v.severity] < SEVERITY_RANK[c.min_severity]
        or (c.categories is not None and v.category not in c.categories)
        or (c.damaged_objects is not None and _damaged(v) not in c.damaged_objects)
        or (plan.subjects is not None and v.party not in plan.subjects)
    ):
        return False
    if exemptions and plan.exemptions:
        exemption = exemption_for(plan, v)
        return exemption is None or exemption.handling != "suppress"
    return True


def _damaged(violation: Violation) -> str | None:
    """A strike on energy infrastructure hit energy, whether or not the report said so."""
    if violation.damaged_object is None and violation.category is Category.ENERGY_STRIKE:
        return "energy"
    return violation.damaged_object


def event_order(violation: Violation) -> tuple[datetime, str]:
    """Violations are folded in event time; the id breaks ties so any arrival order agrees."""
    return violation.observed_at, violation.violation_id
