"""Violations: incidents that breach a clause of the agreement, by the party they are
attributed to. The engine counts them; `violations list` shows them clause by clause.

For the engine each incident is one violation, however many clauses it breaches (one strike
must not count twice towards "continued violations"), with:
- its event time the incident's first observed moment;
- its record time the moment its status and attribution were both established;
- its status the incident's, except that an incident verified but attributed only by the
  rules' proposal counts as `corroborated`: the event is established, its author is not.
Disputed and rejected incidents are never counted (no plan counts those statuses).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.incidents.assessment import IncidentStatus
from ceasefire.domain.incidents.story import IncidentStory, attribution_state
from ceasefire.services.commitments import missed_commitments
from ceasefire.services.incidents import incident_stories
from ceasefire.store.agreement_store import agreement_named


def engine_status(story: IncidentStory) -> str:
    a = story.attribution
    if story.status is IncidentStatus.VERIFIED and (a is None or a.proposed):
        return IncidentStatus.CORROBORATED.value
    return story.status.value


def as_violation(story: IncidentStory) -> Violation | None:
    """The engine's violation for an attributed incident that breaches a clause; None for
    the rest, and for a contested proposal (the rules and the reports disagree on who fired:
    nothing counts until an analyst decides)."""
    a = story.attribution
    if a is None or a.contested or not story.breaches:
        return None
    damaged = next((r.damaged_object.value for r in story.members if r.damaged_object), None)
    return Violation(
        violation_id=story.label,
        party=a.party,
        observed_at=story.start,
        known_at=story.counted_at,
        severity=story.severity,
        category=story.category,
        sector=story.sector,
        status=engine_status(story),
        damaged_object=damaged,
        lon=story.lon,
        lat=story.lat,
        observed_end=story.end,
    )


def violations_in_record(
    connection: Connection, agreement: str | None, *, at: datetime, as_of: datetime | None = None
) -> list[Violation]:
    """The engine's inputs: attributed incidents that breach a clause, and the agreement's
    commitments whose deadlines were missed, as the record stands at `at`. `as_of`: from
    what the record held then (reports and reviews recorded by then; see `incident_stories`)."""
    loaded = agreement_named(connection, agreement) if agreement else None
    stories = incident_stories(connection, loaded, as_of=as_of)
    found = (as_violation(story) for story in stories)
    violations = [v for v in found if v is not None]
    if loaded is not None and loaded.spec.commitments:
        violations += missed_commitments(connection, loaded, at)
    return violations


def violation_rows(stories: Sequence[IncidentStory]) -> list[dict[str, Any]]:
    """One row per clause breached by a violation (`IncidentStory.is_violation`: attributed
    or not, never rejected), newest first: the same violations the reports and the map count,
    an incident breaching two clauses making two rows of one violation."""
    rows = []
    for story in sorted(stories, key=lambda s: (s.start, s.number), reverse=True):
        if not story.is_violation:
            continue
        for breach in story.breaches:
            rows.append(
                {
                    "incident": story.label,
                    "start": utc_iso(story.start),
                    "party": story.violator,
                    "attribution": attribution_state(story) or "none",
                    "clause": breach.clause.clause_id,
                    "kind": breach.clause.kind.value,
                    "why": breach.why,
                    "status": engine_status(story),
                    "severity": story.severity.value,
                    "sector": story.sector,
                }
            )
    return rows


def violation_count(rows: Sequence[dict[str, Any]]) -> int:
    """How many violations the rows are (one per incident, whatever it breaches)."""
    return len({row["incident"] for row in rows})
