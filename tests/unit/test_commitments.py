"""Commitments: the agreement file's section, status from evidence, missed deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceasefire.domain.agreement import parse_agreement
from ceasefire.domain.commitments.spec import CommitmentKind, CommitmentSpec, Verification
from ceasefire.domain.commitments.status import (
    Delivery,
    Evidence,
    EvidenceKind,
    Status,
    assess,
    missed_deadline,
)
from ceasefire.domain.enforcement.plan import parse_plan
from ceasefire.domain.enforcement.violations import counts
from ceasefire.domain.taxonomy import Category, Severity, WeaponClass
from ceasefire.services.plans import load_plan_data

START = datetime(2026, 2, 1, tzinfo=UTC)


def agreement_data(commitments: Any) -> dict[str, Any]:
    return {
        "name": "test",
        "parties": {"RU": "Russia", "UA": "Ukraine"},
        "effective_from": "2026-02-01T00:00:00+00:00",
        "geography": {
            "line_of_contact": "line.geojson",
            "control": [{"party": "RU", "area": "ru.geojson"}],
            "positive_side": "UA",
        },
        "zones": {"dmz_half_width_km": 2},
        "commitments": commitments,
    }


def test_commitments_are_read_with_relative_deadlines_and_kind_defaults() -> None:
    spec = parse_agreement(
        agreement_data(
            [
                {
                    "id": "exchange-ru",
                    "kind": "exchange",
                    "party": "RU",
                    "quantity": 157,
                    "due": "2026-02-06T00:00:00+02:00",
                },
                {
                    "id": "withdrawal-ua",
                    "kind": "withdrawal",
                    "party": "UA",
                    "due_after_days": 14,
                    "weapon_classes": ["mlrs", "tank"],
                },
                {
                    "id": "notify",
                    "kind": "notification",
                    "party": "UA",
                    "due_after_days": 30,
                    "severity": "minor",
                },
            ]
        )
    )
    assert not isinstance(spec, list), spec
    exchange, withdrawal, notify = spec.commitments
    assert exchange.verification is Verification.EXCHANGE
    assert exchange.unit == "persons"
    assert exchange.due == datetime(2026, 2, 5, 22, tzinfo=UTC)
    assert withdrawal.verification is Verification.HOLDING_AREAS
    assert withdrawal.due == START + timedelta(days=14)
    assert withdrawal.weapon_classes == {WeaponClass.MLRS, WeaponClass.TANK}
    assert notify.verification is Verification.EVIDENCE
    assert notify.quantity is None
    assert notify.severity is Severity.MINOR
    assert spec.commitment("notify") is notify
    assert spec.commitment("nope") is None


def test_every_problem_in_the_commitments_is_named_by_its_key_path() -> None:
    problems = parse_agreement(
        agreement_data(
            [
                {"id": "a", "kind": "exchange", "party": "XX", "due_after_days": 5},
                {
                    "id": "b",
                    "kind": "swap",
                    "party": "RU",
                    "due": "2026-03-01T00:00Z",
                    "due_after_days": 3,
                },
                {"id": "a", "kind": "other", "party": "RU", "due_after_days": 1, "quantity": -2},
                {"id": "c", "kind": "other", "party": "RU", "due": "2026-03-01"},
            ]
        )
    )
    assert isinstance(problems, list)
    text = "\n".join(problems)
    assert "commitments[0].party: 'XX' is not one of the parties" in text
    assert "commitments[0].quantity: an exchange commitment says how many persons" in text
    assert "commitments[1].kind: 'swap' is not one of exchange" in text
    assert "commitments[1].due: give either due" in text
    assert "commitments[2].quantity: must be a whole number" in text
    assert "commitments[3].due: needs its UTC offset" in text


def spec(
    quantity: int | None = 10, verification: Verification = Verification.EVIDENCE
) -> CommitmentSpec:
    return CommitmentSpec(
        commitment_id="c1",
        kind=CommitmentKind.EXCHANGE if quantity else CommitmentKind.NOTIFICATION,
        party="RU",
        text="",
        due=START + timedelta(days=5),
        quantity=quantity,
        unit="persons",
        verification=verification,
        weapon_classes=None,
        severity=Severity.MAJOR,
    )


def evidence(
    kind: EvidenceKind, day: float, quantity: int | None = None, recorded: float | None = None
) -> Evidence:
    at = START + timedelta(days=day)
    recorded_at = START + timedelta(days=recorded if recorded is not None else day)
    return Evidence("c1", kind, at, recorded_at, "alice", "seen", quantity)


def test_status_moves_from_pending_through_partial_to_overdue_and_late_fulfilment() -> None:
    c = spec()
    items = [evidence(EvidenceKind.PARTIAL, 2, 4), evidence(EvidenceKind.PARTIAL, 7, 6)]
    assert assess(c, [], START).status is Status.PENDING
    partly = assess(c, items, START + timedelta(days=3))
    assert (partly.status, partly.delivered, partly.progress) == (
        Status.PARTLY_FULFILLED,
        4,
        "4 of 10 persons",
    )
    overdue = assess(c, items, START + timedelta(days=6))
    assert overdue.status is Status.OVERDUE
    assert overdue.deadline_missed
    assert "past its deadline" in overdue.why
    late = assess(c, items, START + timedelta(days=8))
    assert late.status is Status.FULFILLED
    assert late.fulfilled_at == START + timedelta(days=7)
    assert late.deadline_missed
    assert not late.met_by_deadline
    assert "after the deadline" in late.why


def test_evidence_recorded_after_the_moment_asked_about_is_not_known_then() -> None:
    c = spec(quantity=None)
    # Fulfilled on day 4, but the record learned of it only on day 9.
    items = [evidence(EvidenceKind.FULFILLED, 4, recorded=9)]
    assert assess(c, items, START + timedelta(days=6)).status is Status.OVERDUE
    now = assess(c, items, START + timedelta(days=10))
    assert now.status is Status.FULFILLED
    assert not now.deadline_missed


def test_a_dispute_holds_until_later_evidence_answers_it_and_is_never_a_missed_deadline() -> None:
    c = spec(quantity=None)
    disputed = [evidence(EvidenceKind.DISPUTED, 3)]
    state = assess(c, disputed, START + timedelta(days=8))
    assert state.status is Status.DISPUTED
    assert not state.deadline_missed
    assert missed_deadline(state, START) is None
    settled = assess(c, [*disputed, evidence(EvidenceKind.FULFILLED, 4)], START + timedelta(days=8))
    assert settled.status is Status.FULFILLED


def test_record_verified_commitments_take_their_delivery_from_the_records() -> None:
    c = spec(quantity=None, verification=Verification.HOLDING_AREAS)
    state = assess(c, [], START + timedelta(days=1), Delivery(4, None, 0, "4 of 9 in place", 9))
    assert (state.status, state.progress) == (Status.PARTLY_FULFILLED, "4 of 9 persons")
    assert "4 of 9 in place" in state.why


def test_a_missed_deadline_is_an_input_a_plan_counts_only_when_it_says_so() -> None:
    state = assess(spec(), [evidence(EvidenceKind.PARTIAL, 1, 3)], START + timedelta(days=9))
    loaded_late = START + timedelta(days=6)
    violation = missed_deadline(state, loaded_late)
    assert violation is not None
    assert violation.category is Category.MISSED_COMMITMENT
    assert violation.party == "RU"
    assert violation.observed_at == START + timedelta(days=5)
    assert violation.known_at == loaded_late
    assert violation.commitment_kind == "exchange"
    data = load_plan_data("coalition-three-phase")
    plan = parse_plan(data)
    assert not isinstance(plan, list)
    assert not counts(plan, violation)
    opted = parse_plan(data | {"counting": data["counting"] | {"commitments": ["exchange"]}})
    assert not isinstance(opted, list)
    assert counts(opted, violation)
    other = parse_plan(data | {"counting": data["counting"] | {"commitments": ["withdrawal"]}})
    assert not isinstance(other, list)
    assert not counts(other, violation)


def test_a_plan_cannot_count_missed_commitments_as_a_category() -> None:
    data = load_plan_data("coalition-three-phase")
    problems = parse_plan(
        data | {"counting": data["counting"] | {"categories": ["missed_commitment"]}}
    )
    assert isinstance(problems, list)
    assert any("counting.commitments" in p for p in problems)
    problems = parse_plan(data | {"counting": data["counting"] | {"commitments": ["prisoners"]}})
    assert isinstance(problems, list)
    assert any("counting.commitments: must be" in p for p in problems)


kinds = st.sampled_from([EvidenceKind.PARTIAL, EvidenceKind.FULFILLED, EvidenceKind.DISPUTED])
items = st.lists(
    st.builds(
        evidence,
        kinds,
        st.integers(0, 12),
        st.one_of(st.none(), st.integers(1, 6)),
        st.one_of(st.none(), st.integers(0, 12)),
    ),
    max_size=8,
)


@given(items, st.randoms(use_true_random=False), st.integers(0, 14))
def test_status_does_not_depend_on_the_order_evidence_is_given_in(
    found: list[Evidence], shuffler: Any, day: int
) -> None:
    shuffled = list(found)
    shuffler.shuffle(shuffled)
    at = START + timedelta(days=day)
    a, b = assess(spec(), found, at), assess(spec(), shuffled, at)
    assert (a.status, a.delivered, a.fulfilled_at, a.why) == (
        b.status,
        b.delivered,
        b.fulfilled_at,
        b.why,
    )


@given(items, st.integers(0, 14), st.integers(0, 14))
def test_what_was_delivered_never_shrinks_as_time_goes_on(
    found: list[Evidence], d1: int, d2: int
) -> None:
    early, late = sorted((d1, d2))
    before = assess(spec(), found, START + timedelta(days=early))
    after = assess(spec(), found, START + timedelta(days=late))
    assert after.delivered >= before.delivered
    if before.fulfilled_at is not None and before.status is not Status.DISPUTED:
        assert after.fulfilled_at is not None or after.status is Status.DISPUTED


@pytest.mark.parametrize("text", ["Олександр", "Oleksandr", "Александр", "Aleksandr", "Alexander"])
def test_given_name_forms_are_one_name(text: str) -> None:
    from ceasefire.services.exchange import given_names

    assert given_names().canonical(text) == given_names().canonical("Олександр")


def test_the_daily_report_lists_what_needs_attention_most_urgent_first() -> None:
    from dataclasses import replace as changed
    from datetime import date, time

    from ceasefire.domain.publishing.commitments import commitment_lines, commitment_sentence
    from ceasefire.domain.publishing.period import daily_period

    period = daily_period(date(2026, 2, 7), time(0, 0), UTC)  # 6 Feb 00:00 to 7 Feb 00:00
    base = spec()

    def state(commitment_id: str, due_day: float, found: list[Evidence]) -> Any:
        c = changed(base, commitment_id=commitment_id, due=START + timedelta(days=due_day))
        return assess(c, [changed(e, commitment_id=commitment_id) for e in found], period.end)

    states = [
        state("far", 30, []),  # due in 24 days: not listed
        state("soon", 7.5, []),  # due in 36 hours
        state("late", 4, []),  # overdue
        state("done-today", 9, [evidence(EvidenceKind.FULFILLED, 5.5, 10)]),
        state("done-before", 9, [evidence(EvidenceKind.FULFILLED, 2, 10)]),
        state("argued", 9, [evidence(EvidenceKind.DISPUTED, 5)]),
    ]
    lines = commitment_lines(states, period)
    assert [(line.commitment_id, line.note) for line in lines] == [
        ("late", "overdue"),
        ("argued", "disputed"),
        ("soon", "due within 72 hours"),
        ("done-today", "fulfilled in this period"),
    ]
    assert commitment_sentence(lines) == "1 commitment is overdue: late (RU, 0 of 10 persons)."
    assert commitment_sentence(lines[1:]) == ""
