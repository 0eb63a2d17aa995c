"""What an incident is taken to be before anyone reviews it: how grave, and how well attested.

Severity starts from the category's default and is raised, never lowered, by what the reports
say happened (the rules are data, `SEVERITY_RULES`). Status is `corroborated` when independent
organisations report the event (two reports of one mission's patrols, or one report from even
the best-rated source, are one organisation's word: not corroborated); otherwise `reported`.
Analysts move it further by review.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from ceasefire.domain.enforcement.plan import SEVERITY_RANK
from ceasefire.domain.incidents.vocabulary import IncidentStatus as IncidentStatus
from ceasefire.domain.reports import ObjectClass, Report, Source
from ceasefire.domain.taxonomy import Category, Severity, WeaponClass, default_severity

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


def auto_status(members: Sequence[Report], sources: Mapping[str, Source]) -> IncidentStatus:
    """`corroborated` with two independent organisations (a source without one counts as its
    own); else `reported`, however reliable the one organisation."""
    return (
        IncidentStatus.CORROBORATED
        if len(_organisations(members, sources)) >= 2
        else IncidentStatus.REPORTED
    )


def _organisations(members: Sequence[Report], sources: Mapping[str, Source]) -> set[str]:
    return {sources[r.source_id].organisation or f"source:{r.source_id}" for r in members}


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
    members: Sequence[Report], sources: Mapping[str, Source]
) -> tuple[Report, str, str] | None:
    """The report whose arrival corroborated the incident (the second independent
    organisation's), why, and why in words that name no source (for everyone but analysts);
    None if it is not corroborated."""
    seen: list[Report] = []
    for report in sorted(members, key=lambda r: (r.received_at, r.report_id)):
        seen.append(report)
        organisations = _organisations(seen, sources)
        if len(organisations) >= 2:
            return (
                report,
                "independent organisations: " + ", ".join(sorted(organisations)),
                f"{len(organisations)} independent organisations",
            )
    return None
