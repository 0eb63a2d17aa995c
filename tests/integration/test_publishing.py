"""The daily report on both databases: every number in it equals a query of our own over the
same tables, and the same record and cut-off give the same report."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from ceasefire.domain.publishing.period import daily_period
from ceasefire.domain.validation import IngestRules
from ceasefire.services.agreements import load_into_record
from ceasefire.services.ingest import ingest_files
from ceasefire.services.publishing import build_daily
from ceasefire.store.db import reading

NOW = datetime(2025, 5, 1, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")
HEADER = (
    "source_id,source_kind,source_org,external_id,observed_start,lon,lat,uncertainty_m,"
    "category,explosions,bursts,shots,killed,civilians_injured\n"
)
CATEGORIES = ("artillery", "mortar", "burst_of_fire", "small_arms", "movement_restriction")


def scenario_csv(path: Path, *, seed: int = 7, events: int = 60) -> Path:
    """Seeded monitor reports around Horlivka and Donetsk over three days (18-21 April 2025),
    about a third of the events reported twice by another patrol (the same event: grouped)."""
    rng = random.Random(seed)
    rows = []
    start = datetime(2025, 4, 18, 12, 0, tzinfo=UTC)
    for n in range(events):
        at = start + timedelta(minutes=rng.randrange(0, 3 * 24 * 60))
        lon, lat = rng.uniform(37.6, 38.3), rng.uniform(47.9, 48.5)
        category = rng.choice(CATEGORIES)
        counts = [rng.randrange(0, 20), rng.randrange(0, 6), rng.randrange(0, 30)]
        harm = [rng.choice((0, 0, 0, 1)), rng.choice((0, 0, 0, 2))]
        for copy in range(1 + (rng.random() < 0.35)):
            seen = [max(0, c - rng.randrange(0, 4)) for c in counts] if copy else counts
            rows.append(
                f"patrol-{copy},monitor_patrol,Patrol {copy},ev{n}-{copy},"
                f"{(at + timedelta(minutes=3 * copy)).isoformat()},{lon + 0.002 * copy:.5f},"
                f"{lat:.5f},300,{category},{seen[0]},{seen[1]},{seen[2]},{harm[0]},{harm[1]}\n"
            )
    path.write_text(HEADER + "".join(rows))
    return path


def scenario_record(engine: Engine, tmp_path: Path) -> None:
    csv_path = scenario_csv(tmp_path / "scenario.csv")
    outcome = ingest_files(
        engine, [csv_path], rules=IngestRules(now=NOW, zone=UTC), clock=lambda: NOW
    )
    assert outcome.ok
    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)


# Our own arithmetic, straight from the tables: an incident's start is its earliest report's
# observed start; its count of a kind is the most any of its reports recorded.
PER_INCIDENT = """
select m.incident_no, min(r.observed_start) as start, max(r.explosions) as explosions,
       max(r.bursts) as bursts, max(r.shots) as shots, max(r.killed) as killed,
       max(r.category) as category
from incident_members m join reports r on r.report_id = m.report_id
group by m.incident_no
"""


def test_every_number_equals_a_query_over_the_same_tables(engine: Engine, tmp_path: Path) -> None:
    scenario_record(engine, tmp_path)
    period = daily_period(date(2025, 4, 20), time(19, 30), KYIV)
    with reading(engine) as connection:
        report = build_daily(connection, period, None)
        rows = connection.execute(text(PER_INCIDENT)).all()

    def start_of(row: object) -> datetime:
        value = row.start  # type: ignore[attr-defined]
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    def within(p: object) -> list[object]:
        return [r for r in rows if p.start <= start_of(r).astimezone(UTC) < p.end]  # type: ignore[attr-defined]

    today, yesterday = within(period), within(period.before())
    assert len(report.incidents) == len(today) > 10
    # Every category but restrictions of movement breaches the hostile-act clause.
    fired = [r for r in today if r.category != "movement_restriction"]  # type: ignore[attr-defined]
    assert report.total.violations == len(fired)
    assert report.total.explosions == sum(r.explosions for r in fired)  # type: ignore[attr-defined]
    assert report.total.bursts == sum(r.bursts for r in fired)  # type: ignore[attr-defined]
    assert report.total.shots == sum(r.shots for r in fired)  # type: ignore[attr-defined]
    assert report.total.killed == sum(r.killed for r in fired)  # type: ignore[attr-defined]
    assert report.previous_total.violations == len(
        [r for r in yesterday if r.category != "movement_restriction"]  # type: ignore[attr-defined]
    )
    assert sum(s.now.violations for s in report.sectors) == report.total.violations
    assert len(report.access) == len(today) - len(fired)
    assert report.summary[0].startswith(
        f"In the 24 hours to 19:30 on 20 April 2025 (Europe/Kyiv), {report.total.violations:,} "
    )
    with reading(engine) as connection:
        assert build_daily(connection, period, None) == report  # same record, same report
