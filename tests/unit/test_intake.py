"""Idempotence and conflicts, decided before anything touches a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ceasefire.domain.intake import chain_entries, plan_intake, prepare
from ceasefire.domain.ledger import GENESIS_HASH, first_break
from ceasefire.domain.reports import Reliability, Source
from ceasefire.domain.validation import Accepted, IngestRules, parse_report

from ..conftest import NOW, examples

RULES = IngestRules(now=NOW, zone=__import__("zoneinfo").ZoneInfo("UTC"))


def make(external_id: str, source_id: str = "smm-p7", **changes: Any) -> Accepted:
    fields: dict[str, Any] = {
        "source_id": source_id,
        "source_kind": "monitor_patrol",
        "external_id": external_id,
        "observed_start": "2025-04-20T10:00Z",
        "lon": 37.9,
        "lat": 48.3,
        "category": "explosion",
    } | changes
    result = parse_report(fields, RULES)
    assert isinstance(result, Accepted), result
    return result


def test_new_reports_and_their_source() -> None:
    plan = plan_intake([make("a"), make("b")], {}, {})
    assert [p.report.external_id for p in plan.reports] == ["a", "b"]
    assert [s.source_id for s in plan.sources] == ["smm-p7"]
    assert (plan.repeats, plan.conflicts) == (0, [])


def test_repeat_of_stored_report_adds_nothing() -> None:
    stored = prepare(make("a").report)
    plan = plan_intake([make("a")], {stored.report.report_id: stored.fingerprint}, {})
    assert (len(plan.reports), plan.repeats) == (0, 1)


def test_received_time_does_not_make_a_repeat_differ() -> None:
    first = make("a")
    later = Accepted(first.source, replace(first.report, received_at=NOW + timedelta(days=1)))
    assert prepare(first.report).fingerprint == prepare(later.report).fingerprint


def test_same_identity_different_content_is_a_conflict() -> None:
    stored = prepare(make("a").report)
    plan = plan_intake([make("a", explosions=4)], {stored.report.report_id: stored.fingerprint}, {})
    assert plan.reports == []
    assert plan.conflicts[0].field == "external_id"
    assert "different content" in plan.conflicts[0].reason


def test_conflict_within_one_batch() -> None:
    plan = plan_intake([make("a"), make("a", explosions=4), make("a")], {}, {})
    assert (len(plan.reports), plan.repeats, len(plan.conflicts)) == (1, 1, 1)
    assert plan.conflicts[0].index == 1


def test_source_described_differently_is_a_conflict() -> None:
    known = {"smm-p7": Source("smm-p7", make("x").source.kind, "", Reliability.A)}
    plan = plan_intake([make("a")], {}, known)
    assert plan.reports == []
    assert "registered as" in plan.conflicts[0].reason


ids = st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=12)


@settings(max_examples=examples(60))
@given(ids, st.randoms(use_true_random=False))
def test_order_and_repetition_do_not_change_what_is_stored(
    external_ids: list[str], rng: Any
) -> None:
    """Importing any arrangement of the same reports, with repeats, stores the same set."""
    batch = [make(e) for e in external_ids]
    shuffled = batch[:]
    rng.shuffle(shuffled)
    first = {p.fingerprint for p in plan_intake(batch, {}, {}).reports}
    second = {p.fingerprint for p in plan_intake(shuffled + batch, {}, {}).reports}
    assert first == second
    assert len(first) == len(set(external_ids))


@settings(max_examples=examples(60))
@given(ids)
def test_second_import_of_the_same_batch_adds_nothing(external_ids: list[str]) -> None:
    batch = [make(e) for e in external_ids]
    plan = plan_intake(batch, {}, {})
    stored = {p.report.report_id: p.fingerprint for p in plan.reports}
    sources = {s.source_id: s for s in plan.sources}
    again = plan_intake(batch, stored, sources)
    assert (again.reports, again.sources, again.conflicts) == ([], [], [])
    assert again.repeats == len(batch)


def test_chained_entries_verify_and_put_sources_first() -> None:
    plan = plan_intake([make("a"), make("b", source_id="cam-1")], {}, {})
    source_entries, report_entries = chain_entries(
        plan, head_seq=0, head_hash=GENESIS_HASH, recorded_at=NOW
    )
    entries = source_entries + report_entries
    assert [e.kind for e in entries] == ["SourceRegistered"] * 2 + ["ReportReceived"] * 2
    assert first_break(entries) is None
