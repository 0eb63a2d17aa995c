"""The daily report's pure core: places described from named places, periods in local days,
counts that never add up one event twice, and sentences that say what the numbers say."""

from __future__ import annotations

import doctest
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ceasefire.domain import places
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.incidents.attribution import Placement
from ceasefire.domain.incidents.review import Action, Basis, Confidence, Review
from ceasefire.domain.incidents.story import IncidentStory, tell
from ceasefire.domain.places import Gazetteer, Place, compass_point
from ceasefire.domain.publishing import wording
from ceasefire.domain.publishing.daily import ActionLine, DailyInputs, RecordState, daily_report
from ceasefire.domain.publishing.period import daily_period
from ceasefire.domain.publishing.tally import incident_tally, tally
from ceasefire.domain.taxonomy import Severity
from ceasefire.publish.map_layers import MapLayers
from ceasefire.publish.render import render_daily
from ceasefire.services.plans import read_plan
from ceasefire.services.violations import as_violation
from tests.unit.test_incident_story import TERMS, UA_GROUND, made

KYIV = ZoneInfo("Europe/Kyiv")
CITY = Place(1, "Horlivka", 38.017, 48.300, "05", 239_828)
SUBURB = Place(2, "Kindrativka", 38.060, 48.300, "05", 600)
VILLAGE = Place(3, "Zaitseve", 38.100, 48.420, "05", 3_000)
GAZETTEER = Gazetteer([CITY, SUBURB, VILLAGE])


@pytest.mark.parametrize("module", [places, wording], ids=lambda m: m.__name__)
def test_docstring_examples(module: Any) -> None:
    failures, tried = doctest.testmod(module)
    assert tried > 0
    assert failures == 0


def test_a_point_inside_a_city_is_described_from_the_city_not_a_nearer_village() -> None:
    # 0.4 km from the small place's centre, 3.4 km from the city's: still inside the city.
    relative = GAZETTEER.reference(38.063, 48.302)
    assert relative.place is CITY
    assert relative.describe() == "3 km east of Horlivka"


def test_far_from_any_city_the_nearest_place_is_the_reference() -> None:
    relative = GAZETTEER.reference(38.10, 48.47)
    assert relative.place is VILLAGE
    assert relative.direction == "north"
    assert relative.describe(about=True) == "about 6 km north of Zaitseve"


def test_within_a_kilometre_the_event_is_in_the_place_and_the_holder_is_named() -> None:
    relative = GAZETTEER.reference(38.018, 48.301)
    assert replace(relative, controlled_by="RU").describe() == "in Horlivka (RU-controlled)"


@pytest.mark.parametrize(
    ("bearing", "point"),
    [
        (0, "north"),
        (22.4, "north"),
        (22.6, "north-east"),
        (180, "south"),
        (337.6, "north"),
        (-90, "west"),
    ],
)
def test_compass_points(bearing: float, point: str) -> None:
    assert compass_point(bearing) == point


def test_a_day_ends_at_the_cutoff_and_the_spring_day_is_23_hours() -> None:
    ordinary = daily_period(date(2025, 4, 20), time(19, 30), KYIV)
    assert ordinary.end == datetime(2025, 4, 20, 16, 30, tzinfo=UTC)  # 19:30 EEST
    assert ordinary.hours == 24
    assert not ordinary.holds(ordinary.end)
    assert ordinary.holds(ordinary.start)
    spring = daily_period(date(2025, 3, 30), time(19, 30), KYIV)  # clocks go forward at 03:00
    assert spring.hours == 23
    assert spring.before().end == spring.start
    assert spring.before().hours == 24


def _story(
    number: int,
    items: list[Any],
    placements: dict[str, Placement] | None = None,
    reviews: list[Review] | None = None,
) -> IncidentStory:
    reports = [r for r, _ in items]
    sources = {s.source_id: s for _, s in items}
    where = placements if placements is not None else {r.report_id: UA_GROUND for r in reports}
    return tell(number, reports, sources, where, reviews or [], TERMS)


def test_an_incident_counts_the_most_any_report_saw_never_the_sum() -> None:
    two_patrols = _story(
        1,
        [made("a", explosions=12, bursts=2), made("b", source_org="ICRC", explosions=8, bursts=5)],
    )
    one = incident_tally(two_patrols)
    assert (one.violations, one.explosions, one.bursts) == (1, 12, 5)
    other = _story(2, [made("c", explosions=3, killed=1)])
    both = tally([two_patrols, other])
    assert (both.violations, both.explosions, both.killed) == (2, 15, 1)


def _inputs(stories: list[IncidentStory], **extra: Any) -> DailyInputs:
    values: dict[str, Any] = {
        "period": daily_period(date(2025, 4, 20), time(19, 30), KYIV),
        "stories": stories,
        "gazetteer": GAZETTEER,
        "controller": lambda lon, lat: "RU",
        "plans": [],
        "violations": [],
        "acknowledgements": {},
        "record": RecordState(9, "ab" * 32),
    } | extra
    return DailyInputs(**values)


def at(hours: float) -> str:
    """A moment `hours` after the start of the 2025-04-20 report's period (19:30 on the 19th)."""
    return (datetime(2025, 4, 19, 16, 30, tzinfo=UTC) + timedelta(hours=hours)).isoformat()


def test_the_report_compares_with_the_day_before_and_says_so_in_words() -> None:
    today = [
        _story(1, [made("a", observed_start=at(2), explosions=16)]),
        _story(2, [made("b", observed_start=at(5), lon=38.06, lat=48.30)]),
        _story(3, [made("c", observed_start=at(23.9), category="movement_restriction")]),
    ]
    yesterday = [_story(4, [made("d", observed_start=at(-3))])]
    tomorrow = [_story(5, [made("e", observed_start=at(24))])]  # at the cut-off: the next report
    report = daily_report(_inputs(today + yesterday + tomorrow))
    assert [i.label for i in report.incidents] == ["INC-1", "INC-2", "INC-3"]
    assert report.total.violations == 2  # a restriction of movement breaches no clause
    assert report.previous_total.violations == 1
    assert [i.label for i in report.access] == ["INC-3"]
    assert report.summary[0] == (
        "In the 24 hours to 19:30 on 20 April 2025 (Europe/Kyiv), 2 ceasefire violations were "
        "recorded, including 16 explosions, up from 1 in the previous 24 hours."
    )
    assert "In Donetsk Oblast, 2 (up from 1), including 16 explosions." in report.summary
    assert report.incidents[1].where == "3 km east of Horlivka (RU-controlled)"
    assert sum(report.hours_now) == 2
    assert report.hours_now[21] == 1
    assert report.number == "110/2025"


def test_a_day_known_only_by_its_date_that_crosses_the_cutoff_is_marked() -> None:
    day = _story(1, [made("a", observed_start="2025-04-20", time_precision="day")])
    report = daily_report(_inputs([day]))
    assert report.incidents[0].straddles_cutoff
    assert any("known only to the day" in s for s in report.summary)


def test_rejected_incidents_are_listed_but_not_counted() -> None:
    reject = Review(
        seq=50,
        incident=1,
        action=Action.REJECT,
        reviewer="alice",
        at=datetime(2025, 4, 21, tzinfo=UTC),
        reason="a training range",
    )
    report = daily_report(_inputs([_story(1, [made("a", observed_start=at(1))], reviews=[reject])]))
    assert len(report.incidents) == 1
    assert report.total.violations == 0
    assert report.summary[0].startswith(
        "In the 24 hours to 19:30 on 20 April 2025 (Europe/Kyiv), 0 "
    )


def _attributed(number: int, when: str, severity_category: str = "artillery") -> IncidentStory:
    attribute = Review(
        seq=100 + number,
        incident=number,
        action=Action.ATTRIBUTE,
        reviewer="alice",
        at=datetime(2025, 4, 19, tzinfo=UTC),
        reason="crater",
        party="RU",
        basis=Basis.CRATER_ANALYSIS,
        confidence=Confidence.HIGH,
    )
    verify = Review(
        seq=200 + number,
        incident=number,
        action=Action.VERIFY,
        reviewer="alice",
        at=datetime(2025, 4, 19, tzinfo=UTC),
        reason="seen",
    )
    return _story(
        number,
        [made(f"v{number}", observed_start=when, category=severity_category)],
        reviews=[attribute, verify],
    )


def test_the_plan_section_shows_the_track_its_decisions_and_missed_deadlines() -> None:
    plan = read_plan("coalition-three-phase")
    stories = [_attributed(1, at(-30)), _attributed(2, at(3))]
    violations: list[Violation] = [v for v in map(as_violation, stories) if v is not None]
    assert all(v.severity in (Severity.MAJOR, Severity.GRAVE) for v in violations)
    report = daily_report(_inputs(stories, plans=[plan], violations=violations))
    (section,) = report.plans
    (track,) = section.tracks
    assert track.party == "RU"
    assert track.phase >= 1
    # Phase 1 began 30 hours before the period; its 24 h cure deadline fell inside it and
    # nobody acknowledged: a missed deadline. What the period decided is listed with reasons.
    assert section.missed, section
    assert all(report.period.holds(a.due_at) for a in section.missed if a.due_at)
    assert all(report.period.holds(d.effective_at) for d in section.decisions)
    assert any("RU track" in s for s in report.summary) or any(
        "no track changed phase" in s for s in report.summary
    )

    def key(a: ActionLine) -> tuple[str, str, str, datetime]:
        return (plan.name, a.party, a.action.replace(" ", "_"), a.required_at)

    # Each actor owes an action on its own: the first actor's answer leaves it missed by the
    # others, and it is met only when every actor has answered by the deadline.
    first_only = {key(a): {a.actors[0]: a.required_at} for a in section.missed}
    partly = daily_report(
        _inputs(stories, plans=[plan], violations=violations, acknowledgements=first_only)
    )
    assert {key(a) for a in partly.plans[0].missed} == {
        key(a) for a in section.missed if len(a.actors) > 1
    }
    for a in partly.plans[0].missed:
        assert a.missed_by == a.actors[1:]
    everyone = {key(a): dict.fromkeys(a.actors, a.required_at) for a in section.missed}
    again = daily_report(
        _inputs(stories, plans=[plan], violations=violations, acknowledgements=everyone)
    )
    assert not again.plans[0].missed


def test_the_report_opens_with_where_the_plan_stands() -> None:
    # Not on page 48 of 49: the summary says each track's phase, T0 and next clocks first.
    plan = read_plan("coalition-three-phase")
    stories = [_attributed(1, at(-30)), _attributed(2, at(3))]
    violations: list[Violation] = [v for v in map(as_violation, stories) if v is not None]
    report = daily_report(_inputs(stories, plans=[plan], violations=violations))
    (track,) = report.plans[0].tracks
    layers = MapLayers([], [], None, "", None, None, "")
    for output_format in ("md", "html"):
        text = render_daily(report, layers, output_format, "daily").body.decode()
        summary = text[text.index("Summary") : text.index("violations by sector")]
        assert "coalition-three-phase at the cut-off:" in summary
        assert f"RU in phase {track.phase} ({track.phase_name})" in summary
        assert "T0 " in summary
        if track.clocks:
            assert "next, if nothing changes: " + track.clocks[0][0] in summary
        # and says why the period reports count the same date otherwise
        assert "the period reports count local days from midnight" in text
