"""Who is responsible: an analyst's attribution, or a proposal the rules can make.

A proposal is only ever a proposal: it is shown as such, never counted as verified, until an
analyst confirms it with a basis and confidence (`review ... attribute`). The rules look at
where the event happened relative to the line, which the geography issue works out for every
report (`Placement`), and at whom the reports name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ceasefire.domain.incidents.assessment import dominant_category
from ceasefire.domain.incidents.review import Basis, Confidence
from ceasefire.domain.reports import Report
from ceasefire.domain.taxonomy import CATEGORY_INFO, Family

FIRE_FAMILIES = frozenset({Family.SHELLING, Family.DIRECT_FIRE, Family.AIR_AND_MISSILE})
# Fire that lands far from who fired it: where it lands says from which side it came. Direct
# fire and clashes are exchanged across the line, so the side it lands on says nothing.
INDIRECT_FIRE = frozenset({Family.SHELLING, Family.AIR_AND_MISSILE})
PRESENCE_FAMILIES = frozenset({Family.PROHIBITED_PRESENCE, Family.GROUND})


@dataclass(frozen=True, slots=True)
class Placement:
    """A report's place against an agreement's geography (see the geography issue)."""

    party: str | None  # who holds the ground it is on
    ambiguous_side: bool  # its uncertainty circle crosses the line
    in_dmz: bool
    weapon_zone_breach: bool  # its weapon class inside that class's withdrawal zone
    sector: str | None = None
    distance_m: float | None = None


@dataclass(frozen=True, slots=True)
class Attribution:
    party: str
    basis: Basis
    confidence: Confidence
    why: str
    proposed: bool  # a rule's proposal, not yet confirmed by an analyst
    by: str = "rules"
    at: datetime | None = None


def impact_side(members: Sequence[Report], placements: Mapping[str, Placement]) -> str | None:
    """The party holding the ground where most of the incident's reports place it, ignoring
    reports whose circle crosses the line; None when that is unknown or evenly split."""
    parties = [
        p.party
        for r in members
        if (p := placements.get(r.report_id)) is not None and p.party and not p.ambiguous_side
    ]
    if len(set(parties)) <= 1:
        return parties[0] if parties else None  # one side, or none known: no count to make
    ranked = Counter(parties).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def named_party(members: Sequence[Report]) -> str | None:
    """The party the reports allege, when they agree."""
    named = {r.alleged_party for r in members if r.alleged_party}
    return named.pop() if len(named) == 1 else None


def propose(
    members: Sequence[Report], placements: Mapping[str, Placement], parties: Sequence[str]
) -> Attribution | None:
    """The rules' proposal, or None when they cannot make one."""
    family = CATEGORY_INFO[dominant_category(members)].family
    for report in members:
        placed = placements.get(report.report_id)
        if placed and placed.weapon_zone_breach and placed.party and not placed.ambiguous_side:
            weapon = report.weapon_class.value if report.weapon_class else "weapon"
            why = f"a {weapon} inside its withdrawal zone on {placed.party}-held ground"
            return Attribution(placed.party, Basis.HEURISTIC, Confidence.MEDIUM, why, True)
    if family in PRESENCE_FAMILIES:
        for report in members:
            placed = placements.get(report.report_id)
            if placed and placed.in_dmz and placed.party and not placed.ambiguous_side:
                why = f"armed presence in the DMZ on the {placed.party} side of the line"
                return Attribution(placed.party, Basis.HEURISTIC, Confidence.LOW, why, True)
    named = named_party(members)
    if family in FIRE_FAMILIES:
        side = impact_side(members, placements)
        if side is not None and named is not None and named != side:
            why = f"impact on {side}-held ground; the reports name {named} as firing"
            return Attribution(named, Basis.HEURISTIC, Confidence.MEDIUM, why, True)
        others = [p for p in parties if p != side]
        if side is not None and named is None and len(others) == 1 and family in INDIRECT_FIRE:
            why = f"impact on {side}-held ground; fire presumed from the other side"
            return Attribution(others[0], Basis.HEURISTIC, Confidence.LOW, why, True)
    if named is not None:
        why = f"the reports name {named}"
        return Attribution(named, Basis.HEURISTIC, Confidence.LOW, why, True)
    return None
