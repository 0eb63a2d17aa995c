"""Invariants of the engine over random violation sequences and random arrival orders."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain.enforcement.decisions import DecisionKind
from ceasefire.domain.enforcement.plan_run import PlanRun, replay, timeline
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.taxonomy import Category, Severity

from .test_enforcement_scenarios import PLAN, T, h

KINDS = [Category.SMALL_ARMS, Category.ARTILLERY, Category.GROUND_ASSAULT, Category.AIR_STRIKE]


@st.composite
def violation_sets(draw: st.DrawFn) -> list[Violation]:
    """Up to 40 violations over three weeks for two parties; each known 0-60 h after it
    happened (so many arrive late and out of order); arrival instants all distinct."""
    count = draw(st.integers(1, 40))
    hours = draw(st.lists(st.integers(0, 24 * 21), min_size=count, max_size=count))
    delays = draw(st.lists(st.integers(0, 60 * 60), min_size=count, max_size=count, unique=True))
    result = []
    for i, (hour, delay_min) in enumerate(zip(hours, delays, strict=True)):
        result.append(
            Violation(
                violation_id=f"v{i:03d}",
                party=draw(st.sampled_from(["RU", "RU", "UA"])),
                observed_at=h(hour),
                known_at=h(hour) + timedelta(minutes=delay_min) + timedelta(seconds=i),
                severity=draw(st.sampled_from(list(Severity))),
                category=draw(st.sampled_from(KINDS)),
                sector=draw(st.sampled_from(["A", "B", "C", "D"])),
            )
        )
    return result


HORIZON = h(24 * 40)


def standing(log: list) -> set:  # type: ignore[type-arg]
    """Decisions logged and not withdrawn: what they decide and on what grounds."""
    withdrawn = {d.revises for d in log if d.kind is DecisionKind.WITHDRAWN}
    return {
        (d.key, d.substance)
        for d in log
        if d.kind is not DecisionKind.WITHDRAWN and d.decision_id not in withdrawn
    }


@settings(deadline=None)
@given(violation_sets())
def test_incremental_equals_batch(violations: list[Violation]) -> None:
    batch = replay(PLAN, violations, until=HORIZON)
    engine = PlanRun(PLAN)
    for v in sorted(violations, key=lambda v: v.known_at):
        engine.receive([v], v.known_at)
    engine.tick(HORIZON)
    assert engine.log == batch


@settings(deadline=None)
@given(violation_sets(), st.randoms(use_true_random=False))
def test_replay_equals_live_and_arrival_order_does_not_matter(
    violations: list[Violation], rng
) -> None:  # type: ignore[no-untyped-def]
    """After everything has arrived, what stands in the log is the timeline computed in one go
    from all violations, whatever order they arrived in."""
    expected = {
        (d.key, d.substance) for d in timeline(PLAN, violations) if d.effective_at <= HORIZON
    }
    assert standing(replay(PLAN, violations, until=HORIZON)) == expected
    shuffled = violations[:]
    rng.shuffle(shuffled)
    assert {d.key for d in timeline(PLAN, shuffled)} == {d.key for d in timeline(PLAN, violations)}


@settings(deadline=None)
@given(violation_sets())
def test_phase3_never_before_t0_plus_72h_and_never_without_evidence(
    violations: list[Violation],
) -> None:
    known = {v.violation_id: v for v in violations}
    for d in timeline(PLAN, violations):
        if d.kind is DecisionKind.PHASE_ENTERED:
            assert d.evidence
            for vid in d.evidence:
                assert known[vid].party == d.party
                assert known[vid].observed_at <= d.effective_at
            assert d.t0 is not None
            if d.phase == 3:
                assert d.effective_at >= d.t0 + timedelta(hours=PLAN.phase3_earliest_h)


@settings(deadline=None)
@given(violation_sets())
def test_stand_down_only_after_a_quiet_period(violations: list[Violation]) -> None:
    quiet = timedelta(hours=PLAN.quiet_period_h)
    for d in timeline(PLAN, violations):
        if d.kind is DecisionKind.STOOD_DOWN:
            party = [v for v in violations if v.party == d.party and PLAN.tracks(v.party)]
            before = [v.observed_at for v in party if v.observed_at < d.effective_at]
            assert max(before) + quiet == d.effective_at
            assert not any(d.effective_at - quiet < v.observed_at < d.effective_at for v in party)


def test_timeline_starts_at_t() -> None:
    assert timeline(PLAN, []) == []
    assert T.tzinfo is not None


@given(violation_sets(), st.lists(st.integers(0, 24 * 40), max_size=8))
def test_recording_at_any_steps_ends_where_the_log_stands(
    violations: list[Violation], step_hours: list[int]
) -> None:
    """Whenever the clock happens to run, the record it writes ends up standing exactly as
    the plan's log does, and a step with nothing new writes nothing."""
    from ceasefire.domain.enforcement.records import standing as recorded_standing
    from ceasefire.domain.enforcement.records import to_write

    record: list = []  # type: ignore[type-arg]
    adopted = h(-1)
    for hour in [*sorted(step_hours), 24 * 40]:
        now = h(hour)
        known = [v for v in violations if v.known_at <= now]
        record += to_write(replay(PLAN, known, until=now), record, adopted_at=adopted, now=now)
    final = replay(PLAN, violations, until=HORIZON)
    assert {(k, d.substance) for k, d in recorded_standing(record).items()} == standing(final)
    assert to_write(final, record, adopted_at=adopted, now=HORIZON) == []


@settings(deadline=None)
@given(violation_sets(), st.lists(st.integers(0, 24 * 40), max_size=8), st.data())
def test_a_kept_run_stands_as_the_replay_at_every_step(
    violations: list[Violation], step_hours: list[int], data: st.DataObject
) -> None:
    """A running clock keeps each plan's run and feeds it what changed since its last step
    (`speed.plan_runs`). While nothing fed has changed, its log is the very log a replay from
    the start gives. Between steps a violation already fed may change (a review raising its
    severity) or stop being one (a rejection): the run takes it out and feeds the new version
    at the step's time, so what its log leaves standing is still what the replay's does, its
    corrections are never dated before what they correct, and the record it writes needs
    nothing more from a replay (a server restarting writes nothing)."""
    from ceasefire.domain.enforcement.records import to_write
    from ceasefire.speed.plan_runs import KeptRuns

    kept = KeptRuns()
    record: list = []  # type: ignore[type-arg]
    adopted = h(-1)
    revised = False
    for hour in [*sorted(set(step_hours)), 24 * 40]:
        now = h(hour)
        known = [i for i, v in enumerate(violations) if v.known_at <= now]
        if known and data.draw(st.booleans(), label="a review changes a violation fed"):
            i = data.draw(st.sampled_from(known), label="which")
            if data.draw(st.booleans(), label="rejected"):
                del violations[i]
            else:
                violations[i] = violations[i]._replace(severity=Severity.GRAVE)
            revised = True
        visible = [v for v in violations if v.known_at <= now]
        full = replay(PLAN, visible, until=now)
        mine = kept.log("plan", PLAN, visible, now)
        assert standing(mine) == standing(full)
        if not revised:
            assert [d.decision_id for d in mine] == [d.decision_id for d in full]
        logged = {d.decision_id: d for d in mine}
        for d in mine:
            if d.kind is DecisionKind.WITHDRAWN:
                assert d.known_at >= logged[d.revises].known_at
        record += to_write(mine, record, adopted_at=adopted, now=now)
    end = h(24 * 40)
    final = replay(PLAN, [v for v in violations if v.known_at <= end], until=end)
    assert to_write(final, record, adopted_at=adopted, now=end) == []
    # the record's withdrawals too: never known before what they withdraw
    written = {d.decision_id: d for d in record}
    for d in record:
        if d.kind is DecisionKind.WITHDRAWN:
            assert d.known_at >= written[d.revises].known_at, (d, written[d.revises])


@given(violation_sets(), st.integers(0, 24 * 40), st.integers(1, 24 * 10))
def test_a_withdrawal_is_never_known_before_what_it_withdraws_or_what_caused_it(
    violations: list[Violation], step_hour: int, later_hours: int
) -> None:
    """A server restarting after a review rejected the grounds of recorded decisions replays
    the record afresh: the rejected violations are simply not there, so its log never held
    those decisions and cannot say when they fell. Their withdrawals are then known at that
    step, not at the plan's adoption (earlier than the decisions and than the review)."""
    from ceasefire.domain.enforcement.records import to_write

    adopted, first, second = h(-1), h(step_hour), h(step_hour + later_hours)
    known = [v for v in violations if v.known_at <= first]
    record = to_write(replay(PLAN, known, until=first), [], adopted_at=adopted, now=first)
    # every violation rejected between the two steps; a new process replays the rest (none)
    written = to_write(replay(PLAN, [], until=second), record, adopted_at=adopted, now=second)
    recorded = {d.decision_id: d for d in record}
    for d in written:
        assert d.kind is DecisionKind.WITHDRAWN
        assert d.known_at == second, (d, recorded[d.revises])
