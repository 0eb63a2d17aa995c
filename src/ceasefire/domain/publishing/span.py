"""The period report: a week or a month at a glance, for negotiators and guarantors.

Built on the daily report's tallies over the whole span (sectors, parties, the plan's tracks,
decisions and deadlines), plus what only a longer view shows: the trend day by day per party,
and compliance per party and clause (how often each undertaking was broken, and by whom).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from ceasefire.domain.incidents.story import UNATTRIBUTED, IncidentStory
from ceasefire.domain.publishing.daily import DailyInputs, DailyReport, daily_report
from ceasefire.domain.publishing.period import Period
from ceasefire.domain.publishing.tally import is_violation
from ceasefire.domain.publishing.wording import change, day_text, listing, plural
from ceasefire.domain.timeparse import add_days


@dataclass(frozen=True, slots=True)
class DayLine:
    day: date  # local
    by_party: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.by_party)


@dataclass(frozen=True, slots=True)
class ClauseLine:
    clause: str
    kind: str
    by_party: tuple[tuple[str, int, int], ...]  # party, violations, of them confirmed

    @property
    def total(self) -> int:
        return sum(n for _, n, _ in self.by_party)


@dataclass(frozen=True)
class PeriodReport:
    base: DailyReport
    days: tuple[DayLine, ...]
    clauses: tuple[ClauseLine, ...]
    parties: tuple[str, ...]
    summary: tuple[str, ...]


def _party(story: IncidentStory) -> str:
    return story.violator


def _party_order(names: set[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda n: (n == UNATTRIBUTED, n)))


def period_report(inputs: DailyInputs) -> PeriodReport:
    base = daily_report(inputs)
    p = inputs.period
    counted = [s for s in inputs.stories if p.holds(s.start) and is_violation(s)]
    parties = _party_order({_party(s) for s in counted})
    days = _days(counted, p, parties)
    clauses = _clauses(counted, parties)
    report = PeriodReport(base, days, clauses, parties, ())
    return replace(report, summary=_sentences(report))


def _days(
    stories: Sequence[IncidentStory], p: Period, parties: Sequence[str]
) -> tuple[DayLine, ...]:
    per_day: dict[date, Counter[str]] = {}
    for s in stories:
        per_day.setdefault(p.local(s.start).date(), Counter())[_party(s)] += 1
    lines = []
    moment = p.start
    while moment < p.end:
        day = p.local(moment).date()
        counts = per_day.get(day, Counter())
        lines.append(DayLine(day, tuple((party, counts[party]) for party in parties)))
        moment = add_days(moment, 1, p.zone)
    return tuple(lines)


def _clauses(stories: Sequence[IncidentStory], parties: Sequence[str]) -> tuple[ClauseLine, ...]:
    found: dict[tuple[str, str], Counter[str]] = {}
    confirmed: dict[tuple[str, str], Counter[str]] = {}
    for s in stories:
        for breach in s.breaches:
            key = (breach.clause.clause_id, breach.clause.kind.value)
            found.setdefault(key, Counter())[_party(s)] += 1
            if s.attribution is not None and not s.attribution.proposed:
                confirmed.setdefault(key, Counter())[_party(s)] += 1
    return tuple(
        ClauseLine(
            clause,
            kind,
            tuple(
                (
                    party,
                    found[(clause, kind)][party],
                    confirmed.get((clause, kind), Counter())[party],
                )
                for party in parties
            ),
        )
        for clause, kind in sorted(found)
    )


def _sentences(r: PeriodReport) -> tuple[str, ...]:
    b, p = r.base, r.base.period
    start, end = p.local(p.start), p.local(p.end)
    n, m = b.total.violations, b.previous_total.violations
    days = len(r.days)
    said = [
        f"Between {start:%H:%M} on {day_text(start)} and {end:%H:%M} on {day_text(end)} "
        f"({p.zone}), {plural(n, 'ceasefire violation')} {'was' if n == 1 else 'were'} recorded, "
        f"{change(n, m)} in the previous {plural(days, 'day')}; "
        f"{n / days:.1f} a day on average."
        if days
        else ""
    ]
    if n:
        busiest = max(r.days, key=lambda d: (d.total, d.day))
        said.append(f"The most in one day: {busiest.total:,} on {day_text(busiest.day)}.")
        named = [
            f"{party} {count:,}"
            for party, count in Counter(
                {party: sum(dict(d.by_party)[party] for d in r.days) for party in r.parties}
            ).most_common()
        ]
        said.append(f"By party: {listing(named)}.")
        worst = max(r.clauses, key=lambda c: (c.total, c.clause), default=None)
        if worst is not None:
            kind = worst.kind.replace("_", " ")
            said.append(
                f"The undertaking broken most often: {worst.clause} ({kind}), "
                f"{plural(worst.total, 'time')}."
            )
    said += [s for s in b.summary if s.startswith(("Under ", "No enforcement"))]
    said += [s for s in b.summary if "deadline" in s]
    return tuple(s for s in said if s)
