"""An action addressed to many actors is owed by each of them, unless the plan says any one
of them discharges it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.enforcement.obligations import Obligation
from ceasefire.domain.enforcement.plan import parse_plan
from ceasefire.domain.enforcement.plan_text import describe_plan
from ceasefire.services.plans import load_plan_data

T = datetime(2026, 12, 8, 12, tzinfo=UTC)
COALITION = tuple(f"C{n:02d}" for n in range(21))


def test_one_guarantors_answer_closes_only_its_own_part() -> None:
    owed = Obligation(COALITION, shared=False, acknowledged={"C00": T})
    assert not owed.met
    assert owed.waiting == COALITION[1:]
    assert owed.tally() == "1 of 21 acknowledged"
    assert not owed.owes("C00")
    assert owed.owes("C20")


def test_a_shared_action_is_discharged_by_its_first_answer() -> None:
    owed = Obligation(COALITION, shared=True)
    assert owed.waiting == COALITION
    assert owed.tally() == "any one of 21: none acknowledged"
    done = Obligation(COALITION, shared=True, acknowledged={"C07": T, "C03": T + timedelta(1)})
    assert done.met
    assert done.waiting == ()
    assert done.tally() == "acknowledged by C07 (any one of 21)"


def test_as_of_a_moment_only_the_answers_given_by_then_count() -> None:
    owed = Obligation(("GB", "FR"), shared=False, acknowledged={"GB": T, "FR": T + timedelta(2)})
    assert owed.met
    assert owed.as_of(T + timedelta(1)).waiting == ("FR",)
    assert owed.as_of(T - timedelta(1)).tally() == "0 of 2 acknowledged"


@given(
    st.lists(st.sampled_from(COALITION), unique=True, max_size=21),
    st.booleans(),
)
def test_who_still_owes_is_everyone_who_has_not_answered(answered: list[str], shared: bool) -> None:
    owed = Obligation(COALITION, shared, dict.fromkeys(answered, T))
    if shared:
        assert owed.waiting == (() if answered else COALITION)
    else:
        assert set(owed.waiting) == set(COALITION) - set(answered)
        assert owed.tally() == f"{len(answered)} of 21 acknowledged"
    assert owed.met == (not owed.waiting)


def test_a_plan_says_which_actions_any_one_actor_discharges() -> None:
    data = load_plan_data("coalition-three-phase")
    _action(data, "reinforce")["shared"] = True
    plan = parse_plan(data)
    assert not isinstance(plan, list)
    shared = {a.action: a.shared for a in plan.phase(2).actions}
    assert shared["reinforce"]
    assert not shared["support_defending_forces"]
    words = "\n".join(describe_plan(plan))
    assert "any one of coalition of the willing" in words
    assert "each of coalition of the willing" in words
    _action(data, "reinforce")["shared"] = "yes"
    problems = parse_plan(data)
    assert isinstance(problems, list)
    assert any("phases[1].actions[1].shared" in p for p in problems)


def _action(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for phase in plan["phases"] for a in phase["actions"] if a["action"] == name)
