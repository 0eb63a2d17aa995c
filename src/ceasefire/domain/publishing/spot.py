"""The spot report: one urgent incident, for immediate circulation.

What happened, where (from a named place), when, how well attested, to whom attributed and on
what basis, which clauses it breaches and why, what the parties said, and what the plan
decided on its evidence. Its reports are described without their sources, as for a guarantor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ceasefire.domain.enforcement.decisions import Decision
from ceasefire.domain.enforcement.plan import Plan
from ceasefire.domain.enforcement.plan_run import timeline
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.domain.places import Gazetteer
from ceasefire.domain.publishing.daily import Controller, IncidentLine, RecordState, line_for
from ceasefire.domain.publishing.period import Period
from ceasefire.domain.publishing.wording import day_text, listing, plural
from ceasefire.domain.reports import SourceKind


@dataclass(frozen=True, slots=True)
class SpotReport:
    incident: IncidentLine
    period: Period  # the incident's own window, read in the mission's zone
    summary: tuple[str, ...]
    attribution_basis: str | None
    history: tuple[tuple[datetime, str, str], ...]  # (when, status, why)
    replies: tuple[tuple[datetime, str, str], ...]  # (when, party, text)
    reports: tuple[tuple[datetime, str, str], ...]  # (observed, source kind, what), no source
    decisions: tuple[Decision, ...]  # the plan's decisions citing it, in effect by `at`
    # Its clocks still running: what the plan would decide at their time if nothing changes
    # (a report that listed them with the decisions stated a phase no one had entered).
    due: tuple[Decision, ...]
    record: RecordState
    at: datetime  # the moment the report describes


_KIND_WORDS = {
    SourceKind.MONITOR_PATROL: "a monitoring patrol",
    SourceKind.CAMERA_UAV: "a camera or UAV",
    SourceKind.SENSOR: "a sensor",
    SourceKind.PARTY_COMPLAINT: "a party's complaint",
    SourceKind.NEWS_OSINT: "open sources",
}


def spot_report(
    story: IncidentStory,
    kinds: dict[str, SourceKind],  # source id -> kind
    period: Period,
    gazetteer: Gazetteer,
    controller: Controller,
    plans: Sequence[Plan],
    violations: Sequence[Violation],
    record: RecordState,
    at: datetime,
) -> SpotReport:
    line = line_for(story, period, gazetteer, controller)
    a = story.attribution
    citing = [d for plan in plans for d in timeline(plan, violations) if story.label in d.evidence]
    return SpotReport(
        incident=line,
        period=period,
        summary=_sentences(story, line, kinds, period),
        attribution_basis=None
        if a is None
        else f"{a.basis.value.replace('-', ' ')}, {a.confidence.value} confidence: {a.why}"
        + (" (proposed by the rules, not yet confirmed)" if a.proposed else f" ({a.by})"),
        history=tuple((h.at, h.status.value, h.reason_for(False)) for h in story.history),
        replies=tuple((r.at, r.party, r.text) for r in story.replies),
        reports=tuple(
            (r.observed_start, _KIND_WORDS[kinds[r.source_id]], _what(r.category.value, r))
            for r in story.members
        ),
        decisions=tuple(d for d in citing if d.effective_at <= at),
        due=tuple(d for d in citing if d.effective_at > at),
        record=record,
        at=at,
    )


def _what(category: str, report: object) -> str:
    counts = [
        plural(n, kind.rstrip("s"), kind)
        for kind in ("explosions", "projectiles", "bursts", "shots")
        if (n := getattr(report, kind))
    ]
    return category.replace("_", " ") + (f" ({listing(counts)})" if counts else "")


def _sentences(
    story: IncidentStory, line: IncidentLine, kinds: dict[str, SourceKind], period: Period
) -> tuple[str, ...]:
    at = period.local(story.start)
    sources = sorted({_KIND_WORDS[kinds[r.source_id]] for r in story.members})
    said = [
        f"At {at:%H:%M} on {day_text(at)} ({period.zone}), {line.category} {line.where}, "
        f"in {line.sector}: {plural(len(story.members), 'report')} from {listing(sources)}."
    ]
    t = line.tally
    harm = [
        plural(t.killed + t.civilians_killed, "person killed", "people killed")
        if t.killed + t.civilians_killed
        else "",
        plural(t.injured + t.civilians_injured, "person injured", "people injured")
        if t.injured + t.civilians_injured
        else "",
    ]
    if any(harm):
        said.append(f"Casualties reported: {listing([h for h in harm if h])}.")
    said.append(f"Severity {line.severity}; status {line.status}.")
    if line.party:
        said.append(f"Attributed to {line.party} ({line.attribution}).")
    else:
        said.append("Not attributed to a party.")
    if line.breaches:
        said.append(f"Breaches: {'; '.join(line.breaches)}.")
    if story.reply_due is not None and not story.replied:
        due = period.local(story.reply_due)
        said.append(f"{line.party}'s reply is due by {due:%H:%M} on {day_text(due)}.")
    return tuple(said)
