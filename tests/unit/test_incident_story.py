"""An incident's story: status from corroboration and reviews, attribution proposed or
confirmed, the clauses it breaches, the reply owed, and what each role may see of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ceasefire.domain.agreement import Clause, ClauseKind
from ceasefire.domain.incidents.assessment import IncidentStatus
from ceasefire.domain.incidents.attribution import Placement
from ceasefire.domain.incidents.disclosure import (
    WITHHELD,
    Role,
    incident_detail,
    incident_summary,
)
from ceasefire.domain.incidents.map_columns import map_columns
from ceasefire.domain.incidents.review import Action, Basis, Confidence, Review, review_problems
from ceasefire.domain.incidents.selection import Selection, newest_first
from ceasefire.domain.incidents.story import Terms, tell
from ceasefire.domain.reports import Report, Source
from ceasefire.domain.taxonomy import Severity
from ceasefire.domain.validation import Accepted, BBox, IngestRules, parse_report
from ceasefire.services.violations import as_violation, engine_status

NOW = datetime(2026, 1, 1, tzinfo=UTC)
T = datetime(2025, 4, 20, 11, 0, tzinfo=UTC)
CLAUSES = (
    Clause("c1", ClauseKind.HOSTILE_ACT),
    Clause("c2", ClauseKind.FIRE_ACROSS_LINE),
    Clause("c3", ClauseKind.ARMED_PRESENCE_IN_DMZ),
    Clause("c4", ClauseKind.WEAPON_IN_WITHDRAWAL_ZONE),
    Clause("c5", ClauseKind.STRIKE_ON_PROTECTED_OBJECT),
)
TERMS = Terms(parties=("RU", "UA"), clauses=CLAUSES, reply_period=timedelta(hours=72))
UA_GROUND = Placement("UA", False, False, False, "Donetsk Oblast", 3000.0)


def made(name: str, received: datetime = NOW, **extra: Any) -> tuple[Report, Source]:
    fields: dict[str, Any] = {
        "source_id": f"src-{name}",
        "source_kind": "monitor_patrol",
        "external_id": name,
        "observed_start": T.isoformat(),
        "lon": 37.9,
        "lat": 48.3,
        "uncertainty_m": 300,
        "category": "artillery",
        "text": f"secret words of {name}",
    } | extra
    result = parse_report(fields, IngestRules(now=received, zone=UTC))
    assert isinstance(result, Accepted), result
    return result.report, result.source


def story(
    items: list[tuple[Report, Source]],
    placements: dict[str, Placement] | None = None,
    reviews: tuple[Review, ...] = (),
) -> Any:
    reports = [r for r, _ in items]
    sources = {s.source_id: s for _, s in items}
    where = placements if placements is not None else {r.report_id: UA_GROUND for r in reports}
    return tell(7, reports, sources, where, list(reviews), TERMS)


def review(action: Action, at: datetime, **extra: Any) -> Review:
    return Review(seq=99, incident=7, action=action, reviewer="alice", at=at, **extra)


def test_one_organisation_stays_reported_two_corroborate_at_the_second_arrival() -> None:
    one = story([made("a", source_org="OSCE"), made("b", source_org="OSCE")])
    assert one.status is IncidentStatus.REPORTED
    later = NOW + timedelta(hours=2)
    two = story([made("a", source_org="OSCE"), made("b", later, source_org="Red Cross")])
    assert two.status is IncidentStatus.CORROBORATED
    assert two.status_since == later
    assert "OSCE" in two.history[-1].reason
    assert "Red Cross" in two.history[-1].reason


def test_a_source_rated_a_does_not_corroborate_itself() -> None:
    """The daily report says "corroborated by independent sources": one source is not."""
    assert story([made("a", source_reliability="A")]).status is IncidentStatus.REPORTED


def test_reviews_set_status_in_log_order_and_history_keeps_every_step() -> None:
    at = NOW + timedelta(days=1)
    reviewed = story(
        [made("a")],
        reviews=(
            review(Action.DISPUTE, at, reason="crater inconsistent"),
            review(Action.VERIFY, at + timedelta(hours=1), reason="second visit"),
        ),
    )
    assert reviewed.status is IncidentStatus.VERIFIED
    assert [h.status.value for h in reviewed.history] == ["reported", "disputed", "verified"]
    assert reviewed.history[-1].by == "alice"


def test_fire_is_never_blamed_on_the_side_it_landed_on() -> None:
    """Where fire lands says who was hit, not who fired: no proposal from the impact alone."""
    landed = story([made("a")])
    assert landed.attribution is None
    assert [b.clause.clause_id for b in landed.breaches] == ["c1"]


def test_fire_named_by_the_reports_is_proposed_against_that_party_until_confirmed() -> None:
    proposed = story([made("a", alleged_party="RU", direction="incoming")])
    assert proposed.attribution is not None
    assert proposed.attribution.proposed
    assert proposed.attribution.party == "RU"
    assert "landed on UA-held ground" in proposed.attribution.why
    assert {b.clause.clause_id for b in proposed.breaches} == {"c1", "c2"}
    confirmed = story(
        [made("a")],
        reviews=(
            review(
                Action.ATTRIBUTE,
                NOW + timedelta(days=1),
                party="RU",
                basis=Basis.CRATER_ANALYSIS,
                confidence=Confidence.HIGH,
                reason="fuse found",
            ),
        ),
    )
    assert confirmed.attribution is not None
    assert not confirmed.attribution.proposed
    assert confirmed.attribution.basis is Basis.CRATER_ANALYSIS


def test_a_clash_is_not_attributed_by_where_it_happened() -> None:
    clash = story([made("a", category="armed_clash")])
    assert clash.attribution is None
    assert [b.clause.clause_id for b in clash.breaches] == ["c1"]
    named = story([made("a", category="armed_clash", alleged_party="UA")])
    assert named.attribution is not None
    assert named.attribution.party == "UA"


def test_a_placed_weapon_that_contradicts_the_named_party_is_contested_and_not_counted() -> None:
    """The rules never overrule the reports' own word on who fired: they say so and wait."""
    fired, _ = item = made("o", direction="outgoing", weapon_class="mlrs", alleged_party="RU")
    on_ua = Placement("UA", False, False, True, "Donetsk Oblast", weapon_party="UA")
    contested = story([item], {fired.report_id: on_ua})
    assert contested.attribution is not None
    assert contested.attribution.contested
    assert contested.attribution.party == "RU"
    assert "an analyst must decide" in contested.attribution.why
    assert as_violation(contested) is None


def test_weapon_in_its_zone_and_presence_in_the_dmz_point_at_the_side_they_are_on() -> None:
    sighted, _ = item = made("w", category="heavy_weapon_sighted", weapon_class="mlrs")
    breach = Placement("UA", False, False, True, "Donetsk Oblast", weapon_party="UA")
    weapon = story([item], {sighted.report_id: breach})
    assert weapon.attribution is not None
    assert weapon.attribution.party == "UA"
    assert [b.clause.clause_id for b in weapon.breaches] == ["c4"]
    patrol, _ = item = made("p", category="armed_presence_in_dmz")
    dmz = story([item], {patrol.report_id: Placement("RU", False, True, False)})
    assert dmz.attribution is not None
    assert dmz.attribution.party == "RU"
    assert [b.clause.clause_id for b in dmz.breaches] == ["c3"]


def test_a_strike_on_energy_breaches_the_protected_objects_clause() -> None:
    hit = story([made("e", category="drone_strike", damaged_object="energy")])
    assert "c5" in {b.clause.clause_id for b in hit.breaches}
    assert hit.severity.value == "grave"


def test_reply_is_due_once_verified_and_attributed_by_an_analyst_and_overdue_after() -> None:
    at = NOW + timedelta(days=1)
    attribute = review(
        Action.ATTRIBUTE, at, party="RU", basis=Basis.OBSERVED, confidence=Confidence.MEDIUM
    )
    verify = review(Action.VERIFY, at + timedelta(hours=2), reason="seen")
    assert (
        story([made("a", alleged_party="RU")], reviews=(verify,)).reply_due is None
    )  # only a proposal
    owed = story([made("a")], reviews=(attribute, verify))
    assert owed.reply_due == at + timedelta(hours=74)
    assert not owed.reply_overdue(at + timedelta(hours=73))
    assert owed.reply_overdue(at + timedelta(hours=75))
    reply = review(Action.RESPOND, at + timedelta(hours=80), party="RU", text="not us")
    answered = story([made("a")], reviews=(attribute, verify, reply))
    assert not answered.reply_overdue(at + timedelta(hours=90))
    assert answered.replies[0].text == "not us"


def test_the_engine_counts_a_verified_incident_with_a_proposed_author_as_corroborated() -> None:
    at = NOW + timedelta(days=1)
    verified = story(
        [made("a", alleged_party="RU")], reviews=(review(Action.VERIFY, at, reason="seen"),)
    )
    assert engine_status(verified) == "corroborated"
    violation = as_violation(verified)
    assert violation is not None
    assert violation.party == "RU"
    assert violation.known_at == at
    attributed = replace(verified, attribution=replace(verified.attribution, proposed=False))
    assert engine_status(attributed) == "verified"
    assert as_violation(story([made("x", category="movement_restriction")])) is None


def test_only_analysts_see_sources_words_and_exact_places() -> None:
    items = [made("a", lon=37.91234, lat=48.31234)]
    told = story(items)
    sources = {s.source_id: s for _, s in items}
    analyst = incident_detail(told, sources, Role.ANALYST, NOW)
    observer = incident_detail(told, sources, Role.OBSERVER, NOW)
    assert analyst["members"][0]["source_id"] == "src-a"
    assert analyst["members"][0]["text"] == "secret words of a"
    shown = str(observer)
    assert "src-a" not in shown
    assert "secret words" not in shown
    assert observer["members"][0]["source_id"] == WITHHELD
    assert (observer["members"][0]["lon"], observer["members"][0]["lat"]) == (37.9, 48.3)
    assert (observer["lon"], observer["lat"]) == (37.91, 48.31)


def test_the_maps_columns_say_what_the_summary_says_with_the_same_disclosure() -> None:
    energy = story([made("e", lon=37.91234, lat=48.31234, category="drone_strike",
                         damaged_object="energy")])  # fmt: skip
    plain = replace(story([made("p", lon=36.3, lat=47.6)]), number=8)
    for role in (Role.ANALYST, Role.OBSERVER):
        columns = map_columns([energy, plain], role)
        assert columns["count"] == 2
        for k, told in enumerate((energy, plain)):
            summary = incident_summary(told, role, NOW)
            row = {
                name: columns[name]["values"][columns[name]["codes"][k]]
                for name in ("category", "severity", "status", "party", "attribution", "sector")
            } | {name: columns[name][k] for name in ("lon", "lat", "reports")}
            assert row == {name: summary[name] for name in row}
            assert f"INC-{columns['incident'][k]}" == summary["incident"]
            assert columns["start"][k] == int(told.start.timestamp())
            assert columns["violation"][k] == (1 if summary["clauses"] else 0)
    assert map_columns([energy], Role.OBSERVER)["lon"] == [37.91]  # rounded, as everywhere
    assert map_columns([energy], Role.ANALYST)["lon"] == [37.91234]
    assert map_columns([energy, plain], Role.ANALYST)["category"]["values"] == [
        "drone_strike",
        "artillery",
    ]  # each word once


def test_review_problems_name_the_option() -> None:
    bad = review(Action.ATTRIBUTE, NOW, party="XX")
    assert review_problems(bad, ["RU", "UA"]) == [
        "--party: 'XX' is not a party to the agreement (RU, UA)",
        "attribute needs --basis and --confidence",
    ]
    assert review_problems(review(Action.REJECT, NOW), ["RU"]) == [
        "--reason: say why the incident is rejected"
    ]


def test_selection_filters_and_orders_newest_first() -> None:
    grave = story([made("g", category="drone_strike", damaged_object="energy", alleged_party="RU")])
    later = replace(
        story([made("s", category="small_arms", observed_start="2025-04-21T10:00Z")]), number=8
    )
    both = [grave, later]
    assert [s.number for s in newest_first(both, Selection(), NOW)] == [8, 7]
    assert newest_first(both, Selection(min_severity=Severity.GRAVE), NOW) == [grave]
    assert newest_first(both, Selection(party="RU"), NOW) == [grave]  # named as firing
    assert newest_first(both, Selection(bbox=BBox(30, 40, 31, 41)), NOW) == []
    assert newest_first(both, Selection(overdue=True), NOW) == []


def test_corroboration_is_explained_to_non_analysts_without_naming_sources() -> None:
    told = story([made("a", source_org="OSCE"), made("b", source_org="ICRC")])
    analyst = incident_detail(told, {}, Role.ANALYST, NOW)["history"]
    guarantor = incident_detail(told, {}, Role.GUARANTOR, NOW)["history"]
    assert "ICRC" in analyst[-1]["reason"]
    assert guarantor[-1]["reason"] == "2 independent organisations"
    assert not any("OSCE" in h["reason"] or "ICRC" in h["reason"] for h in guarantor)
