"""A plan run over time: violations arrive (late, out of order), clocks run, decisions are logged.

A decision enters the log once it is both known and due: `known_at` is the later of when it
takes effect (`effective_at`, event time) and when the data that make it so arrived. Decisions
the clocks will bring (a stand-down after the quiet period, phase 3 at T0 + 72 h) wait as
pending until `tick` reaches them, so an arrival that moves a pending clock writes nothing.
When late data change what was already logged, the log gains a `withdrawn` decision for each
decision that no longer holds and the corrected decisions, marked `late`, with the time they
became known. Nothing logged is ever changed.

Arrivals at the same instant are one batch; feeding violations one at a time at distinct times,
or a year at once as `replay`, gives the same log (property-tested).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import groupby
from operator import attrgetter

from ceasefire.domain.enforcement.decisions import Decision, DecisionKind, withdrawal
from ceasefire.domain.enforcement.plan import Plan
from ceasefire.domain.enforcement.track import TrackFold
from ceasefire.domain.enforcement.violations import Violation, considered, event_order

Key = tuple[object, ...]


class PartyTrack:
    """One party's counting violations in event order, the fold over them, and what of its
    timeline is in the log.

    Violations arriving in event order only extend the fold: then only the pending clocks can
    have changed, and the log is brought up to date from the tail (cheap). A violation landing
    in the past refolds from its episode and the whole timeline is compared with the log.
    """

    def __init__(self, plan: Plan, party: str) -> None:
        self.fold = TrackFold(plan, party)
        self.violations: list[Violation] = []
        self.keys: list[tuple[datetime, str]] = []
        self.logged: dict[Key, Decision] = {}  # key -> the decision logged
        self.logged_pending: set[Key] = set()  # logged while still a pending clock
        self.cursor = 0  # every decision of the fold before this index is logged
        self.tail_from: int | None = None  # appended since the last reconcile: decisions from
        self.refolded = False  # a violation landed in the past since the last reconcile

    def add(self, violation: Violation) -> None:
        key = event_order(violation)
        if not self.keys or key > self.keys[-1]:
            if self.tail_from is None:
                self.tail_from = len(self.fold.decisions)
            self.violations.append(violation)
            self.keys.append(key)
            self.fold.step(violation)
            return
        index = bisect.bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            return  # the same violation again
        self.violations.insert(index, violation)
        self.keys.insert(index, key)
        self._refold_from(index)
        self.refolded = True

    def remove(self, violation: Violation) -> None:
        """Take a violation out (a review changed or rejected it): the fold is folded again
        from the episode it was in, as for a late arrival."""
        key = event_order(violation)
        index = bisect.bisect_left(self.keys, key)
        if index == len(self.keys) or self.keys[index] != key:
            return  # never folded (not counted when it arrived)
        del self.violations[index]
        del self.keys[index]
        self._refold_from(index)
        self.refolded = True

    def _refold_from(self, index: int) -> None:
        """Fold again from the start of the episode of the violation just before the insertion:
        the newcomer may extend that episode (and merge it with the next), not only the next."""
        starts = self.fold.episode_starts
        episode = bisect.bisect_right([s for s, _ in starts], index - 1) - 1
        if episode < 0:  # before every episode (perhaps after suppressed violations)
            restart = 0
            self.fold = TrackFold(self.fold.base, self.fold.party)
        else:
            restart = self.fold.rewind(episode)
        self.cursor = min(self.cursor, len(self.fold.decisions))
        for violation in self.violations[restart:]:
            self.fold.step(violation)

    def reconcile(self, horizon: datetime) -> list[Decision]:
        """Bring the log in line with the timeline up to `horizon` (the present): withdraw what
        no longer holds, log what is now due. Returns the new log entries."""
        fold = self.fold
        if self.refolded:
            candidates = fold.decisions + fold.pending()
            # Same key is not enough after a refold: a new T0, rule or evidence means the
            # decision as logged no longer holds.
            substance: dict[Key, tuple[object, ...]] = {d.key: d.substance for d in candidates}
            suspects: Iterable[Key] = list(self.logged)
            present = {k for k in self.logged if substance.get(k) == self.logged[k].substance}
            present |= {d.key for d in candidates if d.key not in self.logged}
        else:
            # An append changes nothing before the tail but the pending clocks: a clock logged
            # when it ran out holds while the fold still reaches it on the same grounds (the
            # cure period's end, say, stated on the violations known then; a late one from
            # inside the period changes them: withdrawn and stated again).
            candidates = fold.decisions[self.tail_from or 0 :]
            suspects = list(self.logged_pending)
            reached = {d.key: d.substance for d in candidates}
            if suspects:
                reached |= {d.key: d.substance for d in fold.pending()}
            present = {
                k
                for k, grounds in reached.items()
                if k not in self.logged_pending or self.logged[k].substance == grounds
            }
            clock = fold.pending_clock()
            if clock is not None and clock <= horizon:
                candidates = candidates + fold.pending()
        self.refolded, self.tail_from = False, None
        entries = [
            withdrawal(self._unlog(key), horizon, "later reports changed the timeline")
            for key in [k for k in suspects if k not in present]
        ]
        pending_keys = (
            {d.key for d in fold.pending()} if self.logged_pending or candidates else set()
        )
        for decision in candidates:
            if decision.effective_at <= horizon and decision.key not in self.logged:
                # Due already, yet not logged by the clocks: the data arrived only now.
                entries.append(self._log(decision.known(horizon), decision.key in pending_keys))
        if self.logged_pending:
            self.logged_pending &= pending_keys
        self._advance()
        return entries

    def tick(self, now: datetime) -> list[Decision]:
        """Log what has fallen due by `now` on what is known, each known when it fell due."""
        fold = self.fold
        entries = []
        for decision in fold.decisions[self.cursor :]:
            if decision.effective_at <= now and decision.key not in self.logged:
                entries.append(self._log(decision.known(decision.effective_at), False))
        clock = fold.pending_clock()
        if clock is not None and clock <= now:
            for decision in fold.pending():
                if decision.effective_at <= now and decision.key not in self.logged:
                    entries.append(self._log(decision.known(decision.effective_at), True))
        self._advance()
        return entries

    def _log(self, decision: Decision, pending: bool) -> Decision:
        self.logged[decision.key] = decision
        if pending:
            self.logged_pending.add(decision.key)
        return decision

    def _unlog(self, key: Key) -> Decision:
        self.logged_pending.discard(key)
        return self.logged.pop(key)

    def _advance(self) -> None:
        decisions = self.fold.decisions
        while self.cursor < len(decisions) and decisions[self.cursor].key in self.logged:
            self.cursor += 1


class PlanRun:
    """Tracks for every party under one plan."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.tracks: dict[str, PartyTrack] = {}
        self.log: list[Decision] = []
        self.now: datetime | None = None

    def tick(self, now: datetime) -> list[Decision]:
        """The clocks run to `now`: pending decisions that have come due are logged, each
        known when it fell due."""
        self.now = now
        entries: list[Decision] = []
        for party in sorted(self.tracks):
            entries += self.tracks[party].tick(now)
        entries.sort(key=_log_order)
        self.log += entries
        return entries

    def receive(
        self,
        violations: Iterable[Violation],
        known_at: datetime,
        *,
        replacing: Iterable[Violation] = (),
    ) -> list[Decision]:
        """Violations that became known at `known_at`: the clocks first run to that moment on
        what was known before, then the new data are folded in and the log reconciled.
        `replacing`: violations fed before that are no longer what the record holds (a
        review, a corroborating report): taken out first, their new versions (if any) being
        among `violations`; what they had decided is withdrawn and corrected at `known_at`."""
        entries = self.tick(known_at)
        touched: set[str] = set()
        for old in replacing:
            if considered(self.plan, old) and old.party in self.tracks:
                self.tracks[old.party].remove(old)
                touched.add(old.party)
        # In event order: each then extends its track's fold, where in any order most would
        # land in the past and refold their episode (quadratic in a large batch).
        for violation in sorted(violations, key=event_order):
            if not considered(self.plan, violation):
                continue
            track = self.tracks.get(violation.party)
            if track is None:
                track = self.tracks[violation.party] = PartyTrack(self.plan, violation.party)
            track.add(violation)
            touched.add(violation.party)
        new: list[Decision] = []
        for party in sorted(touched):
            new += self.tracks[party].reconcile(known_at)
        new.sort(key=_log_order)
        self.log += new
        return entries + new


def replay(
    plan: Plan, violations: Sequence[Violation], until: datetime, *, run: PlanRun | None = None
) -> list[Decision]:
    """The log as a running system would have written it: violations arriving at their
    `known_at`, clocks running to `until`. `run`: a new run to use (and keep, to feed what
    arrives later), else one of its own."""
    run = run if run is not None else PlanRun(plan)
    arrivals = sorted(violations, key=lambda v: (v.known_at, v.violation_id))
    for known_at, batch in groupby(arrivals, key=lambda v: v.known_at):
        if known_at > until:
            break
        run.receive(list(batch), known_at)
    run.tick(until)
    return run.log


def timeline(plan: Plan, violations: Sequence[Violation]) -> list[Decision]:
    """What should happen in light of everything known now, in event time (no log)."""
    tracks: dict[str, TrackFold] = {}
    in_order = sorted((v for v in violations if considered(plan, v)), key=_EVENT_ORDER)
    for violation in in_order:
        fold = tracks.get(violation.party)
        if fold is None:
            fold = tracks[violation.party] = TrackFold(plan, violation.party)
        fold.step(violation)
    return _in_time_order(d for party in sorted(tracks) for d in tracks[party].timeline())


def run_timeline(run: PlanRun) -> list[Decision]:
    """`timeline` of what `run` was fed, from its tracks' folds as they stand: a running
    process answers "where does each track stand" without folding the record again."""
    return _in_time_order(
        d for party in sorted(run.tracks) for d in run.tracks[party].fold.timeline()
    )


def _in_time_order(decisions: Iterable[Decision]) -> list[Decision]:
    return sorted(
        decisions, key=lambda d: (d.effective_at, d.party, _KIND_ORDER[d.kind], d.phase, d.action)
    )


# The same order as `event_order`, computed in C: a year of history is sorted in one call.
_EVENT_ORDER = attrgetter("observed_at", "violation_id")

_KIND_ORDER = {
    DecisionKind.EXEMPTED: -1,
    DecisionKind.WITHDRAWN: 0,
    DecisionKind.STOOD_DOWN: 1,
    DecisionKind.CURE_ASSESSED: 2,
    DecisionKind.NOT_CONFIRMED: 3,
    DecisionKind.AWAITING_CONFIRMATION: 4,
    DecisionKind.PHASE_ENTERED: 5,
    DecisionKind.ACTION_REQUIRED: 6,
}


def _log_order(decision: Decision) -> tuple[object, ...]:
    return (
        decision.known_at,
        decision.effective_at,
        decision.party,
        _KIND_ORDER[decision.kind],
        decision.phase,
        decision.action,
    )
