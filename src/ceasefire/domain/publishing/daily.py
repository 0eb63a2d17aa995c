"""The daily report: what the period held, against the period before, and where the plan stands.

It reads like the OSCE mission's daily reports: sentences first, then per-sector totals with
the change against the previous period, then the incidents one by one, each located relative
to a named place, then the enforcement plan's tracks, decisions and open actions. Source
identities and exact coordinates never appear: places are described in whole kilometres from
a named place and map positions are rounded as for a non-analyst (`disclosure`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ceasefire.domain.agreement import ClauseKind
from ceasefire.domain.commitments.status import CommitmentState
from ceasefire.domain.enforcement.decisions import Decision, DecisionKind, describe
from ceasefire.domain.enforcement.obligations import Obligation
from ceasefire.domain.enforcement.plan import Plan
from ceasefire.domain.enforcement.plan_run import timeline
from ceasefire.domain.enforcement.status import TrackStatus, track_statuses
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.incidents.assessment import IncidentStatus
from ceasefire.domain.incidents.disclosure import INCIDENT_GRID_DEG
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.domain.places import Gazetteer
from ceasefire.domain.publishing.commitments import (
    CommitmentLine,
    commitment_lines,
    commitment_sentence,
)
from ceasefire.domain.publishing.period import Period
from ceasefire.domain.publishing.tally import (
    NO_SECTOR,
    Tally,
    by_sector,
    incident_tally,
    is_violation,
    tally,
)
from ceasefire.domain.publishing.wording import (
    change,
    day_text,
    hours_text,
    including,
    listing,
    plural,
)
from ceasefire.domain.reports import GeoPrecision, TimePrecision
from ceasefire.domain.taxonomy import CATEGORY_INFO, Family

# Who holds the ground at (lon, lat), by the agreement's control areas; None off them.
Controller = Callable[[float, float], str | None]
# (plan, party, action, effective_at) -> actor -> when, for actions acknowledged in the record.
Acknowledgements = Mapping[tuple[str, str, str, datetime], Mapping[str, datetime]]


@dataclass(frozen=True, slots=True)
class IncidentLine:
    label: str
    start: datetime  # local time of the period's zone
    category: str
    where: str
    sector: str
    severity: str
    status: str
    party: str | None
    attribution: str | None  # "confirmed" or "proposed"
    breaches: tuple[str, ...]  # "clause-id: why"
    tally: Tally
    lon: float | None  # rounded to about 1 km
    lat: float | None
    straddles_cutoff: bool  # known only to the day (or week) and that day crosses the cut-off
    violation: bool


@dataclass(frozen=True, slots=True)
class SectorLine:
    sector: str
    now: Tally
    before: Tally


@dataclass(frozen=True, slots=True)
class PartyLine:
    party: str
    now: int
    before: int
    confirmed: int  # of `now`, attributed by an analyst rather than proposed by the rules


@dataclass(frozen=True, slots=True)
class ActionLine:
    plan: str
    party: str
    action: str
    actors: tuple[str, ...]
    required_at: datetime
    due_at: datetime | None
    ended_at: datetime | None  # the track stood down: the action is no longer required
    obligation: Obligation  # who acknowledged it (and when), who owes it
    summary: str

    def overdue(self, at: datetime) -> bool:
        return self.due_at is not None and self.due_at <= at and not self.obligation.as_of(at).met

    def owed_at(self, at: datetime) -> Obligation:
        return self.obligation.as_of(at)

    @property
    def missed(self) -> bool:
        """Its deadline passed with some actor still owing it and the episode still running."""
        if self.due_at is None:
            return False
        ended = self.ended_at is not None and self.ended_at <= self.due_at
        return not ended and not self.obligation.as_of(self.due_at).met

    @property
    def missed_by(self) -> tuple[str, ...]:
        """Who still owed it when it fell due."""
        return () if self.due_at is None else self.obligation.as_of(self.due_at).waiting


@dataclass(frozen=True, slots=True)
class PlanSection:
    plan: str
    tracks: tuple[TrackStatus, ...]
    decisions: tuple[Decision, ...]  # taking effect in the period
    open_actions: tuple[ActionLine, ...]  # at the cut-off
    missed: tuple[ActionLine, ...]  # deadlines that fell in the period unacknowledged
    phase_names: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class RecordState:
    """The tamper-evident log as the report read it: anyone can check the report was built
    from this record (`ceasefire verify` prints the same head), and, by the signed checkpoint
    it states, that the record has not been rewritten since (`ceasefire verify --checkpoint`,
    or a bundle of the entries it cites checked offline)."""

    head_seq: int
    head_hash: str
    checkpoint_size: int = 0  # the latest signed checkpoint when it was built (0: none yet)
    checkpoint_root: str = ""  # its root hash, hex


@dataclass(frozen=True)
class DailyReport:
    number: str
    period: Period
    previous: Period
    agreement: str | None
    summary: tuple[str, ...]
    total: Tally
    previous_total: Tally
    sectors: tuple[SectorLine, ...]
    parties: tuple[PartyLine, ...]
    incidents: tuple[IncidentLine, ...]  # every incident of the period, violations or not
    weapons: tuple[IncidentLine, ...]  # weapons inside their withdrawal zones
    dmz: tuple[IncidentLine, ...]  # armed presence in the demilitarized zone
    protected: tuple[IncidentLine, ...]  # strikes on protected objects
    access: tuple[IncidentLine, ...]  # restrictions of the monitors' freedom of movement
    hours_now: tuple[int, ...]  # violations by local hour of day, 0..23
    hours_before: tuple[int, ...]
    plans: tuple[PlanSection, ...]
    record: RecordState
    commitments: tuple[CommitmentLine, ...] = ()

    @property
    def violations(self) -> tuple[IncidentLine, ...]:
        return tuple(i for i in self.incidents if i.violation)


@dataclass(frozen=True)
class DailyInputs:
    """Everything the report is built from, as the services read it."""

    period: Period
    stories: Sequence[IncidentStory]  # at least those starting in this or the previous period
    gazetteer: Gazetteer
    controller: Controller
    plans: Sequence[Plan]
    violations: Sequence[Violation]
    acknowledgements: Acknowledgements
    record: RecordState
    agreement: str | None = None
    commitments: Sequence[CommitmentState] = ()  # as the record stood at the cut-off


def daily_report(inputs: DailyInputs) -> DailyReport:
    period = inputs.period
    previous = period.before()
    now = sorted(
        (s for s in inputs.stories if period.holds(s.start)), key=lambda s: (s.start, s.number)
    )
    before = [s for s in inputs.stories if previous.holds(s.start)]
    lines = tuple(line_for(s, period, inputs.gazetteer, inputs.controller) for s in now)
    counted_now = [s for s in now if is_violation(s)]
    counted_before = [s for s in before if is_violation(s)]
    sectors = _sectors(counted_now, counted_before)
    parties = _parties(counted_now, counted_before)
    plans = tuple(
        _plan_section(p, inputs.violations, period, inputs.acknowledgements) for p in inputs.plans
    )
    total, previous_total = tally(counted_now), tally(counted_before)
    report = DailyReport(
        number=f"{period.local(period.end).timetuple().tm_yday}/{period.local(period.end).year}",
        period=period,
        previous=previous,
        agreement=inputs.agreement,
        summary=(),
        total=total,
        previous_total=previous_total,
        sectors=sectors,
        parties=parties,
        incidents=lines,
        weapons=_breaching(lines, now, ClauseKind.WEAPON_IN_WITHDRAWAL_ZONE),
        dmz=_breaching(lines, now, ClauseKind.ARMED_PRESENCE_IN_DMZ),
        protected=_breaching(lines, now, ClauseKind.STRIKE_ON_PROTECTED_OBJECT),
        access=tuple(
            line
            for line, s in zip(lines, now, strict=True)
            if CATEGORY_INFO[s.category].family is Family.MONITOR_ACCESS
        ),
        hours_now=_hours(counted_now, period),
        hours_before=_hours(counted_before, period),
        plans=plans,
        record=inputs.record,
        commitments=commitment_lines(inputs.commitments, period),
    )
    return _with_summary(report)


def line_for(
    story: IncidentStory, period: Period, gazetteer: Gazetteer, controller: Controller
) -> IncidentLine:
    """One incident as a published report lists it: placed from a named place, its position
    rounded, its counts, its clauses."""
    a = story.attribution
    return IncidentLine(
        label=story.label,
        start=period.local(story.start),
        category=story.category.value.replace("_", " "),
        where=_where(story, gazetteer, controller),
        sector=story.sector or NO_SECTOR,
        severity=story.severity.value,
        status=story.status.value,
        party=a.party if a else None,
        attribution=None if a is None else ("proposed" if a.proposed else "confirmed"),
        breaches=tuple(f"{b.clause.clause_id}: {b.why}" for b in story.breaches),
        tally=incident_tally(story),
        lon=None if story.lon is None else _rounded(story.lon),
        lat=None if story.lat is None else _rounded(story.lat),
        straddles_cutoff=_straddles(story, period),
        violation=is_violation(story),
    )


def _rounded(value: float) -> float:
    return round(round(value / INCIDENT_GRID_DEG) * INCIDENT_GRID_DEG, 4)


def _where(story: IncidentStory, gazetteer: Gazetteer, controller: Controller) -> str:
    if story.lon is None or story.lat is None:
        named = next((r.place for r in story.members if r.place), "")
        return f"{named} (not located)" if named else "location not known"
    relative = gazetteer.reference(story.lon, story.lat)
    holder = controller(relative.place.lon, relative.place.lat)
    vague = any(
        r.geo_precision not in (None, GeoPrecision.EXACT) or (r.uncertainty_m or 0) > 2_000
        for r in story.members
    )
    return replace(relative, controlled_by=holder).describe(about=vague)


def _straddles(story: IncidentStory, period: Period) -> bool:
    imprecise = any(r.time_precision is not TimePrecision.EXACT for r in story.members)
    return imprecise and story.end > period.end


def _breaching(
    lines: Sequence[IncidentLine], stories: Sequence[IncidentStory], kind: ClauseKind
) -> tuple[IncidentLine, ...]:
    return tuple(
        line
        for line, s in zip(lines, stories, strict=True)
        if line.violation and any(b.clause.kind is kind for b in s.breaches)
    )


def _sectors(
    now: Sequence[IncidentStory], before: Sequence[IncidentStory]
) -> tuple[SectorLine, ...]:
    current, previous = by_sector(now), by_sector(before)
    names = sorted(
        set(current) | set(previous),
        key=lambda n: (n == NO_SECTOR, -current.get(n, Tally()).violations, n),
    )
    return tuple(SectorLine(n, current.get(n, Tally()), previous.get(n, Tally())) for n in names)


def _parties(
    now: Sequence[IncidentStory], before: Sequence[IncidentStory]
) -> tuple[PartyLine, ...]:
    def party(s: IncidentStory) -> str:
        return s.violator

    current, previous = Counter(map(party, now)), Counter(map(party, before))
    confirmed = Counter(party(s) for s in now if s.attribution and not s.attribution.proposed)
    names = sorted(set(current) | set(previous), key=lambda n: (n == "not attributed", n))
    return tuple(PartyLine(n, current[n], previous[n], confirmed[n]) for n in names)


def _hours(stories: Sequence[IncidentStory], period: Period) -> tuple[int, ...]:
    counts = Counter(period.local(s.start).hour for s in stories)
    return tuple(counts[h] for h in range(24))


def _plan_section(
    plan: Plan, violations: Sequence[Violation], period: Period, acks: Acknowledgements
) -> PlanSection:
    decisions = timeline(plan, violations)
    decided = tuple(replace(d, plan=plan.name) for d in decisions)
    # As the track stood at the last instant of the period: the cut-off itself is the next's.
    tracks = tuple(track_statuses(plan, decided, period.end - timedelta(microseconds=1)))
    actions = _actions(plan.name, decided, period.end, acks)
    return PlanSection(
        plan=plan.name,
        tracks=tracks,
        decisions=tuple(d for d in decided if period.holds(d.effective_at)),
        open_actions=tuple(
            a
            for a in actions
            if (a.ended_at is None or a.ended_at >= period.end)
            and not a.obligation.as_of(period.end - timedelta(microseconds=1)).met
        ),
        missed=tuple(
            a for a in actions if a.due_at is not None and period.holds(a.due_at) and a.missed
        ),
        phase_names={d.phase: plan.phase(d.phase).name for d in decided if d.phase},
    )


def _actions(
    plan: str, decided: Sequence[Decision], end: datetime, acks: Acknowledgements
) -> list[ActionLine]:
    """Every action required before `end`, with when its episode ended (a stand-down ends
    what the episode required) and who acknowledged it."""
    stand_downs: dict[str, list[datetime]] = {}
    for d in decided:
        if d.kind is DecisionKind.STOOD_DOWN:
            stand_downs.setdefault(d.party, []).append(d.effective_at)
    lines = []
    for d in decided:
        if d.kind is not DecisionKind.ACTION_REQUIRED or d.effective_at >= end:
            continue
        later = [s for s in stand_downs.get(d.party, []) if s > d.effective_at]
        lines.append(
            ActionLine(
                plan=plan,
                party=d.party,
                action=d.action.replace("_", " "),
                actors=d.actors,
                required_at=d.effective_at,
                due_at=d.due_at,
                ended_at=min(later) if later else None,
                obligation=Obligation(
                    d.actors, d.shared, acks.get((plan, d.party, d.action, d.effective_at), {})
                ),
                summary=describe(d),
            )
        )
    return lines


_STATUS_WORDS = {
    IncidentStatus.VERIFIED.value: "verified by an analyst",
    IncidentStatus.CORROBORATED.value: "corroborated by independent sources",
    IncidentStatus.DISPUTED.value: "disputed",
    IncidentStatus.REPORTED.value: "rest on reports not yet corroborated",
}


def _with_summary(r: DailyReport) -> DailyReport:
    return replace(r, summary=tuple(s for s in _sentences(r) if s))


def _sentences(r: DailyReport) -> list[str]:
    p = r.period
    end = p.local(p.end)
    n, m = r.total.violations, r.previous_total.violations
    said = [
        f"In the {hours_text(p.hours)} to {end:%H:%M} on {day_text(end)} ({p.zone}), "
        f"{plural(n, 'ceasefire violation')} {'was' if n == 1 else 'were'} recorded"
        f"{including(r.total)}, {change(n, m)} in the previous {hours_text(r.previous.hours)}."
    ]
    for line in r.sectors:
        if line.now.violations == 0:
            continue
        place = (
            line.sector[0].upper() + line.sector[1:]
            if line.sector == NO_SECTOR
            else (f"In {line.sector}")
        )
        moved = change(line.now.violations, line.before.violations, same="unchanged")
        said.append(f"{place}, {line.now.violations:,} ({moved}){including(line.now)}.")
    said.append(_casualties(r.total))
    if n:
        said.append(_statuses(r.violations))
        said.append(_attribution(r.parties))
    straddling = [i for i in r.incidents if i.straddles_cutoff]
    if straddling:
        said.append(
            f"{plural(len(straddling), 'incident')} known only to the day (or week) "
            f"{'runs' if len(straddling) == 1 else 'run'} past the cut-off: each is counted in "
            "the period its time window begins in and marked in the list."
        )
    for found, what in (
        (r.weapons, "weapons in violation of withdrawal lines"),
        (r.dmz, "armed presence in the demilitarized zone"),
        (r.protected, "strikes on protected objects"),
        (r.access, "restrictions of the monitors' freedom of movement"),
    ):
        if found:
            said.append(f"Recorded: {what}, in {plural(len(found), 'incident')}.")
    said.append(commitment_sentence(r.commitments))
    said += _plan_sentences(r.plans, p)
    return said


def _casualties(t: Tally) -> str:
    parts = [
        plural(t.killed, "person killed", "people killed") if t.killed else "",
        plural(t.injured, "person injured", "people injured") if t.injured else "",
        plural(t.civilians_killed, "civilian killed", "civilians killed")
        if t.civilians_killed
        else "",
        plural(t.civilians_injured, "civilian injured", "civilians injured")
        if t.civilians_injured
        else "",
    ]
    shown = [part for part in parts if part]
    if not shown:
        return "No casualties were recorded in these violations."
    return f"Casualties recorded in these violations: {listing(shown)}."


def _statuses(violations: Sequence[IncidentLine]) -> str:
    counts = Counter(i.status for i in violations)
    parts = [f"{counts[s]:,} {words}" for s, words in _STATUS_WORDS.items() if counts[s]]
    return f"Of these, {listing(parts)}."


def _attribution(parties: Sequence[PartyLine]) -> str:
    named = [
        f"{p.now:,} to {p.party} ({p.confirmed:,} confirmed by an analyst)"
        for p in parties
        if p.party != "not attributed" and p.now
    ]
    unnamed = next((p.now for p in parties if p.party == "not attributed"), 0)
    tail = f"{unnamed:,} {'is' if unnamed == 1 else 'are'} not attributed to a party"
    if not named:
        return "None of them is attributed to a party yet."
    return f"Attributed: {listing(named)}; {tail}."


def _move(d: Decision, period: Period, phase_names: Mapping[int, str]) -> str:
    """`the RU track entered phase 1 (Warning) at 00:00 on 10 September 2022 (first counting
    violation)`, in the report's local time."""
    at = period.local(d.effective_at)
    when = f"{at:%H:%M} on {day_text(at)}"
    if d.kind is DecisionKind.STOOD_DOWN:
        return f"the {d.party} track stood down at {when} ({d.rule})"
    name = f" ({phase_names[d.phase]})" if d.phase in phase_names else ""
    return f"the {d.party} track entered phase {d.phase}{name} at {when} ({d.rule})"


def _plan_sentences(plans: Sequence[PlanSection], period: Period) -> list[str]:
    if not plans:
        return ["No enforcement plan is adopted, so the report states no phase."]
    said = []
    for section in plans:
        moves = [
            _move(d, period, section.phase_names)
            for d in section.decisions
            if d.kind in (DecisionKind.PHASE_ENTERED, DecisionKind.STOOD_DOWN)
        ]
        if moves:
            said.append(f"Under {section.plan}, " + "; ".join(moves) + ".")
        else:
            said.append(f"Under {section.plan}, no track changed phase in the period.")
        if section.missed:
            said.append(
                f"{plural(len(section.missed), 'deadline')} of {section.plan} passed in the "
                "period with an actor still owing it."
            )
    return said
