"""What an incident is taken to be before anyone reviews it: how grave, and how well attested.

Severity starts from the category's default and is raised, never lowered, by what the reports
say happened (the rules are data, `SEVERITY_RULES`). Status is `corroborated` when independent
organisations report the event, or when one source is trusted enough to count at once;
otherwise `reported`. Analysts move it further by review (later).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum

from ceasefire.domain.engine.plan import SEVERITY_RANK
from ceasefire.domain.reports import ObjectClass, Reliability, Report, Source
from ceasefire.domain.taxonomy import Category, Severity, WeaponClass, default_severity


class IncidentStatus(StrEnum):
    REPORTED = "reported"
    CORROBORATED = "corroborated"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    REJECTED = "rejected"


HEAVY_WEAPONS = frozenset(
    {WeaponClass.ARTILLERY_100MM_PLUS, WeaponClass.MLRS, WeaponClass.HEAVY_ROCKET_MISSILE}
)
PROTECTED_OBJECTS = frozenset(
    {ObjectClass.ENERGY, ObjectClass.MEDICAL, ObjectClass.EDUCATION, ObjectClass.WATER}
)

# (why, test, at least this severity): checked for every report; the gravest applies.
SEVERITY_RULES: tuple[tuple[str, Callable[[Report], bool], Severity], ...] = (
    ("civilians killed", lambda r: r.civilians_killed > 0, Severity.GRAVE),
    (
        "strike on a protected object",
        lambda r: r.damaged_object in PROTECTED_OBJECTS,
        Severity.GRAVE,
    ),
    ("people killed", lambda r: r.killed > 0, Severity.MAJOR),
    ("heavy weapon", lambda r: r.weapon_class in HEAVY_WEAPONS, Severity.MAJOR),
    ("50 or more explosions", lambda r: r.explosions >= 50, Severity.MAJOR),
)


def report_severity(report: Report) -> tuple[Severity, list[str]]:
    """The severity a report indicates, and the rules that raised it above its category's."""
    severity = default_severity(report.category)
    reasons = []
    for why, test, floor in SEVERITY_RULES:
        if test(report) and SEVERITY_RANK[floor] > SEVERITY_RANK[severity]:
            severity = floor
            reasons.append(why)
    return severity, reasons


def incident_severity(members: Sequence[Report]) -> Severity:
    """The gravest any of its reports indicates."""
    return max((report_severity(r)[0] for r in members), key=SEVERITY_RANK.__getitem__)


def auto_status(
    members: Sequence[Report],
    sources: Mapping[str, Source],
    *,
    trusted: Reliability = Reliability.B,
) -> IncidentStatus:
    """`corroborated` with two independent organisations (a source without one counts as its
    own), or with any source at `trusted` reliability or better (A is best); else `reported`."""
    involved = [sources[r.source_id] for r in members]
    organisations = {s.organisation or f"source:{s.source_id}" for s in involved}
    best = min((s.reliability for s in involved), default=Reliability.F)
    if len(organisations) >= 2 or best <= trusted:
        return IncidentStatus.CORROBORATED
    return IncidentStatus.REPORTED


def dominant_category(members: Sequence[Report]) -> Category:
    """The category most of the reports give; ties go to the graver, then the name, so the
    answer never depends on the order the reports came in."""
    first = members[0].category
    if all(r.category is first for r in members):
        return first  # most incidents: one report, or reports that agree
    counts = Counter(r.category for r in members)
    return max(
        counts,
        key=lambda c: (counts[c], SEVERITY_RANK[default_severity(c)], c.value),
    )


def corroborated_by(
    members: Sequence[Report],
    sources: Mapping[str, Source],
    *,
    trusted: Reliability = Reliability.B,
) -> tuple[Report, str, str] | None:
    """The report whose arrival corroborated the incident, why, and why in words that name no
    source (for everyone but analysts); None if it is not corroborated."""
    seen: list[Report] = []
    for report in sorted(members, key=lambda r: (r.received_at, r.report_id)):
        seen.append(report)
        if auto_status(seen, sources, trusted=trusted) is IncidentStatus.CORROBORATED:
            source = sources[report.source_id]
            if source.reliability <= trusted:
                rating = source.reliability.value
                return (
                    report,
                    f"source {source.source_id} is rated {rating}",
                    f"a source rated {rating}",
                )
            organisations = sorted({sources[r.source_id].organisation or r.source_id for r in seen})
            return (
                report,
                "independent organisations: " + ", ".join(organisations),
                f"{len(organisations)} independent organisations",
            )
    return None
