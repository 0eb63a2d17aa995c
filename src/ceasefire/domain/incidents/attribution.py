"""Who is responsible: an analyst's attribution, or a proposal the rules can make.

A proposal is only ever a proposal: it is shown as such, never counted as verified, until an
analyst confirms it with a basis and confidence (`review ... attribute`). The rules look at
whom the reports name as firing, and at where a report places a *weapon* (a sighting, outgoing
fire: `geo.placement.weapon_position`). They never infer who fired from where fire landed: six
rounds landing in Kramatorsk say nothing about whose they were, and blaming the side holding
the ground blames the side that was hit. When the places point at a party other than the one
the reports name, the proposal says so and is *contested*: it names the reports' party, counts
for nothing, and waits for an analyst.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ceasefire.domain.incidents.assessment import dominant_category
from ceasefire.domain.incidents.review import Basis, Confidence
from ceasefire.domain.reports import Report
from ceasefire.domain.taxonomy import CATEGORY_INFO, FIRE_FAMILIES, Family

PRESENCE_FAMILIES = frozenset({Family.PROHIBITED_PRESENCE, Family.GROUND})


@dataclass(frozen=True, slots=True)
class Placement:
    """A report's place against an agreement's geography (see the geography issue)."""

    party: str | None  # who holds the ground it is on
    ambiguous_side: bool  # its uncertainty circle crosses the line
    in_dmz: bool
    weapon_zone_breach: bool  # the weapon it places is inside its class's withdrawal zone
    sector: str | None = None
    distance_m: float | None = None
    weapon_party: str | None = None  # who holds the ground where it places a weapon


@dataclass(frozen=True, slots=True)
class Attribution:
    party: str
    basis: Basis
    confidence: Confidence
    why: str
    proposed: bool  # a rule's proposal, not yet confirmed by an analyst
    by: str = "rules"
    at: datetime | None = None
    contested: bool = False  # the rules' evidence disagrees with the reports: an analyst decides


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
    named = named_party(members)
    placed = _placed_party(members, placements, family)
    if placed is not None:
        party, evidence, confidence = placed
        if named is None or named == party:
            why = evidence + (f"; the reports name {named}" if named else "")
            return Attribution(party, Basis.HEURISTIC, confidence, why, True)
        why = (
            f"the reports name {named}, but {evidence}: the two disagree, an analyst must "
            "decide (not counted until then)"
        )
        return Attribution(named, Basis.HEURISTIC, Confidence.LOW, why, True, contested=True)
    if named is None:
        return None
    side = impact_side(members, placements) if family in FIRE_FAMILIES else None
    if side is not None and side != named:
        why = f"the reports name {named} as firing; it landed on {side}-held ground"
        return Attribution(named, Basis.HEURISTIC, Confidence.MEDIUM, why, True)
    return Attribution(named, Basis.HEURISTIC, Confidence.LOW, f"the reports name {named}", True)


def _placed_party(
    members: Sequence[Report], placements: Mapping[str, Placement], family: Family
) -> tuple[str, str, Confidence] | None:
    """The party a report's placed weapon or presence points at, with the evidence: a weapon
    in its withdrawal zone on that party's ground (a sighting, outgoing fire), or an armed
    presence in the DMZ on that party's side."""
    for report in members:
        placed = placements.get(report.report_id)
        if placed and placed.weapon_zone_breach and placed.weapon_party:
            weapon = report.weapon_class.value.replace("_", " ") if report.weapon_class else ""
            what = "a weapon seen" if family in PRESENCE_FAMILIES else "outgoing fire"
            evidence = (
                f"{what} inside the {weapon} withdrawal zone on {placed.weapon_party}-held ground"
            )
            return placed.weapon_party, evidence, Confidence.MEDIUM
    if family in PRESENCE_FAMILIES:
        for report in members:
            placed = placements.get(report.report_id)
            if placed and placed.in_dmz and placed.party and not placed.ambiguous_side:
                evidence = f"armed presence in the DMZ on the {placed.party} side of the line"
                return placed.party, evidence, Confidence.LOW
    return None
