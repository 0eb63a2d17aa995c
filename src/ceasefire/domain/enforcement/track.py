"""One party's run through the plan: a fold over its counting violations in event order.

State is small (the phase, T0, when the last counting violation was, two sliding windows), so
a year of violations folds in one pass, and the fold can restart from the start of an episode
(a phase-1 entry) when a late violation lands in the past.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime, timedelta

from ceasefire.domain.enforcement.decisions import Decision, DecisionKind
from ceasefire.domain.enforcement.plan import SEVERITY_RANK, Exemption, Plan
from ceasefire.domain.enforcement.violations import Violation, considered, exemption_for
from ceasefire.domain.taxonomy import Severity

DAY = timedelta(hours=24)
SIX_HOURS = timedelta(hours=6)
MAJOR = SEVERITY_RANK[Severity.MAJOR]
GRAVE = SEVERITY_RANK[Severity.GRAVE]


class TrackFold:
    def __init__(self, plan: Plan, party: str) -> None:
        self.base = plan  # the latest version; with its pinning, the version of each episode
        self.party = party
        self._use(plan)
        self.decisions: list[Decision] = []
        self.episode_starts: list[tuple[int, int]] = []  # (violation index, decision count)
        self.count = 0  # violations folded so far
        self._pending: list[Decision] = []
        self._pending_version: tuple[int, int] | None = None
        self._reset()

    def _use(self, plan: Plan) -> None:
        """Run under this version of the plan (an episode runs under the one it opened with)."""
        self.plan = plan
        self.defender = plan.defenders.get(self.party, "")
        self.cure = timedelta(hours=plan.cure_period_h)
        self.earliest = timedelta(hours=plan.phase3_earliest_h)
        self.quiet = timedelta(hours=plan.quiet_period_h)

    def _reset(self) -> None:
        self.phase = 0
        self.t0: datetime | None = None
        self.initial: Violation | None = None
        self.phase1_at: datetime | None = None
        self.last: Violation | None = None
        self.window24: deque[Violation] = deque()
        self.sectors24: dict[str, int] = {}
        self.spread24 = Spread()
        self.window6: deque[Violation] = deque()
        self.sectors6: dict[str, int] = {}
        self.attack_at: datetime | None = None  # when a broader attack was established
        self.attack_evidence: tuple[str, ...] = ()
        self.attack_rule = ""
        self.phase3_at: datetime | None = None  # when phase 3 takes effect
        self.phase3_decided = False  # phase 3 emitted (it may take effect later)
        self._attack_why = ""
        self._attack_params: Mapping[str, object] = {}
        # The cure period: the counting violations in it, and whether it has been assessed.
        self.cure_ids: list[str] = []
        self.cure_last: datetime | None = None
        self.cure_assessed = False
        self.escalated: tuple[datetime, str] | None = None  # phase 2's conditions met: when, rule
        # Confirmation gates: phases asked about in this episode, and a confirmed entry
        # waiting for its time (phase, when, rule, why, evidence, parameters).
        self.gated: set[int] = set()
        self.held: tuple[int, datetime, str, str, tuple[str, ...], Mapping[str, object]] | None = (
            None
        )
        self.attack_seen_at: datetime | None = None  # the last broader attack seen in phase 3
        self.attack_seen_ids: tuple[str, ...] = ()  # ... and its evidence
        self._phase3_unanswered = False  # a gated phase 3's conditions met, no answer yet

    def rewind(self, episode: int) -> int:
        """Back to the start of an episode; returns the violation index to fold again from."""
        index, decision_count = self.episode_starts[episode]
        del self.episode_starts[episode:]
        del self.decisions[decision_count:]
        self.count = index
        self._pending_version = None
        self._reset()
        return index

    def step(self, v: Violation) -> None:
        t = v.observed_at
        last = self.last
        self._run_clocks_before(t)
        if self.phase and last is not None and t >= last.observed_at + self.quiet:
            self._settle_phase3(last.observed_at + self.quiet)
            self._stand_down(last)
        elif self.phase3_at is not None and t >= self.phase3_at:
            self._settle_phase3(t)
        if self.phase == 0 and self.base.pinning is not None:
            # A new episode runs under the version in force when it opens (or the one a
            # recorded migration moved it to), and counts what that version counts.
            chosen = self.base.for_episode(self.party, t)
            if chosen is not self.plan:
                self._use(chosen)
        if self.base.pinning is not None and not considered(self.plan, v, pinned=False):
            self.count += 1
            return
        # Where this violation's episode would start: after any stand-down, before its note.
        offset = len(self.decisions)
        exemption = exemption_for(self.plan, v)
        if exemption is not None:
            self._note_exemption(v, exemption)
            if exemption.handling == "suppress":
                self.count += 1
                return
        self._slide(v)
        deescalates = self.plan.deescalate_3_to_2_h is not None
        if deescalates and self.phase3_decided:
            seen = self._broader_attack(v)
            if seen is not None:
                self.attack_seen_at, self.attack_seen_ids = t, seen[2]
        if self.phase == 0:
            self.episode_starts.append((self.count, offset))
            self.t0, self.initial = t, v
            self._enter(
                1,
                t,
                "first counting violation",
                "the first violation the plan counts; T0 is when it was observed",
                (v.violation_id,),
            )
        elif self.phase == 1:
            self._check_escalation(v)
        if self.attack_at is None and self.phase < 3:
            self._check_broader_attack(v)
        if self.phase1_at is not None and t < self.phase1_at + self.cure:
            self.cure_ids.append(v.violation_id)
            self.cure_last = t
        self.last = v
        self.count += 1

    def _run_clocks_before(self, t: datetime) -> None:
        """The clocks that run out before `t` and change what `t` is judged under: the cure
        period's end (assessed), a confirmed phase's time, phase 3 giving way to phase 2
        after a spell without a broader attack. (Phase 3's own time and the stand-down are
        settled by `step`.)"""
        last = self.last
        if not self.phase or last is None:
            return
        stand_down_at = last.observed_at + self.quiet
        end = self._cure_end()
        # At its end (a violation at that very instant comes after it: what the end states
        # is what was known as the clock ran out, in whatever order the data arrive).
        if end is not None and end <= t and end < stand_down_at:
            self.decisions.append(self._cure_decision())
            self.cure_assessed = True
        if self.held is not None and self.held[1] <= t:
            phase, when, rule, why, evidence, params = self.held
            self.held = None
            if when < stand_down_at:
                self._enter(phase, when, rule, why, evidence, params, confirmed=True)
        if (
            self.plan.deescalate_3_to_2_h is not None
            and self.phase3_at is not None
            and self.phase3_at <= t
            and self.phase3_at < stand_down_at
        ):
            self._settle_phase3(self.phase3_at)  # phase 3 first: its spell counts from then
        down = self._deescalation_at()
        if down is not None and down <= t and down < stand_down_at:
            self._settle_phase3(down)
            self.decisions.append(self._deescalation_decision(down))
            self.phase = 2
            self.attack_at = self.phase3_at = self.attack_seen_at = None
            self.attack_seen_ids = ()
            self.phase3_decided = False

    def _cure_end(self) -> datetime | None:
        """When the cure period ends, while it is still to be assessed."""
        if self.cure_assessed or self.phase1_at is None:
            return None
        return self.phase1_at + self.cure

    def _cure_decision(self) -> Decision:
        """Did the violations stop within the cure period? The fact "violations continue"
        rests on: a counting violation after it enters phase 2."""
        assert self.phase1_at is not None
        end = self.phase1_at + self.cure
        n = len(self.cure_ids)
        count = f"{n} counting violation{'s' if n != 1 else ''} in it"
        if self.cure_last is not None:
            count += f", the last at {self.cure_last:%Y-%m-%d %H:%M} UTC"
        hours = f"{self.plan.cure_period_h:g} h"
        defender = (
            f" (the defending party, {self.defender}, was to stop them)" if self.defender else ""
        )
        if self.escalated is not None and self.escalated[0] < end:
            when, rule = self.escalated
            rule_name, outcome = (
                "cure assessed: continued",
                (
                    f"the violations did not stop within the {hours} cure period{defender}: {rule} "
                    f"at {when:%Y-%m-%d %H:%M} UTC; {count}"
                ),
            )
        else:
            rule_name, outcome = (
                "cure assessed: stopped",
                (
                    f"no escalation within the {hours} cure period{defender}; {count}. From now "
                    "any counting violation means the violations continue (phase 2)"
                ),
            )
        return Decision(
            self.party,
            DecisionKind.CURE_ASSESSED,
            end,
            rule_name,
            outcome,
            tuple(self.cure_ids),
            phase=1,
            t0=self.t0,
            parameters={"cure_period_h": self.plan.cure_period_h},
            plan=self.plan.name,
            plan_version=self.plan.version,
        )

    def _deescalation_at(self) -> datetime | None:
        """Phase 3 gives way to phase 2 this long after the last broader attack (plans that
        say so)."""
        hours = self.plan.deescalate_3_to_2_h
        if hours is None or self.phase3_at is None or self.attack_at is None:
            return None
        if not self.phase3_decided and (
            self._phase3_unanswered
            or self.last is None
            or self.last.observed_at < self.phase3_at - DAY
        ):
            return None  # phase 3 will not come (yet): nothing to give way
        seen = max(self.phase3_at, self.attack_seen_at or self.phase3_at)
        return seen + timedelta(hours=hours)

    def _deescalation_decision(self, at: datetime) -> Decision:
        hours = self.plan.deescalate_3_to_2_h
        assert hours is not None and self.last is not None
        seen = self.attack_seen_at or self.attack_at
        since = f" (the last established at {seen:%Y-%m-%d %H:%M} UTC)" if seen else ""
        return Decision(
            self.party,
            DecisionKind.PHASE_ENTERED,
            at,
            "de-escalation",
            f"{self.plan.phase(2).name}: no broader attack for {hours:g} h{since}; "
            "phase 3's response gives way to phase 2",
            self.attack_seen_ids or self.attack_evidence,
            phase=2,
            t0=self.t0,
            parameters={"deescalation.phase3_to_phase2_after_h": hours},
            plan=self.plan.name,
            plan_version=self.plan.version,
        )

    def _gated(
        self,
        phase: int,
        at: datetime,
        rule: str,
        why: str,
        evidence: tuple[str, ...],
        params: Mapping[str, object],
    ) -> bool:
        """Whether entering `phase` waits on a person (the plan's `confirm_by`): then its
        conditions are recorded as awaiting confirmation, and the recorded answer, if any,
        either schedules the entry (at the answer at the earliest) or says it was declined.
        True: the caller does not enter the phase now."""
        confirmers = self.plan.phase(phase).confirm_by
        if not confirmers:
            return False
        if phase in self.gated:
            return True
        self.gated.add(phase)
        name = self.plan.phase(phase).name
        self.decisions.append(
            Decision(
                self.party,
                DecisionKind.AWAITING_CONFIRMATION,
                at,
                rule,
                f"the conditions for phase {phase} ({name}) are met: {why}; the plan asks "
                f"{', '.join(confirmers)} to confirm before it is entered",
                evidence,
                phase=phase,
                action=f"confirm_phase_{phase}",
                actors=confirmers,
                t0=self.t0,
                parameters=dict(params),
                plan=self.plan.name,
                plan_version=self.plan.version,
            )
        )
        assert self.t0 is not None
        answer = self.base.answer(self.party, phase, self.t0)
        if answer is None:
            return True
        when = max(at, answer.at)
        said = f"{answer.by} at {answer.at:%Y-%m-%d %H:%M} UTC: {answer.reason}"
        if answer.confirmed:
            if phase != 3:  # phase 3 keeps its own time: see _check_broader_attack
                self.held = (
                    phase,
                    when,
                    f"{rule}, confirmed",
                    f"{why}; confirmed by {said}",
                    evidence,
                    params,
                )
        else:
            self.decisions.append(
                Decision(
                    self.party,
                    DecisionKind.NOT_CONFIRMED,
                    when,
                    "not confirmed",
                    f"phase {phase} ({name}) is not entered: declined by {said}",
                    evidence,
                    phase=phase,
                    action=f"confirm_phase_{phase}",
                    actors=confirmers,
                    t0=self.t0,
                    plan=self.plan.name,
                    plan_version=self.plan.version,
                )
            )
        return True

    def _note_exemption(self, v: Violation, exemption: Exemption) -> None:
        verb = "not counted" if exemption.handling == "suppress" else "counted, and flagged"
        self.decisions.append(
            Decision(
                self.party,
                DecisionKind.EXEMPTED,
                v.observed_at,
                f"exemption: {exemption.name}",
                f"inside the agreed exemption window {exemption.name!r} "
                f"({exemption.start:%Y-%m-%d %H:%M} to {exemption.end:%Y-%m-%d %H:%M} UTC): {verb}",
                (v.violation_id,),
                action=v.violation_id,
                t0=self.t0,
                parameters={"exemption": exemption.name, "handling": exemption.handling},
                plan=self.plan.name,
                plan_version=self.plan.version,
            )
        )

    def timeline(self) -> list[Decision]:
        """Every decision so far plus those the clocks will bring if nothing else is learned."""
        return self.decisions + self.pending()

    def pending_clock(self) -> datetime | None:
        """The earliest time a pending clock could bring a decision, without building it: the
        engine asks on every arrival, and almost always the answer is "not yet"."""
        last = self.last
        if not self.phase or last is None:
            return None
        clocks = [last.observed_at + self.quiet]
        if self.attack_at is not None and not self.phase3_decided and self.phase3_at is not None:
            clocks.append(self.phase3_at)
        for clock in (self._cure_end(), self._deescalation_at()):
            if clock is not None:
                clocks.append(clock)
        if self.held is not None:
            clocks.append(self.held[1])
        return min(clocks)

    def pending(self) -> list[Decision]:
        """Cached until the fold changes: the clocks ask on every arrival and every tick."""
        version = (self.count, len(self.decisions))
        if self._pending_version != version:
            self._pending = self._compute_pending()
            self._pending_version = version
        return self._pending

    def _compute_pending(self) -> list[Decision]:
        last = self.last
        if not self.phase or last is None:
            return []
        stand_down_at = last.observed_at + self.quiet
        pending: list[Decision] = []
        end = self._cure_end()
        if end is not None and end < stand_down_at:
            pending.append(self._cure_decision())
        if self.held is not None and self.held[1] < stand_down_at:
            phase, when, rule, why, evidence, params = self.held
            pending += self._phase_decisions(phase, when, rule, why, evidence, params)
        if self.attack_at is not None and not self.phase3_decided and self.phase3_at is not None:
            if not self._phase3_unanswered:
                pending += self._phase3_decisions(stand_down_at)
            elif self.phase3_at < stand_down_at and last.observed_at < self.phase3_at - DAY:
                pending.append(self._lapsed_decision())
        down = self._deescalation_at()
        if down is not None and down < stand_down_at:
            pending.append(self._deescalation_decision(down))
        pending.append(self._stand_down_decision(last))
        return pending

    # --- rules ---------------------------------------------------------------------------

    def _slide(self, v: Violation) -> None:
        """Both windows forward to `v` (the hot path of a year's replay: kept flat)."""
        cutoff24, cutoff6 = v.observed_at - DAY, v.observed_at - SIX_HOURS
        window, sectors = self.window24, self.sectors24
        window.append(v)
        self.spread24.add(v)
        if v.sector:
            sectors[v.sector] = sectors.get(v.sector, 0) + 1
        while window[0].observed_at < cutoff24:
            _drop(sectors, window.popleft().sector)
            self.spread24.drop_one()
        window, sectors = self.window6, self.sectors6
        if SEVERITY_RANK[v.severity] >= MAJOR:
            window.append(v)
            if v.sector:
                sectors[v.sector] = sectors.get(v.sector, 0) + 1
        while window and window[0].observed_at < cutoff6:
            _drop(sectors, window.popleft().sector)

    def _check_escalation(self, v: Violation) -> None:
        """Phase 1 to 2: the cure period has passed, or escalation is evident."""
        plan, esc = self.plan, self.plan.escalation
        t = v.observed_at
        assert self.phase1_at is not None and self.initial is not None
        if t > self.phase1_at + self.cure:
            self._enter(
                2,
                t,
                "violations continue",
                f"a counting violation {_hours(t - self.phase1_at)} after phase 1 began, "
                f"past the {plan.cure_period_h:g} h cure period",
                (v.violation_id,),
                {"cure_period_h": plan.cure_period_h},
            )
            return
        if t == self.t0:
            # Violations at the same instant as the first are all initial: the most severe
            # of them sets the bar for "more severe", whatever their ids' order.
            if v.rank > self.initial.rank:
                self.initial = v
        elif esc.more_severe_than_initial and v.rank > self.initial.rank:
            self._enter(
                2,
                t,
                "escalation evident: more severe",
                f"a {v.severity.value} violation ({v.category.value}) after an initial "
                f"{self.initial.severity.value} one",
                (self.initial.violation_id, v.violation_id),
                {"escalation.more_severe_than_initial": True},
            )
            return
        self._check_repeated(v)

    def _check_repeated(self, v: Violation) -> None:
        esc = self.plan.escalation
        t = v.observed_at
        if esc.count_in_24h is not None and len(self.window24) >= esc.count_in_24h:
            self._enter(
                2,
                t,
                "escalation evident: repeated",
                f"{len(self.window24)} counting violations within 24 h "
                f"(threshold {esc.count_in_24h})",
                _ids(self.window24),
                {"escalation.count_in_24h": esc.count_in_24h},
            )
        elif esc.sectors_in_24h is not None and len(self.sectors24) >= esc.sectors_in_24h:
            self._enter(
                2,
                t,
                "escalation evident: spreading",
                f"violations in {len(self.sectors24)} sectors within 24 h "
                f"({', '.join(sorted(self.sectors24))}; threshold {esc.sectors_in_24h})",
                _ids(self.window24),
                {"escalation.sectors_in_24h": esc.sectors_in_24h},
            )

    def _check_broader_attack(self, v: Violation) -> None:
        finding = self._broader_attack(v)
        if finding is None:
            return
        rule, why, evidence, params = finding
        t = v.observed_at
        assert self.t0 is not None
        if self.phase < 2 and not self.plan.allow_phase_skip:
            self._enter(2, t, "escalation evident: " + rule, why, evidence, params)
            if self.phase < 2 and self.held is None:
                return  # phase 2 waits on a confirmation (or was declined): not phase 3 yet
        self.attack_at, self.attack_evidence, self.attack_rule = t, evidence, rule
        self.phase3_at = max(t, self.t0 + self.earliest)
        if self.held is not None:
            self.phase3_at = max(self.phase3_at, self.held[1])
        self._attack_why = why
        self._attack_params = params
        if self.plan.phase(3).confirm_by:
            self._gated(3, t, rule, why, evidence, params)
            answer = self.base.answer(self.party, 3, self.t0)
            if answer is None:
                # Awaiting: no phase 3 without an answer, but at its time the gate lapses if
                # the attack is over by then (see _settle_phase3).
                self._phase3_unanswered = True
                return
            if not answer.confirmed:
                self.phase3_at = None  # declined: no phase 3 in this episode
                return
            self.phase3_at = max(self.phase3_at, answer.at)
            self._attack_why = f"{why}; confirmed by {answer.by}: {answer.reason}"
        if self.plan.broader_attack.proceed_if_attack_stops or self.phase3_at == t:
            self._enter_phase3()
        if self.phase3_at == t:
            self.phase = 3

    def _broader_attack(
        self, v: Violation
    ) -> tuple[str, str, tuple[str, ...], dict[str, object]] | None:
        """The rule that establishes a broader attack with this violation, if any."""
        broad = self.plan.broader_attack
        if v.rank >= GRAVE and v.category in broad.categories:
            kinds = sorted(c.value for c in broad.categories)
            return (
                "broader attack: grave",
                f"a grave {v.category.value.replace('_', ' ')}",
                (v.violation_id,),
                {"broader_attack.categories": kinds},
            )
        if broad.count_in_24h is not None and len(self.window24) >= broad.count_in_24h:
            spread_km, needed = self.spread24.km(), broad.count_spread_km
            if needed is None:
                return (
                    "broader attack: mass",
                    f"{len(self.window24)} counting violations within 24 h "
                    f"(threshold {broad.count_in_24h})",
                    _ids(self.window24),
                    {"broader_attack.count_in_24h": broad.count_in_24h},
                )
            if spread_km >= needed:
                return (
                    "broader attack: mass",
                    f"{len(self.window24)} counting violations within 24 h spread over "
                    f"{spread_km:.0f} km (thresholds {broad.count_in_24h}, {needed:g} km)",
                    _ids(self.window24),
                    {
                        "broader_attack.count_in_24h": broad.count_in_24h,
                        "broader_attack.count_spread_km": needed,
                    },
                )
        sectors = broad.major_sectors_in_6h
        if sectors is not None and len(self.sectors6) >= sectors:
            return (
                "broader attack: front-wide",
                f"major-or-worse violations in {len(self.sectors6)} sectors within 6 h "
                f"(threshold {sectors})",
                _ids(self.window6),
                {"broader_attack.major_sectors_in_6h": sectors},
            )
        return None

    def _phase3_decisions(self, stand_down_at: datetime) -> list[Decision]:
        """Phase 3 still to come, when it waits on the attack continuing (otherwise it was
        decided when the attack was established)."""
        assert self.phase3_at is not None and self.last is not None
        if self.phase3_at > stand_down_at or self.last.observed_at < self.phase3_at - DAY:
            return []
        return self._phase_decisions(
            3,
            self.phase3_at,
            self.attack_rule,
            self._phase3_why(),
            self.attack_evidence,
            self._attack_params,
        )

    def _settle_phase3(self, now: datetime) -> None:
        """Phase 3's time has come (`now` is at or past it): it takes effect if it was decided,
        or, waiting on a continuing attack, if a counting violation came in the 24 h before
        it; if none did, the attack is over and a later one is judged afresh."""
        if self.phase3_at is None or now < self.phase3_at or self.phase >= 3:
            return
        if self.phase3_decided:
            self.phase = 3
            return
        assert self.last is not None
        attack_goes_on = self.last.observed_at >= self.phase3_at - DAY
        if self._phase3_unanswered:
            if not attack_goes_on:
                self.decisions.append(self._lapsed_decision())
            self.phase3_at = None  # still awaiting its answer, or lapsed: no phase 3 clock
            return
        if attack_goes_on:
            self._enter_phase3()
            self.phase = 3
        else:
            if 3 in self.gated:  # confirmed, but the attack was over by phase 3's time
                self.decisions.append(self._lapsed_decision())
            self.attack_at = self.phase3_at = None

    def _lapsed_decision(self) -> Decision:
        """A gated phase 3 whose time came after the attack was over: not entered, said so
        (the track no longer awaits it)."""
        assert self.phase3_at is not None and self.last is not None
        return Decision(
            self.party,
            DecisionKind.NOT_CONFIRMED,
            self.phase3_at,
            "attack over",
            f"phase 3 ({self.plan.phase(3).name}) is not entered: no counting violation in the "
            f"24 h before its time ({self.phase3_at:%Y-%m-%d %H:%M} UTC); the last was at "
            f"{self.last.observed_at:%Y-%m-%d %H:%M} UTC",
            (self.last.violation_id,),
            phase=3,
            action="confirm_phase_3",
            actors=self.plan.phase(3).confirm_by,
            t0=self.t0,
            plan=self.plan.name,
            plan_version=self.plan.version,
        )

    def _enter_phase3(self) -> None:
        """Emit phase 3 and its actions, effective at `phase3_at` (perhaps still to come)."""
        assert self.phase3_at is not None
        self.decisions += self._phase_decisions(
            3,
            self.phase3_at,
            self.attack_rule,
            self._phase3_why(),
            self.attack_evidence,
            self._attack_params,
        )
        self.phase3_decided = True

    def _phase3_why(self) -> str:
        assert self.t0 is not None and self.attack_at is not None and self.phase3_at is not None
        if self.phase3_at > self.attack_at:
            return (
                f"{self._attack_why}; the response commences {self.plan.phase3_earliest_h:g} h "
                f"after the initial incident (T0 {self.t0:%Y-%m-%d %H:%M} UTC), not earlier"
            )
        return f"{self._attack_why}, more than {self.plan.phase3_earliest_h:g} h after T0"

    def _enter(
        self,
        phase: int,
        at: datetime,
        rule: str,
        why: str,
        evidence: tuple[str, ...],
        params: Mapping[str, object] | None = None,
        *,
        confirmed: bool = False,
    ) -> None:
        if phase == 2 and self.escalated is None:
            self.escalated = (at, rule)
        if (
            not confirmed
            and phase > 1
            and self._gated(phase, at, rule, why, evidence, params or {})
        ):
            return
        self.decisions += self._phase_decisions(phase, at, rule, why, evidence, params or {})
        self.phase = phase
        if phase == 1:
            self.phase1_at = at

    def _phase_decisions(
        self,
        phase: int,
        at: datetime,
        rule: str,
        why: str,
        evidence: tuple[str, ...],
        params: Mapping[str, object],
    ) -> list[Decision]:
        spec = self.plan.phase(phase)
        entered = Decision(
            self.party,
            DecisionKind.PHASE_ENTERED,
            at,
            rule,
            f"{spec.name}: {why}",
            evidence,
            phase=phase,
            t0=self.t0,
            parameters=dict(params),
            plan=self.plan.name,
            plan_version=self.plan.version,
        )
        actions = [
            Decision(
                self.party,
                DecisionKind.ACTION_REQUIRED,
                at,
                rule,
                action.description or action.action.replace("_", " "),
                evidence,
                phase=phase,
                action=action.action,
                actors=self._actors(action.actor),
                due_at=at + timedelta(hours=action.due_h),
                t0=self.t0,
                plan=self.plan.name,
                plan_version=self.plan.version,
                shared=action.shared,
            )
            for action in spec.actions
        ]
        return [entered, *actions]

    def _actors(self, actor: str) -> tuple[str, ...]:
        if actor == "violator":
            return (self.party,)
        if actor == "defender":
            # With `subjects: all` a party may turn up that the plan names no defender for.
            return (self.defender,) if self.defender else (f"defender of {self.party} (unnamed)",)
        return self.plan.actors.get(actor, (actor,))

    def _stand_down_decision(self, last: Violation) -> Decision:
        at = last.observed_at + self.quiet
        return Decision(
            self.party,
            DecisionKind.STOOD_DOWN,
            at,
            "quiet period",
            f"no counting violation for {self.plan.quiet_period_h:g} h after the last one "
            f"({last.observed_at:%Y-%m-%d %H:%M} UTC)",
            (last.violation_id,),
            t0=self.t0,
            parameters={"quiet_period_h": self.plan.quiet_period_h},
            plan=self.plan.name,
            plan_version=self.plan.version,
        )

    def _stand_down(self, last: Violation) -> None:
        self.decisions.append(self._stand_down_decision(last))
        self._reset()


class Spread:
    """How far apart the places of a sliding window's violations are: the larger side of
    their bounding box, in km (0 with fewer than two placed), kept as the window slides with
    a monotonic deque per edge, so each step costs what it adds and drops."""

    def __init__(self) -> None:
        self._added = 0  # violations added so far (placed or not)
        self._dropped = 0  # of those, dropped from the window's front
        # (position, value): increasing values for minima, decreasing for maxima.
        self._edges: tuple[deque[tuple[int, float]], ...] = tuple(deque() for _ in range(4))

    def add(self, v: Violation) -> None:
        position = self._added
        self._added += 1
        if v.lon is None or v.lat is None:
            return
        x = v.lon * KM_PER_DEGREE * COS_REF
        y = v.lat * KM_PER_DEGREE
        for edge, value, lowest in zip(
            self._edges, (x, x, y, y), (True, False, True, False), strict=True
        ):
            while edge and (edge[-1][1] >= value if lowest else edge[-1][1] <= value):
                edge.pop()
            edge.append((position, value))

    def drop_one(self) -> None:
        """The window's oldest violation left it."""
        for edge in self._edges:
            if edge and edge[0][0] == self._dropped:
                edge.popleft()
        self._dropped += 1

    def km(self) -> float:
        west, east, south, north = (edge[0][1] if edge else 0.0 for edge in self._edges)
        return max(east - west, north - south)


KM_PER_DEGREE = 111.2
COS_REF = 0.669  # cos 48°: the theatre's latitude; a few per cent either way is fine here


def _drop(counter: dict[str, int], key: str | None) -> None:
    if key:
        left = counter[key] - 1
        if left:
            counter[key] = left
        else:
            del counter[key]


def _ids(window: deque[Violation]) -> tuple[str, ...]:
    return tuple(v.violation_id for v in window)


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:g} h"
