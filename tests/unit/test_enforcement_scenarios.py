"""The issue's scenarios, table-driven: hours after the first violation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from ceasefire.domain.enforcement.decisions import Decision, DecisionKind
from ceasefire.domain.enforcement.plan import Answer, Migration, Pinning, Plan, parse_plan
from ceasefire.domain.enforcement.plan_run import replay, timeline
from ceasefire.domain.enforcement.status import track_statuses
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.taxonomy import Category, Severity

PLANS = Path(__file__).resolve().parents[2] / "src" / "ceasefire" / "data" / "plans"
T = datetime(2025, 4, 1, tzinfo=UTC)


def load(name: str) -> Plan:
    plan = parse_plan(yaml.safe_load((PLANS / f"{name}.yaml").read_text()))
    assert isinstance(plan, Plan), plan
    return plan


PLAN = load("coalition-three-phase")


def h(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def violation(
    hour: float,
    severity: str = "minor",
    category: str = "small_arms",
    *,
    known: float | None = None,
    party: str = "RU",
    sector: str = "Donetsk",
    name: str | None = None,
) -> Violation:
    return Violation(
        violation_id=name or f"v{hour:g}",
        party=party,
        observed_at=h(hour),
        known_at=h(hour if known is None else known),
        severity=Severity(severity),
        category=Category(category),
        sector=sector,
    )


def phases(decisions: list[Decision]) -> list[tuple[int, float]]:
    return [
        (d.phase, (d.effective_at - T).total_seconds() / 3600)
        for d in decisions
        if d.kind is DecisionKind.PHASE_ENTERED
    ]


SCENARIOS = [
    ("0 minor", [violation(0)], [(1, 0)]),
    ("0 minor, 10 minor", [violation(0), violation(10)], [(1, 0)]),
    ("0 minor, 30 minor", [violation(0), violation(30)], [(1, 0), (2, 30)]),
    (
        "0 minor, 5 grave ground offensive",
        [violation(0), violation(5, "grave", "ground_assault")],
        [(1, 0), (2, 5), (3, 72)],
    ),
    (
        "0 minor, 30 minor, 100 grave air strike",
        [violation(0), violation(30), violation(100, "grave", "air_strike")],
        [(1, 0), (2, 30), (3, 100)],
    ),
]


@pytest.mark.parametrize(
    ("name", "violations", "expected"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
def test_scenario(
    name: str, violations: list[Violation], expected: list[tuple[int, float]]
) -> None:
    assert phases(timeline(PLAN, violations)) == expected


def test_first_violation_brings_the_warning_and_the_cure_deadline_then_stand_down() -> None:
    decisions = timeline(PLAN, [violation(0)])
    actions = {d.action: d for d in decisions if d.kind is DecisionKind.ACTION_REQUIRED}
    assert actions["diplomatic_warning"].due_at == h(0)
    assert actions["diplomatic_warning"].actors == ("US",)
    assert actions["stop_violations"].due_at == h(24)
    assert actions["stop_violations"].actors == ("UA",)
    (stand_down,) = [d for d in decisions if d.kind is DecisionKind.STOOD_DOWN]
    assert stand_down.effective_at == h(168)


def test_phase3_waits_for_72_hours_and_says_why() -> None:
    decisions = timeline(PLAN, [violation(0), violation(5, "grave", "ground_assault")])
    (phase3,) = [d for d in decisions if d.kind is DecisionKind.PHASE_ENTERED and d.phase == 3]
    assert phase3.evidence == ("v5",)
    assert "72 h after the initial incident" in phase3.explanation
    assert phase3.t0 == h(0)


def test_late_violation_revises_the_past_and_keeps_the_record() -> None:
    """30 minor (known at 31), then 0 minor arriving at 50."""
    log = replay(PLAN, [violation(30, known=31), violation(0, known=50, name="v0")], until=h(60))
    at_31 = [d for d in log if d.known_at == h(31)]
    assert phases(at_31) == [(1, 30)]
    assert all(d.late for d in at_31)  # observed at 30, known at 31
    at_50 = [d for d in log if d.known_at == h(50)]
    withdrawn = [d for d in at_50 if d.kind is DecisionKind.WITHDRAWN]
    assert {(d.phase, d.action) for d in withdrawn} == {
        (1, ""),
        (1, "diplomatic_warning"),
        (1, "stop_violations"),
        (1, "acknowledge_warning"),
    }
    assert phases(at_50) == [(1, 0), (2, 30)]
    first_phase1 = next(d for d in at_31 if d.kind is DecisionKind.PHASE_ENTERED)
    assert withdrawn[0].revises == first_phase1.decision_id or any(
        w.revises == first_phase1.decision_id for w in withdrawn
    )
    assert next(d for d in at_50 if d.phase == 1 and d.kind is DecisionKind.PHASE_ENTERED).t0 == h(
        0
    )


def test_clock_decisions_are_logged_when_due_not_before() -> None:
    log = replay(PLAN, [violation(0), violation(5, "grave", "ground_assault")], until=h(71))
    assert (3, 72.0) not in phases(log)
    log = replay(PLAN, [violation(0), violation(5, "grave", "ground_assault")], until=h(72))
    phase3 = [d for d in log if d.kind is DecisionKind.PHASE_ENTERED and d.phase == 3]
    assert [d.known_at for d in phase3] == [h(72)]
    assert not phase3[0].late


def test_new_violation_moves_the_pending_stand_down_without_writing_anything() -> None:
    log = replay(PLAN, [violation(0), violation(100)], until=h(200))
    assert [d for d in log if d.kind is DecisionKind.STOOD_DOWN] == []
    log = replay(PLAN, [violation(0), violation(100)], until=h(268))
    (stand_down,) = [d for d in log if d.kind is DecisionKind.STOOD_DOWN]
    assert stand_down.effective_at == h(268)
    assert not any(d.kind is DecisionKind.WITHDRAWN for d in log)


def test_a_new_episode_after_stand_down_has_its_own_t0() -> None:
    decisions = timeline(PLAN, [violation(0), violation(200)])
    assert phases(decisions) == [(1, 0), (1, 200)]
    assert [d.t0 for d in decisions if d.kind is DecisionKind.PHASE_ENTERED] == [h(0), h(200)]


def test_other_parties_and_uncounted_violations_open_no_track() -> None:
    assert timeline(PLAN, [violation(0, party="UA")]) == []
    unverified = Violation(
        "x", "RU", h(0), h(0), Severity.GRAVE, Category.AIR_STRIKE, status="reported"
    )
    assert timeline(PLAN, [unverified]) == []


@pytest.mark.parametrize(
    ("violations", "rule"),
    [
        ([violation(i / 2, name=f"v{i}") for i in range(10)], "escalation evident: repeated"),
        (
            [violation(0, sector="A"), violation(1, sector="B"), violation(2, sector="C")],
            "escalation evident: spreading",
        ),
        ([violation(0), violation(3, "major", "artillery")], "escalation evident: more severe"),
    ],
)
def test_escalation_rules_inside_the_cure_period(violations: list[Violation], rule: str) -> None:
    entered = [d for d in timeline(PLAN, violations) if d.kind is DecisionKind.PHASE_ENTERED]
    assert [d.phase for d in entered] == [1, 2]
    assert entered[1].rule == rule


def _with_exemption(handling: str) -> Plan:
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text())
    data["exemptions"] = [
        {
            "name": "power line repairs at Kurakhove",
            "from": h(20).isoformat(),
            "until": h(40).isoformat(),
            "sectors": ["Donetsk"],
            "handling": handling,
        }
    ]
    plan = parse_plan(data)
    assert isinstance(plan, Plan), plan
    return plan


def test_suppressed_violation_is_noted_not_counted() -> None:
    decisions = timeline(_with_exemption("suppress"), [violation(0), violation(30)])
    assert phases(decisions) == [(1, 0)]  # the one at 30 h fell inside the window
    (noted,) = [d for d in decisions if d.kind is DecisionKind.EXEMPTED]
    assert noted.evidence == ("v30",)
    assert "not counted" in noted.explanation


def test_flagged_violation_counts_and_is_noted() -> None:
    decisions = timeline(_with_exemption("flag"), [violation(0), violation(30)])
    assert phases(decisions) == [(1, 0), (2, 30)]
    (noted,) = [d for d in decisions if d.kind is DecisionKind.EXEMPTED]
    assert "counted, and flagged" in noted.explanation


def test_exemption_elsewhere_or_at_another_time_changes_nothing() -> None:
    plan = _with_exemption("suppress")
    decisions = timeline(plan, [violation(0), violation(30, sector="Luhansk"), violation(50)])
    assert phases(decisions) == [(1, 0), (2, 30)]
    assert not any(d.kind is DecisionKind.EXEMPTED for d in decisions)


def test_exemption_windows_are_checked() -> None:
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text())
    data["exemptions"] = [
        {"name": "x", "from": "2025-04-02T00:00", "until": "soon", "handling": "ignore"}
    ]
    problems = parse_plan(data)
    assert isinstance(problems, list)
    assert any(p.startswith("exemptions[0].from: needs its UTC offset") for p in problems)
    assert "exemptions[0].until: 'soon' is not an ISO 8601 time" in problems
    assert "exemptions[0].handling: 'ignore' is not suppress or flag" in problems


def test_late_violation_just_before_a_new_episode_extends_the_old_one() -> None:
    """Found by hypothesis: nine violations at 0 h; one at 168 h opens a new episode after the
    stand-down; then one from 167 h arrives late. It belongs to the first episode: there was no
    stand-down at 168 h, and the 168 h violation continues the first track (phase 2)."""
    violations = [violation(0, name=f"v0{i}") for i in range(9)]
    violations += [
        violation(168, known=168.01, name="v168"),
        violation(167, known=168.02, name="v167"),
    ]
    log = replay(PLAN, violations, until=h(400))
    withdrawn = {(d.kind, d.phase) for d in log if d.kind is DecisionKind.WITHDRAWN}
    assert (DecisionKind.WITHDRAWN, 0) in withdrawn  # the stand-down at 168 h
    expected = {d.key for d in timeline(PLAN, violations) if d.effective_at <= h(400)}
    withdrawn_ids = {d.revises for d in log if d.kind is DecisionKind.WITHDRAWN}
    standing = {
        d.key
        for d in log
        if d.kind is not DecisionKind.WITHDRAWN and d.decision_id not in withdrawn_ids
    }
    assert standing == expected
    assert phases(timeline(PLAN, violations)) == [(1, 0), (2, 167)]


# Found in review; each once broke the engine.


def _standing(log: list[Decision]) -> set[tuple[object, ...]]:
    withdrawn = {d.revises for d in log if d.kind is DecisionKind.WITHDRAWN}
    return {
        (d.key, d.substance)
        for d in log
        if d.kind is not DecisionKind.WITHDRAWN and d.decision_id not in withdrawn
    }


def _agrees(plan: Plan, violations: list[Violation]) -> None:
    log = replay(plan, violations, until=h(1000))
    expected = {
        (d.key, d.substance) for d in timeline(plan, violations) if d.effective_at <= h(1000)
    }
    assert _standing(log) == expected


def test_late_violation_before_a_suppressed_one_is_folded() -> None:
    plan = _with_exemption("suppress")
    violations = [violation(25, known=26), violation(50, known=51), violation(10, known=60)]
    assert phases(timeline(plan, violations)) == [(1, 10), (2, 50)]
    _agrees(plan, violations)


def test_late_violation_that_moves_t0_withdraws_what_it_changes() -> None:
    violations = [
        violation(0, known=1, name="a"),
        violation(20, "major", "artillery", known=21, name="b"),
        violation(-10, known=40, name="late"),
    ]
    _agrees(PLAN, violations)
    (phase2,) = [d for d in timeline(PLAN, violations) if d.phase == 2 and not d.action]
    assert (phase2.t0, phase2.rule) == (h(-10), "violations continue")


def test_phase3_that_waits_on_the_attack_is_not_entered_when_it_stopped() -> None:
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text())
    data["broader_attack"]["proceed_if_attack_stops"] = False
    plan = parse_plan(data)
    assert isinstance(plan, Plan)
    quiet_after = [violation(0), violation(5, "grave", "ground_assault"), violation(100)]
    assert 3 not in [p for p, _ in phases(timeline(plan, quiet_after))]
    continuing = [violation(0), violation(5, "grave", "ground_assault"), violation(60)]
    assert (3, 72.0) in phases(timeline(plan, continuing))
    _agrees(plan, quiet_after)


def test_skipping_to_phase_3_still_passes_through_phase_2_when_violations_continue() -> None:
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text())
    data["allow_phase_skip"] = True
    plan = parse_plan(data)
    assert isinstance(plan, Plan)
    violations = [violation(0, "grave", "air_strike"), violation(30), violation(40)]
    assert phases(timeline(plan, violations)) == [(1, 0), (2, 30), (3, 72)]


def test_simultaneous_first_violations_set_the_bar_whatever_their_ids() -> None:
    for names in (("a", "b"), ("b", "a")):
        violations = [
            violation(0, name=names[0]),
            violation(0, "major", "artillery", name=names[1]),
        ]
        assert phases(timeline(PLAN, violations)) == [(1, 0)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"clocks": {"quiet_period_h": float("inf")}}, "clocks.quiet_period_h: must be a number"),
        ({"clocks": {"cure_period_h": float("nan")}}, "clocks.cure_period_h: must be a number"),
        ({"clocks": {"quiet_period_h": 1e9}}, "clocks.quiet_period_h: must be a number"),
        ({"clocks": {"quiet_period_h": 72}}, "clocks.phase3_earliest_h: 72 h is not shorter than"),
        (
            {"clocks": {"quiet_period_h": 0, "cure_period_h": 0, "phase3_earliest_h": 0}},
            "clocks.quiet_period_h: must be more than 0",
        ),
        ({"subjects": ["RU", "BY"]}, "defenders: BY is tracked"),
    ],
)
def test_plans_that_would_misbehave_are_refused(change: dict[str, object], expected: str) -> None:
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text()) | change
    problems = parse_plan(data)
    assert isinstance(problems, list)
    assert any(p.startswith(expected) for p in problems), problems


def test_an_action_listed_twice_in_a_phase_is_refused() -> None:
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text())
    data["phases"][0]["actions"].append({"action": "stop_violations", "actor": "violator"})
    problems = parse_plan(data)
    assert isinstance(problems, list)
    assert (
        "phases[0].actions[3].action: 'stop_violations' is listed twice in this phase" in problems
    )


def test_broader_attack_categories_all_means_any_grave_violation() -> None:
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text())
    data["broader_attack"]["categories"] = "all"
    plan = parse_plan(data)
    assert isinstance(plan, Plan)
    decisions = timeline(plan, [violation(0), violation(1, "grave", "mlrs")])
    assert (3, 72.0) in phases(decisions)


def _pinned(cure_v2: float, adopted_v2: float, migrations: tuple[Migration, ...] = ()) -> Plan:
    """Version 1 (cure 24 h), adopted before everything; version 2 (`cure_v2`) at `adopted_v2`."""
    data = yaml.safe_load((PLANS / "coalition-three-phase.yaml").read_text())
    data["clocks"]["cure_period_h"] = cure_v2
    second = parse_plan(data)
    assert not isinstance(second, list)
    v1, v2 = replace(PLAN, version=1), replace(second, version=2)
    return replace(v2, pinning=Pinning(((h(-100), v1), (h(adopted_v2), v2)), migrations))


def test_an_episode_runs_under_the_version_in_force_when_it_opened() -> None:
    plan = _pinned(cure_v2=48, adopted_v2=10)
    # Opened at 0 under version 1: 30 h later is past its 24 h cure, phase 2.
    assert phases(timeline(plan, [violation(0), violation(30)])) == [(1, 0), (2, 30)]
    # Opened at 300, after version 2 (48 h cure): 330 is inside the cure, still phase 1.
    later = timeline(plan, [violation(300), violation(330)])
    assert phases(later) == [(1, 300)]
    assert {d.plan_version for d in later} == {2}


def test_a_recorded_migration_moves_that_episode_alone() -> None:
    # Both episodes opened under version 1 (version 2 comes at 500); the one of T0 = 0 was
    # migrated to version 2 (48 h cure), the one of T0 = 300 was not.
    plan = _pinned(cure_v2=48, adopted_v2=500, migrations=(Migration("RU", h(0), 2),))
    two_episodes = [violation(0), violation(30), violation(300), violation(330)]
    assert phases(timeline(plan, two_episodes)) == [(1, 0), (1, 300), (2, 330)]


GATED = load("coalition-three-phase-gated")


def kinds(decisions: list[Decision], party: str = "RU") -> list[tuple[str, int, float]]:
    return [
        (d.kind.value, d.phase, (d.effective_at - T).total_seconds() / 3600)
        for d in decisions
        if d.party == party and d.kind is not DecisionKind.ACTION_REQUIRED
    ]


def test_the_cure_period_is_assessed_at_its_end_either_way() -> None:
    stopped = timeline(PLAN, [violation(0), violation(5)])
    (cure,) = [d for d in stopped if d.kind is DecisionKind.CURE_ASSESSED]
    assert (cure.effective_at, cure.rule, cure.evidence) == (
        h(24),
        "cure assessed: stopped",
        ("v0", "v5"),
    )
    assert "the last at 2025-04-01 05:00 UTC" in cure.explanation
    assert "(the defending party, UA, was to stop them)" in cure.explanation
    escalated = timeline(PLAN, [violation(0), violation(5, "major", "artillery")])
    (cure,) = [d for d in escalated if d.kind is DecisionKind.CURE_ASSESSED]
    assert cure.rule == "cure assessed: continued"
    assert "escalation evident: more severe at 2025-04-01 05:00 UTC" in cure.explanation


def test_a_gated_phase_waits_for_its_confirmation() -> None:
    grave = [violation(0), violation(5, "grave", "missile_strike")]
    waiting = timeline(GATED, grave)
    assert kinds(waiting)[:3] == [
        ("phase_entered", 1, 0),
        ("awaiting_confirmation", 2, 5),
        ("cure_assessed", 1, 24),
    ]
    assert not [d for d in waiting if d.kind is DecisionKind.PHASE_ENTERED and d.phase > 1]
    (asked,) = [d for d in waiting if d.kind is DecisionKind.AWAITING_CONFIRMATION]
    assert asked.actors == ("US",)
    assert "the plan asks US to confirm" in asked.explanation


def test_a_confirmed_phase_is_entered_when_confirmed_a_declined_one_never() -> None:
    grave = [violation(0), violation(5, "grave", "missile_strike")]
    yes = Answer("RU", 2, h(0), h(8), True, "US", "patrol confirmed the strike")
    confirmed = timeline(replace(GATED, answers=(yes,)), grave)
    entered = [d for d in confirmed if d.kind is DecisionKind.PHASE_ENTERED]
    assert [(d.phase, d.effective_at) for d in entered] == [(1, h(0)), (2, h(8))]
    assert "confirmed by US" in entered[1].explanation
    # phase 3's conditions were met at 5 h too: it waits on its own confirmation
    assert ("awaiting_confirmation", 3, 5) in kinds(confirmed)
    no = Answer("RU", 2, h(0), h(8), False, "US", "not established")
    declined = timeline(replace(GATED, answers=(no,)), grave)
    assert ("not_confirmed", 2, 8) in kinds(declined)
    assert [d.phase for d in declined if d.kind is DecisionKind.PHASE_ENTERED] == [1]


def test_phase_three_gives_way_to_phase_two_after_a_spell_without_a_broader_attack() -> None:
    answers = (
        Answer("RU", 2, h(0), h(1), True, "US", "yes"),
        Answer("RU", 3, h(0), h(1), True, "US", "yes"),
    )
    plan = replace(GATED, answers=answers)
    # a grave strike at 5 h and again at 70 h (the attack goes on): phase 3 at T0 + 72 h;
    # then only minor fire: 72 h after phase 3 began, back to phase 2.
    attack = [
        violation(0),
        violation(5, "grave", "missile_strike"),
        violation(70, "grave", "missile_strike"),
    ]
    attack += [violation(100 + 10 * k) for k in range(8)]
    entered = [
        (d.phase, (d.effective_at - T).total_seconds() / 3600, d.rule)
        for d in timeline(plan, attack)
        if d.kind is DecisionKind.PHASE_ENTERED
    ]
    assert [(phase, at) for phase, at, _ in entered] == [(1, 0), (2, 5), (3, 72), (2, 144)]
    assert entered[-1][2] == "de-escalation"


def test_phase_three_gives_way_even_when_nothing_follows_and_cites_the_attack() -> None:
    answers = (
        Answer("RU", 2, h(0), h(1), True, "US", "yes"),
        Answer("RU", 3, h(0), h(1), True, "US", "yes"),
    )
    plan = replace(GATED, answers=answers)
    attack = [violation(0), violation(5, "grave", "missile_strike")]
    attack.append(violation(70, "grave", "missile_strike", name="strike70"))
    decided = timeline(plan, attack)  # nothing after 70 h: the clocks alone
    down = [d for d in decided if d.rule == "de-escalation"]
    assert [(d.phase, d.effective_at) for d in down] == [(2, h(144))]
    assert down[0].evidence  # the broader attack it follows, never a later violation


def test_a_gated_phase_three_lapses_when_the_attack_is_over_by_its_time() -> None:
    yes2 = Answer("RU", 2, h(0), h(6), True, "US", "yes")
    plan = replace(GATED, answers=(yes2,))
    # a grave strike at 5 h, then quiet: phase 3's time (T0 + 72 h) finds the attack over
    decided = timeline(plan, [violation(0), violation(5, "grave", "missile_strike")])
    lapsed = [d for d in decided if d.kind is DecisionKind.NOT_CONFIRMED]
    assert [(d.phase, d.effective_at, d.rule) for d in lapsed] == [(3, h(72), "attack over")]
    statuses = track_statuses(plan, decided, h(90))
    assert statuses[0].awaiting is None  # no longer asked


def test_a_withdrawal_reaches_the_channels_of_those_the_action_was_for() -> None:
    from ceasefire.domain.enforcement.decisions import decision_content, withdrawal
    from ceasefire.domain.notifications import decision_event

    action = next(
        d
        for d in timeline(PLAN, [violation(0)])
        if d.kind is DecisionKind.ACTION_REQUIRED and d.action == "diplomatic_warning"
    )
    undone = withdrawal(action.known(h(1)), h(2), "late data")
    event = decision_event(decision_content(undone))
    assert event is not None
    assert event.concerns(frozenset({"US"}))
    assert not event.concerns(frozenset({"GB"}))
