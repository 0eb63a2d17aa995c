"""The engine in operation, on both databases: decisions recorded exactly once, late reports
revising the record, acknowledgements stopping reminders, plan versions adopted explicitly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine

from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.services.live import (
    AdoptionError,
    _clock_claimed,
    adopt,
    open_actions,
    statuses,
    step,
)
from ceasefire.store.db import make_engine, reading, writing
from ceasefire.store.enforcement_store import acknowledge, decision_rows
from ceasefire.store.migrate import upgrade
from ceasefire.store.verify import verify

from ..conftest import PG_URL

T = datetime(2025, 4, 19, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
HEADER = "source_id,source_kind,external_id,observed_start,lon,lat,category,alleged_party\n"


def report(name: str, hours: float, category: str = "artillery") -> str:
    observed = (T + hours * HOUR).isoformat()
    return f"ua-liaison,party_complaint,{name},{observed},37.9,48.3,{category},RU\n"


def ingest(engine: Engine, tmp_path: Path, rows: str, at: datetime) -> None:
    path = tmp_path / f"r{at.timestamp():.0f}.csv"
    path.write_text(HEADER + rows)
    rules = IngestRules(now=at, zone=UTC)
    outcome = ingest_files(engine, [path], rules=rules, clock=lambda: at)
    assert outcome.ok


def run(engine: Engine, now: datetime) -> int:
    result = step(engine, now=now, clock=lambda: now, remind_every=HOUR)
    return sum(result.recorded.values())


@pytest.fixture
def adopted(engine: Engine) -> Engine:
    adopt(engine, "coalition-three-phase", counting="reported", clock=lambda: T - HOUR)
    return engine


def phases(engine: Engine) -> list[tuple[str, int, str]]:
    with reading(engine) as connection:
        return [
            (r["kind"], r["phase"], r["effective_at"].isoformat())
            for r in decision_rows(connection)
            if r["kind"] in ("phase_entered", "withdrawn") and not r["action"]
        ]


def test_each_decision_is_recorded_exactly_once(adopted: Engine, tmp_path: Path) -> None:
    ingest(adopted, tmp_path, report("a", 0) + report("b", 30), T + 31 * HOUR)
    # phase 1 + its 3 actions (the notice to RU among them), the cure assessed at 24 h
    # (stopped), phase 2 + its 3 actions (a violation after it: the violations continue)
    assert run(adopted, T + 31 * HOUR) == 9
    assert run(adopted, T + 31 * HOUR) == 0
    assert run(adopted, T + 32 * HOUR) == 0
    # the quiet period runs out at 30 + 168 h: the stand-down is recorded then, once
    assert run(adopted, T + 199 * HOUR) == 1
    assert run(adopted, T + 400 * HOUR) == 0
    with reading(adopted) as connection:
        assert verify(connection).first_break is None


def test_a_late_report_withdraws_and_corrects_the_record(adopted: Engine, tmp_path: Path) -> None:
    """30 minor (known at 31), then 0 minor arriving at 50."""
    ingest(adopted, tmp_path, report("b", 30, "small_arms"), T + 31 * HOUR)
    run(adopted, T + 31 * HOUR)
    assert phases(adopted) == [("phase_entered", 1, (T + 30 * HOUR).isoformat())]
    ingest(adopted, tmp_path, report("a", 0, "small_arms"), T + 50 * HOUR)
    run(adopted, T + 50 * HOUR)
    assert sorted(phases(adopted)) == sorted(
        [
            ("phase_entered", 1, (T + 30 * HOUR).isoformat()),
            ("withdrawn", 1, (T + 30 * HOUR).isoformat()),
            ("phase_entered", 1, T.isoformat()),
            ("phase_entered", 2, (T + 30 * HOUR).isoformat()),
        ]
    )
    with reading(adopted) as connection:
        corrected = [
            r for r in decision_rows(connection) if r["effective_at"] == T and not r["action"]
        ]
        assert corrected[0]["known_at"] == T + 50 * HOUR
        assert verify(connection).first_break is None


def test_acknowledgement_stops_reminders(adopted: Engine, tmp_path: Path) -> None:
    ingest(adopted, tmp_path, report("a", 0), T + HOUR)
    now = T + 30 * HOUR  # the 24 h stop-violations deadline has passed
    first = step(adopted, now=now, clock=lambda: now, remind_every=HOUR)
    reminded = {(r.action["action"], r.actor) for r in first.reminders}
    assert reminded == {
        ("acknowledge_warning", "RU"),  # the party warned, until its liaison confirms receipt
        ("diplomatic_warning", "US"),
        ("stop_violations", "UA"),
    }
    later = now + 2 * HOUR
    with writing(adopted) as connection:
        stop = next(a for a in open_actions(connection, later) if a["action"] == "stop_violations")
        acknowledge(
            connection,
            stop["decision_id"],
            "UA",
            "units ordered to cease fire",
            clock=lambda: later,
        )
    again = step(adopted, now=later, clock=lambda: later, remind_every=HOUR)
    assert {r.action["action"] for r in again.reminders} == {
        "acknowledge_warning",
        "diplomatic_warning",
    }
    with reading(adopted) as connection:
        assert verify(connection).first_break is None


@pytest.mark.postgres
def test_the_clock_step_waits_only_on_servers_of_the_same_record(
    pg_url: str, tmp_path: Path
) -> None:
    """Servers on one record take the clock step in turns: while one holds it the others skip
    it. A record in another schema of the same database is no such server (the advisory lock
    is the database's; its key names the schema)."""
    engine = make_engine(pg_url)
    upgrade(engine)
    adopt(engine, "coalition-three-phase", counting="reported", clock=lambda: T - HOUR)
    ingest(engine, tmp_path, report("a", 0), T + HOUR)
    now = T + HOUR
    elsewhere = create_engine(PG_URL)  # the public schema: the lock is taken, nothing written
    try:
        with elsewhere.begin() as connection:
            assert _clock_claimed(connection)
            assert not step(engine, now=now, clock=lambda: now, remind_every=HOUR).skipped
        with engine.begin() as connection:
            assert _clock_claimed(connection)
            assert step(engine, now=now, clock=lambda: now, remind_every=HOUR).skipped
    finally:
        elsewhere.dispose()
        engine.dispose()


def test_plans_change_only_when_adopted(adopted: Engine, tmp_path: Path) -> None:
    with pytest.raises(AdoptionError, match="already has this content"):
        adopt(adopted, "coalition-three-phase", counting="reported", clock=lambda: T)
    changed = tmp_path / "plan.yaml"
    source = (
        Path(__file__).resolve().parents[2] / "src/ceasefire/data/plans/coalition-three-phase.yaml"
    )
    changed.write_text(source.read_text().replace("cure_period_h: 24", "cure_period_h: 48"))
    version = adopt(adopted, str(changed), counting="reported", clock=lambda: T)
    assert version.version == 2
    ingest(adopted, tmp_path, report("a", 0) + report("b", 30), T + 31 * HOUR)
    run(adopted, T + 31 * HOUR)
    assert [p[1] for p in phases(adopted)] == [1]  # 30 h is inside the 48 h cure period now
    tracks = statuses(adopted, T + 31 * HOUR)["coalition-three-phase"]
    assert (tracks[0].party, tracks[0].phase, tracks[0].t0) == ("RU", 1, T)


def test_two_plans_reaching_the_same_decision_both_record_it(
    adopted: Engine, tmp_path: Path
) -> None:
    adopt(adopted, "symmetric-monitoring", counting="reported", clock=lambda: T - HOUR)
    ingest(adopted, tmp_path, report("a", 0), T + HOUR)
    result = step(adopted, now=T + HOUR, clock=lambda: T + HOUR, remind_every=HOUR)
    assert result.recorded == {"coalition-three-phase": 4, "symmetric-monitoring": 4}


def test_actions_of_an_episode_opening_as_the_last_stands_down_stay_open(
    adopted: Engine, tmp_path: Path
) -> None:
    ingest(adopted, tmp_path, report("a", 0) + report("b", 168), T + 169 * HOUR)
    now = T + 200 * HOUR
    run(adopted, now)
    with reading(adopted) as connection:
        opened = {(a["action"], a["effective_at"]) for a in open_actions(connection, now)}
    assert ("stop_violations", T + 168 * HOUR) in opened


def test_forged_fact_rows_do_not_verify(adopted: Engine, tmp_path: Path) -> None:
    """An acknowledgement pointing at another entry (a report's) must be caught."""
    ingest(adopted, tmp_path, report("a", 0), T + HOUR)
    run(adopted, T + 30 * HOUR)
    with reading(adopted) as connection:
        action = next(
            a for a in open_actions(connection, T + 30 * HOUR) if a["action"] == "stop_violations"
        )
        report_seq = connection.exec_driver_sql("SELECT min(ledger_seq) FROM reports").scalar_one()
    with adopted.begin() as connection:
        if adopted.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE acknowledgements DISABLE TRIGGER USER")
        connection.exec_driver_sql(
            "INSERT INTO acknowledgements (decision_id, actor, note, acknowledged_at, ledger_seq) "
            f"VALUES ('{action['decision_id']}', 'UA', 'forged', "
            f"'{(T + 31 * HOUR).isoformat()}', {report_seq})"
        )
    with reading(adopted) as connection:
        found = verify(connection).first_break
    assert found is not None
    assert "acknowledgements" in found.reason or "added outside the log" in found.reason


def _plan_file(tmp_path: Path, cure_h: int) -> str:
    source = (
        Path(__file__).resolve().parents[2] / "src/ceasefire/data/plans/coalition-three-phase.yaml"
    )
    path = tmp_path / f"plan-{cure_h}.yaml"
    path.write_text(source.read_text().replace("cure_period_h: 24", f"cure_period_h: {cure_h}"))
    return str(path)


def _migrate(engine: Engine, at: datetime) -> None:
    from ceasefire.services.live import migrate_open_tracks

    migrate_open_tracks(
        engine, "coalition-three-phase", party=None, reason="agreed", by="ops", clock=lambda: at
    )


def test_a_new_version_withdraws_what_it_would_not_have_decided(
    engine: Engine, tmp_path: Path
) -> None:
    adopt(engine, _plan_file(tmp_path, 24), counting="reported", clock=lambda: T - HOUR)
    ingest(engine, tmp_path, report("a", 0) + report("b", 30), T + 31 * HOUR)
    run(engine, T + 31 * HOUR)
    assert [p[1] for p in phases(engine) if p[0] == "phase_entered"] == [1, 2]
    adopt(engine, _plan_file(tmp_path, 48), counting="reported", clock=lambda: T + 39 * HOUR)
    assert run(engine, T + 39 * HOUR) == 0  # the running track keeps its version
    _migrate(engine, T + 40 * HOUR)
    run(engine, T + 41 * HOUR)
    with reading(engine) as connection:
        rows = decision_rows(connection)
        withdrawn = [r for r in rows if r["kind"] == "withdrawn"]
        # phase 2 and the cure assessed at 24 h: under a 48 h cure neither holds
        assert {(r["phase"], r["action"]) for r in withdrawn if r["action"] == ""} == {
            (1, ""),
            (2, ""),
        }
        assert {r["known_at"] for r in withdrawn} == {T + 40 * HOUR}  # when the change came
        open_now = {a["action"] for a in open_actions(connection, T + 41 * HOUR)}
        assert "reinforce" not in open_now
        assert verify(connection).first_break is None


def test_a_new_version_does_not_back_date_what_it_adds(engine: Engine, tmp_path: Path) -> None:
    adopt(engine, _plan_file(tmp_path, 48), counting="reported", clock=lambda: T - HOUR)
    ingest(engine, tmp_path, report("a", 0) + report("b", 30), T + 31 * HOUR)
    run(engine, T + 31 * HOUR)
    adopt(engine, _plan_file(tmp_path, 24), counting="reported", clock=lambda: T + 39 * HOUR)
    _migrate(engine, T + 40 * HOUR)
    run(engine, T + 41 * HOUR)
    with reading(engine) as connection:
        phase2 = [
            r for r in decision_rows(connection) if r["kind"] == "phase_entered" and r["phase"] == 2
        ]
    assert [(r["effective_at"], r["known_at"], r["plan_version"]) for r in phase2] == [
        (T + 30 * HOUR, T + 40 * HOUR, 2)
    ]


def test_clock_takes_sectors_from_the_agreement_named(adopted: Engine, tmp_path: Path) -> None:
    from ceasefire.services.agreements import load_into_record
    from ceasefire.services.live import _violations

    load_into_record(adopted, "korea-model-demo", clock=lambda: T - HOUR)
    ingest(adopted, tmp_path, report("a", 0), T + HOUR)
    with reading(adopted) as connection:
        (placed,) = _violations(connection, "korea-model-demo", T + HOUR)
        assert placed.sector == "Donetsk Oblast"
        with pytest.raises(AdoptionError, match="no agreement 'nope'"):
            _violations(connection, "nope", T + HOUR)
    assert step(
        adopted,
        now=T + HOUR,
        clock=lambda: T + HOUR,
        remind_every=HOUR,
        agreement="korea-model-demo",
    ).recorded


def test_a_tracks_phase_names_the_decision_the_record_holds(
    adopted: Engine, tmp_path: Path
) -> None:
    """`tracks` (and the dashboard's Why?) must point at a recorded decision: the engine's
    event-time timeline has no record times, so its own ids name nothing in the record."""
    ingest(adopted, tmp_path, report("a", 0), T + HOUR)
    run(adopted, T + HOUR)
    (track,) = statuses(adopted, T + 2 * HOUR)["coalition-three-phase"]
    with reading(adopted) as connection:
        recorded = {r["decision_id"]: r for r in decision_rows(connection)}
    assert track.phase == 1
    assert track.entered_by in recorded
    assert recorded[track.entered_by]["kind"] == "phase_entered"


def test_a_running_clock_steps_as_reports_arrive_not_at_its_interval(
    adopted: Engine, tmp_path: Path
) -> None:
    """`ceasefire clock` and `serve` step when the record grows (`speed.clock_loop`): with an
    hour between timed steps, a report that opens phase 1 is decided within seconds, and
    the step took what was kept (violations and the plan's run) from the last one."""
    import threading
    import time

    from ceasefire.clock import utc_now
    from ceasefire.speed import clock_loop

    stop = threading.Event()
    stepped: list[clock_loop.Stepped] = []
    failures: list[Exception] = []
    loop = threading.Thread(
        target=clock_loop.run,
        kwargs={
            "engine": adopted,
            "interval": 3600.0,
            "stop": stop,
            "remind_every": HOUR,
            "agreement": None,
            "worker": "test",
            "stepped": stepped.append,
            "failed": failures.append,
        },
        daemon=True,
    )
    loop.start()
    try:
        deadline = time.monotonic() + 30
        while not stepped and time.monotonic() < deadline:  # the step on starting
            time.sleep(0.05)
        assert len(stepped) == 1
        assert not failures
        now = utc_now()
        observed = (now - timedelta(minutes=5)).isoformat()
        ingest(adopted, tmp_path, f"ua-liaison,party_complaint,x1,{observed},37.9,48.3,"
               "artillery,RU\n", now)  # fmt: skip
        entered: list[str] = []
        while not entered and time.monotonic() < deadline:
            entered = [kind for kind, phase, _ in phases(adopted) if phase == 1]
            time.sleep(0.05)
        assert entered == ["phase_entered"], failures
        assert sum(s.result.recorded.get("coalition-three-phase", 0) for s in stepped) >= 1
    finally:
        stop.set()
        loop.join(10)
    assert not failures
    # What a server logs of each step: when it read the record (after the report was
    # stored), how long it took, what it recorded.
    deciding = next(s for s in stepped if s.result.recorded.get("coalition-three-phase"))
    count = deciding.result.recorded["coalition-three-phase"]
    assert deciding.at >= now
    assert deciding.did_something
    assert not stepped[0].did_something
    assert deciding.line().startswith(f"clock step at {deciding.at.isoformat()} took ")
    # The diplomatic warning is due at once: reminded in the step that decides it.
    assert f" s delivering): {count} decisions, 2 reminders, " in deciding.line()


def test_a_running_track_keeps_its_plan_version_until_migrated(
    adopted: Engine, tmp_path: Path
) -> None:
    """Adopting a new version does not move a running track's clocks (it did: phase 3 moved
    a day at once); `plan migrate` does, recorded, and the step writes the corrections."""
    import yaml

    from ceasefire.services.live import migrate_open_tracks
    from ceasefire.services.plans import load_plan_data

    ingest(adopted, tmp_path, report("a", 0) + report("b", 30, "missile_strike"), T + 31 * HOUR)
    run(adopted, T + 31 * HOUR)

    def phase3(now: datetime) -> datetime:
        (track,) = statuses(adopted, now)["coalition-three-phase"]
        return next(when for what, when in track.clocks if what == "phase 3")

    assert phase3(T + 31 * HOUR) == T + 72 * HOUR
    later = load_plan_data("coalition-three-phase")
    later["clocks"]["phase3_earliest_h"] = 96
    path = tmp_path / "later.yaml"
    path.write_text(yaml.safe_dump(later))
    adopt(adopted, str(path), counting="reported", clock=lambda: T + 32 * HOUR)
    assert run(adopted, T + 40 * HOUR) == 0  # nothing of the running track changes
    assert phase3(T + 40 * HOUR) == T + 72 * HOUR
    with pytest.raises(AdoptionError, match="reason"):
        migrate_open_tracks(
            adopted,
            "coalition-three-phase",
            party=None,
            reason=" ",
            by="ops",
            clock=lambda: T + 41 * HOUR,
        )
    (moved,) = migrate_open_tracks(
        adopted,
        "coalition-three-phase",
        party="RU",
        reason="the guarantors agreed the new timetable applies",
        by="ops",
        clock=lambda: T + 41 * HOUR,
    )
    assert (moved.party, moved.t0, moved.from_version, moved.to_version) == ("RU", T, 1, 2)
    assert phase3(T + 41 * HOUR) == T + 96 * HOUR
    with pytest.raises(AdoptionError, match="nothing to migrate"):
        migrate_open_tracks(
            adopted,
            "coalition-three-phase",
            party="RU",
            reason="again",
            by="ops",
            clock=lambda: T + 42 * HOUR,
        )
    run(adopted, T + 42 * HOUR)
    with reading(adopted) as connection:
        rows = decision_rows(connection)
        assert verify(connection).first_break is None
    # Nothing was decided under version 2 before the migration: the track's decisions so far
    # stay version 1's; after it, what version 2 says differently is written as known then.
    assert {r["plan_version"] for r in rows if r["known_at"] < T + 41 * HOUR} == {1}
    # A track that opens after version 2 was adopted runs under it from the start.
    ingest(adopted, tmp_path, report("c", 300), T + 301 * HOUR)
    run(adopted, T + 301 * HOUR)
    with reading(adopted) as connection:
        fresh = [r for r in decision_rows(connection) if r["effective_at"] == T + 300 * HOUR]
    assert fresh
    assert {r["plan_version"] for r in fresh} == {2}


def test_a_gated_phase_waits_for_the_mediators_and_the_answer_is_recorded(
    engine: Engine, tmp_path: Path
) -> None:
    from ceasefire.services.live import answer_phase_gate

    adopt(engine, "coalition-three-phase-gated", counting="reported", clock=lambda: T - HOUR)
    ingest(engine, tmp_path, report("a", 0) + report("b", 5, "missile_strike"), T + 6 * HOUR)
    run(engine, T + 6 * HOUR)
    (track,) = statuses(engine, T + 6 * HOUR)["coalition-three-phase-gated"]
    assert track.phase == 1
    assert track.awaiting == (2, ("US",), T + 5 * HOUR)
    with pytest.raises(AdoptionError, match="'GB' is not one of those"):
        answer_phase_gate(
            engine, "RU", 2, confirmed=True, by="GB", reason="x", clock=lambda: T + 7 * HOUR
        )
    with pytest.raises(AdoptionError, match="not awaiting confirmation of phase 3"):
        answer_phase_gate(
            engine, "RU", 3, confirmed=True, by="US", reason="x", clock=lambda: T + 7 * HOUR
        )
    answer_phase_gate(
        engine,
        "RU",
        2,
        confirmed=True,
        by="US",
        reason="the strike is verified by two patrols",
        clock=lambda: T + 7 * HOUR,
    )
    run(engine, T + 8 * HOUR)
    (track,) = statuses(engine, T + 8 * HOUR)["coalition-three-phase-gated"]
    assert (track.phase, track.since) == (2, T + 7 * HOUR)  # entered when confirmed
    assert track.awaiting is not None  # phase 3's conditions: the grave strike, asked next
    assert track.awaiting[0] == 3
    with reading(engine) as connection:
        entered = [
            r for r in decision_rows(connection) if r["kind"] == "phase_entered" and r["phase"] == 2
        ]
        assert "confirmed by US" in entered[0]["content"]
        assert verify(connection).first_break is None


def test_as_known_at_replays_the_review_state_of_then_and_names_the_recorded_ids(
    adopted: Engine, tmp_path: Path
) -> None:
    """A rejection recorded after T is not yet known at T: `--as-known-at T` still counts
    the violation (it used today's review state and dropped it); and the replay names the
    decisions the record holds by their recorded ids."""
    from ceasefire.domain.incidents.review import Action, Review
    from ceasefire.domain.incidents.story import Terms
    from ceasefire.services.enforcement import counting_from, run_plan
    from ceasefire.services.incidents import record_review
    from ceasefire.services.plans import read_plan
    from ceasefire.store.incident_store import all_memberships

    ingest(adopted, tmp_path, report("a", 0), T + HOUR)
    run(adopted, T + 2 * HOUR)
    with reading(adopted) as connection:
        (membership,) = all_memberships(connection).values()
    draft = Review(
        seq=0,
        incident=membership.incident,
        action=Action.REJECT,
        reviewer="alice",
        at=T + 10 * HOUR,
        reason="the crater is a year old",
    )
    with writing(adopted) as connection:
        record_review(connection, draft, Terms(parties=("RU", "UA")), clock=lambda: T + 10 * HOUR)
    plan = counting_from(read_plan("coalition-three-phase"), "reported")
    then = run_plan(adopted, plan, now=T + 20 * HOUR, as_known_at=T + 5 * HOUR)
    entered = [d for d in then.decisions if d.kind.value == "phase_entered"]
    assert [(d.phase, d.effective_at) for d in entered] == [(1, T)]
    # phase 1 was recorded at T + 1 h: the replay names that decision, as `explain` knows it
    with reading(adopted) as connection:
        recorded = {r["decision_id"] for r in decision_rows(connection)}
    assert then.recorded_id(entered[0]) in recorded
    now = run_plan(adopted, plan, now=T + 20 * HOUR)
    assert not [d for d in now.decisions if d.kind.value == "phase_entered"]
