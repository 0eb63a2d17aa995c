"""Everything known about one incident, worked out from its reports and its reviews.

Nothing here is stored: status, attribution, replies and breaches are derived each time from
the record, so a review can never leave a stale summary behind, and the history the analyst
sees is the history that decided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ceasefire.domain.agreement import DEFAULT_CLAUSES, DEFAULT_REPLY_PERIOD, Clause, ClauseKind
from ceasefire.domain.incidents.assessment import (
    IncidentStatus,
    corroborated_by,
    dominant_category,
    incident_severity,
    report_severity,
)
from ceasefire.domain.incidents.attribution import (
    PRESENCE_FAMILIES,
    Attribution,
    Placement,
    impact_side,
    propose,
)
from ceasefire.domain.incidents.review import STATUS_OF, Action, Review
from ceasefire.domain.reports import Report, Source
from ceasefire.domain.taxonomy import CATEGORY_INFO, FIRE_FAMILIES, Category, Family, Severity

UNATTRIBUTED = "not attributed"
HOSTILE_FAMILIES = FIRE_FAMILIES | {Family.GROUND, Family.CIVILIAN_HARM, Family.EXPLOSIVE_HAZARD}


@dataclass(frozen=True, slots=True)
class Terms:
    """What the agreement says that bears on incidents."""

    parties: tuple[str, ...] = ()
    clauses: tuple[Clause, ...] = DEFAULT_CLAUSES
    reply_period: timedelta = DEFAULT_REPLY_PERIOD


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    status: IncidentStatus
    by: str
    reason: str
    public_reason: str | None = None  # the reason without source names, where it has them

    def reason_for(self, sees_sources: bool) -> str:
        return self.reason if sees_sources or self.public_reason is None else self.public_reason


@dataclass(frozen=True, slots=True)
class Breach:
    clause: Clause
    why: str


@dataclass(frozen=True, slots=True)
class Reply:
    party: str
    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class IncidentStory:
    number: int
    members: tuple[Report, ...]  # by observed start
    category: Category
    start: datetime
    end: datetime
    lon: float | None  # the mean of its placed reports
    lat: float | None
    severity: Severity
    severity_reasons: tuple[str, ...]
    status: IncidentStatus
    history: tuple[StatusChange, ...]
    attribution: Attribution | None
    breaches: tuple[Breach, ...]
    replies: tuple[Reply, ...]
    reply_due: datetime | None  # when the attributed party's reply is due, once asked
    sector: str | None
    reviews: tuple[Review, ...] = field(default=())
    first_known: datetime | None = None

    @property
    def label(self) -> str:
        return f"INC-{self.number}"

    @property
    def status_since(self) -> datetime:
        return self.history[-1].at

    def reply_overdue(self, now: datetime) -> bool:
        return self.reply_due is not None and self.reply_due <= now and not self.replied

    @property
    def replied(self) -> bool:
        return self.attribution is not None and any(
            r.party == self.attribution.party for r in self.replies
        )

    @property
    def is_violation(self) -> bool:
        """A violation, as every output counts one (the daily and period reports, `violations
        list`, the map, the summary): it breaches a clause and no analyst has rejected it,
        whether or not anyone has yet said who did it. One incident, one violation, however
        many clauses it breaches."""
        return bool(self.breaches) and self.status is not IncidentStatus.REJECTED

    @property
    def violator(self) -> str:
        """The party the violation is laid at: its attribution's (proposed or confirmed), or
        `UNATTRIBUTED` with none or a contested one."""
        a = self.attribution
        return a.party if a is not None and not a.contested else UNATTRIBUTED

    @property
    def counted_at(self) -> datetime:
        """When the system knew enough to count it as it stands: its status and its
        attribution both established (the plan run's record time for this violation)."""
        moments = [self.status_since]
        if self.attribution is not None and self.attribution.at is not None:
            moments.append(self.attribution.at)
        return max(moments)


def tell(
    number: int,
    members: Sequence[Report],
    sources: Mapping[str, Source],
    placements: Mapping[str, Placement],
    reviews: Sequence[Review],
    terms: Terms,
) -> IncidentStory:
    """The story of incident `number` from its reports and the reviews that name it (in log
    order, whatever incident number each used at the time)."""
    ordered = tuple(sorted(members, key=lambda r: (r.observed_start, r.report_id)))
    placed = [r for r in ordered if r.lon is not None and r.lat is not None]
    history = _history(ordered, sources, reviews, terms)
    attribution = _attribution(ordered, placements, reviews, terms)
    replies = tuple(
        Reply(r.party, r.text, r.reviewer, r.at) for r in reviews if r.action is Action.RESPOND
    )
    category = dominant_category(ordered)
    reasons = sorted({why for r in ordered for why in report_severity(r)[1]})
    sectors = sorted({p.sector for r in ordered if (p := placements.get(r.report_id)) and p.sector})
    return IncidentStory(
        number=number,
        members=ordered,
        category=category,
        start=ordered[0].observed_start,
        end=max(r.observed_end for r in ordered),
        lon=sum(r.lon for r in placed if r.lon is not None) / len(placed) if placed else None,
        lat=sum(r.lat for r in placed if r.lat is not None) / len(placed) if placed else None,
        severity=incident_severity(ordered),
        severity_reasons=tuple(reasons),
        status=history[-1].status,
        history=history,
        attribution=attribution,
        breaches=breaches(ordered, category, placements, attribution, terms.clauses),
        replies=replies,
        reply_due=_reply_due(history, attribution, terms.reply_period),
        sector=sectors[0] if sectors else None,
        reviews=tuple(reviews),
        first_known=min(r.received_at for r in ordered),
    )


def _history(
    members: Sequence[Report],
    sources: Mapping[str, Source],
    reviews: Sequence[Review],
    terms: Terms,
) -> tuple[StatusChange, ...]:
    first = min(members, key=lambda r: (r.received_at, r.report_id))
    history = [StatusChange(first.received_at, IncidentStatus.REPORTED, "system", "first report")]
    corroboration = corroborated_by(members, sources)
    if corroboration is not None:
        report, why, public = corroboration
        history.append(
            StatusChange(report.received_at, IncidentStatus.CORROBORATED, "system", why, public)
        )
    for review in reviews:
        if review.action in STATUS_OF:
            status = IncidentStatus(STATUS_OF[review.action])
            history.append(StatusChange(review.at, status, review.reviewer, review.reason))
    # A review recorded before the corroborating report arrived still wins: analysts decide.
    reviewed = [h for h in history if h.by != "system"]
    automatic = [h for h in history if h.by == "system"]
    return tuple(automatic + reviewed) if reviewed else tuple(automatic)


def _attribution(
    members: Sequence[Report],
    placements: Mapping[str, Placement],
    reviews: Sequence[Review],
    terms: Terms,
) -> Attribution | None:
    confirmed = [r for r in reviews if r.action is Action.ATTRIBUTE]
    if confirmed:
        last = confirmed[-1]
        assert last.basis is not None and last.confidence is not None
        return Attribution(
            last.party, last.basis, last.confidence, last.reason, False, last.reviewer, last.at
        )
    return propose(members, placements, terms.parties)


def _reply_due(
    history: Sequence[StatusChange], attribution: Attribution | None, period: timedelta
) -> datetime | None:
    """A party is asked to reply once the incident is verified and attributed to it by an
    analyst; the period runs from the later of the two."""
    if attribution is None or attribution.proposed or attribution.at is None:
        return None
    if history[-1].status is not IncidentStatus.VERIFIED:
        return None
    return max(history[-1].at, attribution.at) + period


def breaches(
    members: Sequence[Report],
    category: Category,
    placements: Mapping[str, Placement],
    attribution: Attribution | None,
    clauses: Sequence[Clause],
) -> tuple[Breach, ...]:
    """The clauses the incident breaches, each with the fact that makes it a breach."""
    found: list[Breach] = []
    for clause in clauses:
        why = _breach(clause, members, category, placements, attribution)
        if why:
            found.append(Breach(clause, why))
    return tuple(found)


def _breach(
    clause: Clause,
    members: Sequence[Report],
    category: Category,
    placements: Mapping[str, Placement],
    attribution: Attribution | None,
) -> str | None:
    kind, family = clause.kind, CATEGORY_INFO[category].family
    if kind is ClauseKind.HOSTILE_ACT:
        return f"{family.value.replace('_', ' ')}" if family in HOSTILE_FAMILIES else None
    if kind is ClauseKind.FIRE_ACROSS_LINE:
        if family not in FIRE_FAMILIES or attribution is None:
            return None
        side = impact_side(members, placements)
        if side is None or side == attribution.party:
            return None
        return f"fire by {attribution.party} landed on {side}-held ground"
    if kind is ClauseKind.ARMED_PRESENCE_IN_DMZ:
        here = (placements.get(r.report_id) for r in members)
        if family in PRESENCE_FAMILIES and any(p is not None and p.in_dmz for p in here):
            return "armed presence inside the demilitarized zone"
        return None
    if kind is ClauseKind.WEAPON_IN_WITHDRAWAL_ZONE:
        weapons = sorted(
            {
                r.weapon_class.value
                for r in members
                if r.weapon_class is not None
                and (p := placements.get(r.report_id)) is not None
                and p.weapon_zone_breach
            }
        )
        return f"{', '.join(weapons)} inside its withdrawal zone" if weapons else None
    hit = sorted(
        {r.damaged_object.value for r in members if r.damaged_object in clause.objects}
        | (
            {"energy"}
            if category is Category.ENERGY_STRIKE and "energy" in clause.objects
            else set()
        )
    )
    return f"strike on a protected object ({', '.join(hit)})" if hit else None


def attribution_state(story: IncidentStory) -> str | None:
    """`confirmed`, `proposed`, `contested` (the rules' evidence and the reports disagree),
    or None without any."""
    a = story.attribution
    if a is None:
        return None
    return "contested" if a.contested else "proposed" if a.proposed else "confirmed"
