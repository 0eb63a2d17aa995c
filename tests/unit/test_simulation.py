"""Simulation and sweeps: what a plan would have done over a window, and how it moves as one
number moves; the violations are the same for every run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ceasefire.domain.enforcement.simulation import SweepError, simulate, sweep, with_parameter
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.taxonomy import Category, Severity
from ceasefire.services.plans import load_plan_data, read_plan

START = datetime(2025, 3, 18, tzinfo=UTC)
END = START + timedelta(days=10)


def artillery(n: int, hours: float, sector: str = "Donetsk Oblast") -> Violation:
    at = START + timedelta(hours=hours)
    return Violation(f"INC-{n}", "RU", at, at, Severity.MAJOR, Category.ARTILLERY, sector)


def test_time_in_phases_covers_the_window_and_phases_are_explained() -> None:
    violations = [artillery(1, 5), *(artillery(10 + i, 30 + i / 10) for i in range(12))]
    sim = simulate(read_plan("coalition-three-phase"), violations, START, END)
    (ru,) = sim.outcomes
    assert ru.counted == 13
    assert sum(ru.time_in_phase.values(), timedelta()) == END - START
    assert ru.first(1) == START + timedelta(hours=5)
    assert ru.first(2) is not None  # twelve in a day: escalation evident
    assert all(e.rule for e in ru.entries)


def test_outside_the_window_nothing_counts() -> None:
    sim = simulate(
        read_plan("coalition-three-phase"), [artillery(1, -5), artillery(2, 240)], START, END
    )
    assert sim.outcomes == ()


def test_a_sweep_moves_phase_two_as_its_threshold_moves() -> None:
    data = load_plan_data("coalition-three-phase")
    burst = [artillery(1, 5), *(artillery(10 + i, 30 + i / 10) for i in range(12))]
    runs = sweep(data, "escalation.count_in_24h", [5, 12, 50], burst, START, END)
    fired = {value: sim.outcomes[0].first(2) for value, sim in runs}
    assert fired[5] is not None
    assert fired[12] is not None
    assert fired[5] <= fired[12]
    assert fired[50] is None or fired[50] >= fired[12]


def test_a_sweep_key_must_exist_and_values_must_be_valid() -> None:
    data = load_plan_data("coalition-three-phase")
    with pytest.raises(SweepError, match=r"no 'broader_attack\.count'"):
        with_parameter(data, "broader_attack.count", 10)
    with pytest.raises(SweepError, match="count_in_24h=-3"):
        sweep(data, "escalation.count_in_24h", [-3], [], START, END)


def test_a_day_known_only_by_its_date_on_the_edge_is_flagged_ambiguous() -> None:
    def day(n: int, begins: datetime) -> Violation:
        return artillery(n, 0)._replace(observed_at=begins, observed_end=begins + timedelta(days=1))

    edge_start = day(1, START - timedelta(hours=12))  # half before the window
    edge_end = day(2, END - timedelta(hours=12))  # half after it
    inside = day(3, START + timedelta(days=2))
    sim = simulate(read_plan("coalition-three-phase"), [edge_start, edge_end, inside], START, END)
    (ru,) = sim.outcomes
    assert ru.ambiguous == ("INC-1", "INC-2")
    assert ru.counted == 2  # the ones that begin inside: INC-2 and INC-3
