"""The period report: the trend day by day per party and compliance per party and clause,
both adding up to the totals."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ceasefire.domain.publishing.period import span_period
from ceasefire.domain.publishing.span import period_report
from tests.unit.test_publishing import _attributed, _inputs, _story, made

KYIV = ZoneInfo("Europe/Kyiv")


def test_days_and_clauses_add_up_to_the_totals() -> None:
    week = span_period(datetime(2025, 4, 14, tzinfo=KYIV), datetime(2025, 4, 21, tzinfo=KYIV), KYIV)
    stories = [
        _attributed(1, "2025-04-15T10:00+03:00"),
        _attributed(2, "2025-04-15T23:30+03:00"),
        _story(3, [made("x", observed_start="2025-04-17T08:00+03:00", category="small_arms")]),
        _story(4, [made("y", observed_start="2025-04-21T00:00+03:00")]),  # the next week
        _story(5, [made("z", observed_start="2025-04-10T12:00+03:00")]),  # the week before
    ]
    report = period_report(_inputs(stories, period=week))
    assert next(d.day.isoformat() for d in report.days) == "2025-04-14"
    assert len(report.days) == 7
    assert report.parties == ("RU", "not attributed")
    by_day = {d.day.isoformat(): dict(d.by_party) for d in report.days}
    assert by_day["2025-04-15"] == {"RU": 2, "not attributed": 0}
    assert by_day["2025-04-17"] == {"RU": 0, "not attributed": 1}
    assert sum(d.total for d in report.days) == report.base.total.violations == 3
    (hostile,) = [c for c in report.clauses if c.kind == "hostile_act"]
    assert {p: (n, ok) for p, n, ok in hostile.by_party} == {
        "RU": (2, 2),
        "not attributed": (1, 0),
    }
    assert report.base.previous_total.violations == 1
    assert report.summary[0] == (
        "Between 00:00 on 14 April 2025 and 00:00 on 21 April 2025 (Europe/Kyiv), 3 ceasefire "
        "violations were recorded, up from 1 in the previous 7 days; 0.4 a day on average."
    )
    assert "The most in one day: 2 on 15 April 2025." in report.summary
    assert "By party: RU 2 and not attributed 1." in report.summary
    assert report.base.period.start == datetime(2025, 4, 13, 21, 0, tzinfo=UTC)
