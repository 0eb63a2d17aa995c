"""What each role may see of an incident, as plain values ready to print or send.

Monitors' safety depends on their sources and positions not leaking: only analysts see who
reported, the reports' own words and their exact coordinates. Everyone else gets the incident
with its place rounded (about 1 km), its reports counted and described without their source,
and report positions rounded to about 5 km. The storage keeps the exact values; this decides
what leaves it, so nothing withheld is ever put into an answer and then hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.domain.incidents.vocabulary import Role as Role
from ceasefire.domain.reports import Report, Source

INCIDENT_GRID_DEG = 0.01  # about 1.1 km north-south
REPORT_GRID_DEG = 0.05  # about 5.5 km
WITHHELD = "withheld"


def sees_sources(role: Role) -> bool:
    return role is Role.ANALYST


def _round(value: float | None, grid: float, role: Role) -> float | None:
    if value is None or sees_sources(role):
        return value
    return round(round(value / grid) * grid, 4)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else utc_iso(moment)


def incident_position(story: IncidentStory, role: Role) -> tuple[float | None, float | None]:
    """Where the role may see the incident: exact for analysts, to about 1 km for others."""
    return _round(story.lon, INCIDENT_GRID_DEG, role), _round(story.lat, INCIDENT_GRID_DEG, role)


def concerns_party(story: IncidentStory, party: str) -> bool:
    """What a party's liaison may see: incidents attributed to its party, or that a report
    alleges against it."""
    a = story.attribution
    return (a is not None and a.party == party) or any(
        r.alleged_party == party for r in story.members
    )


def incident_summary(story: IncidentStory, role: Role, now: datetime) -> dict[str, Any]:
    """One line of `incidents list`: what, where, when, how grave, how sure, whose."""
    a = story.attribution
    lon, lat = incident_position(story, role)
    return {
        "incident": story.label,
        "start": _iso(story.start),
        "end": _iso(story.end),
        "category": story.category.value,
        "severity": story.severity.value,
        "status": story.status.value,
        "status_since": _iso(story.status_since),
        "reports": len(story.members),
        "lon": lon,
        "lat": lat,
        "sector": story.sector,
        "party": a.party if a else None,
        "attribution": None if a is None else ("proposed" if a.proposed else "confirmed"),
        "clauses": [b.clause.clause_id for b in story.breaches],
        "reply_due": _iso(story.reply_due),
        "reply_overdue": story.reply_overdue(now),
    }


def incident_detail(
    story: IncidentStory, sources: Mapping[str, Source], role: Role, now: datetime
) -> dict[str, Any]:
    """`incidents show`: the summary, then the reports, the history and the basis of each
    conclusion."""
    a = story.attribution
    return incident_summary(story, role, now) | {
        "severity_reasons": list(story.severity_reasons),
        "attribution_detail": None
        if a is None
        else {
            "party": a.party,
            "basis": a.basis.value,
            "confidence": a.confidence.value,
            "why": a.why,
            "proposed": a.proposed,
            "by": a.by,
            "at": _iso(a.at),
        },
        "breaches": [
            {"clause": b.clause.clause_id, "kind": b.clause.kind.value, "why": b.why}
            for b in story.breaches
        ],
        "history": [
            {
                "at": _iso(h.at),
                "status": h.status.value,
                "by": h.by,
                "reason": h.reason_for(sees_sources(role)),
            }
            for h in story.history
        ],
        "reviews": [
            {
                "at": _iso(r.at),
                "action": r.action.value,
                "by": r.reviewer,
                "as_named": f"INC-{r.incident}",
                "reason": r.reason,
            }
            | ({"party": r.party} if r.party else {})
            | ({"other": f"INC-{r.other}"} if r.other is not None else {})
            | ({"reports": list(r.reports)} if r.reports else {})
            for r in story.reviews
        ],
        "replies": [
            {"party": r.party, "at": _iso(r.at), "by": r.by, "text": r.text} for r in story.replies
        ],
        "members": [_member(r, sources.get(r.source_id), role) for r in story.members],
    }


def _member(report: Report, source: Source | None, role: Role) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "report_id": report.report_id,
        "observed_start": _iso(report.observed_start),
        "observed_end": _iso(report.observed_end),
        "received_at": _iso(report.received_at),
        "category": report.category.value,
        "weapon_class": report.weapon_class.value if report.weapon_class else None,
        "lon": _round(report.lon, REPORT_GRID_DEG, role),
        "lat": _round(report.lat, REPORT_GRID_DEG, role),
        "geo_precision": report.geo_precision.value if report.geo_precision else None,
        "alleged_party": report.alleged_party or None,
    }
    if sees_sources(role):
        shown |= {
            "source_id": report.source_id,
            "organisation": source.organisation if source else None,
            "reliability": source.reliability.value if source else None,
            "external_id": report.external_id,
            "uncertainty_m": report.uncertainty_m,
            "place": report.place,
            "text": report.text,
        }
    else:
        shown |= {"source_id": WITHHELD, "source_kind": source.kind.value if source else None}
    return shown
