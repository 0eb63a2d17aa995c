"""Incidents on both databases: grouped inside the ingest transaction, reviewed as ledger
entries, renumbered by merges and splits, and always equal to a replay of the log."""

from __future__ import annotations

import contextlib
import itertools
import math
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from ceasefire.clock import utc_now
from ceasefire.domain.incidents.grouping import group
from ceasefire.domain.incidents.review import Action, Basis, Confidence, Review
from ceasefire.domain.incidents.story import Terms
from ceasefire.domain.validation import IngestRules
from ceasefire.services.incidents import (
    IncidentFilter,
    ReviewError,
    current_incident,
    incident_stories,
    record_review,
)
from ceasefire.services.ingest import ingest_files
from ceasefire.services.violations import violations_in_record
from ceasefire.store.db import make_engine, reading, writing
from ceasefire.store.incident_check import membership_problem, rebuild
from ceasefire.store.incident_store import FOOTPRINT_COLUMNS, all_memberships, footprint_of
from ceasefire.store.migrate import upgrade
from ceasefire.store.schema import reports
from ceasefire.store.verify import verify

from ..conftest import examples

T = datetime(2025, 4, 20, 8, 0, tzinfo=UTC)
NOW = datetime(2025, 5, 1, tzinfo=UTC)
HEADER = (
    "source_id,source_kind,source_org,external_id,observed_start,lon,lat,uncertainty_m,"
    "category,alleged_party\n"
)
TERMS = Terms(parties=("RU", "UA"))
KM = 1 / 111.2


def row(name: str, km: float, minutes: float = 0, org: str = "OSCE", party: str = "RU") -> str:
    at = (T + timedelta(minutes=minutes)).isoformat()
    lat = 48.3 + km * KM
    return f"src-{name},monitor_patrol,{org},{name},{at},37.9,{lat:.6f},200,artillery,{party}\n"


def ingest(engine: Engine, tmp_path: Path, rows: list[str], name: str = "r") -> None:
    path = tmp_path / f"{name}.csv"
    path.write_text(HEADER + "".join(rows))
    outcome = ingest_files(engine, [path], rules=IngestRules(now=NOW, zone=UTC), clock=lambda: NOW)
    assert outcome.ok, [r.lines() for f in outcome.files for r in f.rejections]


def partition(engine: Engine) -> set[frozenset[str]]:
    with reading(engine) as connection:
        rows = all_memberships(connection)
        names = dict(connection.execute(text("select report_id, external_id from reports")).all())
    by: dict[int, set[str]] = {}
    for report_id, m in rows.items():
        by.setdefault(m.incident, set()).add(names[report_id])
    return {frozenset(s) for s in by.values()}


def review(engine: Engine, action: Action, incident: int, **extra: object) -> int:
    draft = Review(seq=0, incident=incident, action=action, reviewer="alice", at=NOW, **extra)  # type: ignore[arg-type]
    with writing(engine) as connection:
        return record_review(connection, draft, TERMS, clock=lambda: NOW).incident


def number_of(engine: Engine, external_id: str) -> int:
    with reading(engine) as connection:
        report_id = connection.execute(
            text("select report_id from reports where external_id = :e"), {"e": external_id}
        ).scalar_one()
        return all_memberships(connection)[report_id].incident


ROWS = [row("a", 0), row("b", 1.5, 5, org="ICRC"), row("c", 10), row("d", 11.5, 10)]


def test_ingest_groups_and_two_batches_equal_one(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, ROWS[:1] + ROWS[2:3], "first")
    ingest(engine, tmp_path, ROWS[1:2] + ROWS[3:], "second")
    assert partition(engine) == {frozenset("ab"), frozenset("cd")}
    with reading(engine) as connection:
        assert membership_problem(connection) is None
        stories = incident_stories(connection, None)
    statuses = {s.label: s.status.value for s in stories}
    assert sorted(statuses.values()) == ["corroborated", "reported"]  # OSCE+ICRC vs OSCE alone


def test_reviews_are_ledger_entries_that_verify_checks(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, ROWS)
    ab = number_of(engine, "a")
    review(engine, Action.VERIFY, ab, reason="crater seen")
    review(
        engine,
        Action.ATTRIBUTE,
        ab,
        party="RU",
        basis=Basis.CRATER_ANALYSIS,
        confidence=Confidence.HIGH,
        reason="fuse",
    )
    review(engine, Action.RESPOND, ab, party="RU", text="we deny it")
    with reading(engine) as connection:
        assert verify(connection).first_break is None
        (told,) = incident_stories(connection, None, IncidentFilter(numbers=frozenset({ab})))
    assert told.status.value == "verified"
    assert told.attribution is not None
    assert not told.attribution.proposed
    assert told.replies[0].text == "we deny it"
    with engine.begin() as connection:  # someone edits a review behind the log's back
        if engine.dialect.name == "postgresql":
            connection.execute(text("drop trigger reviews_append_only on reviews"))
        else:
            connection.execute(text("drop trigger reviews_no_update"))
        connection.execute(text("update reviews set reviewer = 'mallory'"))
    with reading(engine) as connection:
        broken = verify(connection).first_break
    assert broken is not None
    assert "reviews row" in broken.reason


def test_reviews_table_refuses_edits(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, ROWS[:1])
    review(engine, Action.REJECT, number_of(engine, "a"), reason="duplicate of a press report")
    with pytest.raises(Exception, match="append-only"), engine.begin() as connection:
        connection.execute(text("delete from reviews"))


def test_merge_and_split_renumber_and_old_names_still_resolve(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(engine, tmp_path, ROWS)
    ab, cd = number_of(engine, "a"), number_of(engine, "c")
    merged = review(engine, Action.MERGE, cd, other=ab)
    assert merged == min(ab, cd)
    assert partition(engine) == {frozenset("abcd")}
    with reading(engine) as connection:
        assert current_incident(connection, max(ab, cd)) == merged
        d_id = connection.execute(
            text("select report_id from reports where external_id='d'")
        ).scalar_one()
    split = review(engine, Action.SPLIT, merged, reports=(d_id,))
    assert partition(engine) == {frozenset("abc"), frozenset("d")}
    ingest(engine, tmp_path, [row("e", 13, 12)], "late")  # near d, which is pinned: apart
    assert frozenset("e") in partition(engine)
    with reading(engine) as connection:
        assert membership_problem(connection) is None
        assert verify(connection).first_break is None
        stories = incident_stories(
            connection, None, IncidentFilter(numbers=frozenset({split, merged}))
        )
    told = {s.number: [r.action for r in s.reviews] for s in stories}
    # The part split off starts its own history at the split; the rest keeps everything.
    assert told == {merged: [Action.MERGE, Action.SPLIT], split: [Action.SPLIT]}


def test_refused_reviews_write_nothing(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, ROWS[:2])
    ab = number_of(engine, "a")
    with reading(engine) as connection:
        before = connection.execute(text("select count(*) from ledger")).scalar_one()
    with pytest.raises(ReviewError, match="INC-999999: no such incident"):
        review(engine, Action.VERIFY, 999999, reason="x")
    with reading(engine) as connection:
        ids = tuple(connection.execute(text("select report_id from reports")).scalars())
    with pytest.raises(ReviewError, match="some, but not all"):
        review(engine, Action.SPLIT, ab, reports=ids)
    with pytest.raises(ReviewError, match="--party"):
        review(
            engine,
            Action.ATTRIBUTE,
            ab,
            party="XX",
            basis=Basis.OBSERVED,
            confidence=Confidence.LOW,
        )
    with reading(engine) as connection:
        assert connection.execute(text("select count(*) from ledger")).scalar_one() == before


def test_a_tampered_membership_is_found_and_rebuilt(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, tmp_path, ROWS)
    with engine.begin() as connection:
        connection.execute(
            text(
                "update incident_members set incident_no = 424242 "
                "where key_seq = (select min(key_seq) from incident_members)"
            )
        )
    with reading(engine) as connection:
        problem = membership_problem(connection)
    assert problem is not None
    assert "INC-424242" in str(problem)
    with writing(engine) as connection:
        assert rebuild(connection) == 2
    with reading(engine) as connection:
        assert membership_problem(connection) is None


def test_violations_for_the_engine_are_one_per_attributed_incident(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(engine, tmp_path, ROWS)
    with reading(engine) as connection:
        found = violations_in_record(connection, None, at=utc_now())
    assert len(found) == 2
    assert {v.party for v in found} == {"RU"}
    assert {v.status for v in found} == {"corroborated", "reported"}


def test_stories_are_told_once_per_state_of_the_record(engine: Engine, tmp_path: Path) -> None:
    from ceasefire.speed.stories import cached_incident_stories

    ingest(engine, tmp_path, ROWS)
    with reading(engine) as connection:
        first = cached_incident_stories(connection, None)
        again = cached_incident_stories(connection, None)
    assert again is first  # the same state: told once
    ingest(engine, tmp_path, [row("e", 40, 120)], name="later")
    with reading(engine) as connection:
        later = cached_incident_stories(connection, None)
    assert later is not first
    assert len(later) == len(first) + 1


def test_a_new_states_stories_are_told_ahead_of_readers(engine: Engine, tmp_path: Path) -> None:
    from ceasefire.speed import stories as module

    ingest(engine, tmp_path, ROWS)
    with reading(engine) as connection:
        state = module.record_state(connection)
    module.tell_ahead(engine)
    where = module._database(connection)
    with reading(engine) as connection:
        window = module.default_window(connection)  # the map's first screen: the last week
    assert window.since is not None
    assert (where, state, None, window) in module._STORIES  # no agreement


def each_kind_of_change(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """Change the record in every way that moves reports between incidents or judges them,
    saying after each what it did: for tests of what is kept between states of the record."""
    ingest(engine, tmp_path, [row("a", 0), row("c", 4, 10), row("f", 40), row("g", 80, 90)])
    yield "first"
    ingest(engine, tmp_path, [row("b", -1.5, 5, org="ICRC")], "joins")  # a's incident
    yield "joins"
    # A late first report of a's event: a joins it; b, out of its reach, stands alone.
    ingest(engine, tmp_path, [row("y", 1.0, -3)], "late")
    assert partition(engine) >= {frozenset("ay"), frozenset("b"), frozenset("c")}
    yield "late"
    merged = review(engine, Action.MERGE, number_of(engine, "a"), other=number_of(engine, "f"))
    yield "merge"
    with reading(engine) as connection:
        y_id = connection.execute(
            text("select report_id from reports where external_id='y'")
        ).scalar_one()
    review(engine, Action.SPLIT, merged, reports=(y_id,))
    yield "split"
    review(engine, Action.RESPOND, number_of(engine, "y"), party="RU", text="not us")
    yield "reply"
    g = number_of(engine, "g")
    basis = {"basis": Basis.OBSERVED, "confidence": Confidence.HIGH, "reason": "seen"}
    review(engine, Action.ATTRIBUTE, g, party="UA", **basis)
    yield "attribute"
    review(engine, Action.REJECT, number_of(engine, "c"), reason="a training exercise")
    yield "reject"
    with engine.begin() as connection:  # membership changed outside the ledger (by hand),
        connection.execute(text("update incident_members set incident_no = incident_no + 1000"))
        rebuild(connection)  # then rebuilt from the log: the one change without an entry
    yield "rebuilt"
    ingest(engine, tmp_path, [row("z", 80, 9)], "after-the-edit")
    yield "after the edit"


def test_a_new_state_is_told_from_the_last_by_telling_again_only_what_changed(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each kind of change the stories kept up to date equal the stories told afresh;
    only the first state and the states after a change outside the ledger are told in full."""
    from ceasefire.speed import stories as module

    in_full: list[str] = []
    told_in_full = module._told_in_full
    monkeypatch.setattr(
        module, "_told_in_full", lambda *a: in_full.append(step) or told_in_full(*a)
    )
    # A window (the dashboard's last week) is told from stories kept from a floor before it:
    # some incidents here start before it, some in it, and a late report moves one out.
    window = IncidentFilter(since=T + timedelta(minutes=4))
    for step in each_kind_of_change(engine, tmp_path):
        with reading(engine) as connection:
            kept = module.cached_incident_stories(connection, None)
            assert kept == incident_stories(connection, None), step
            windowed = module.cached_incident_stories(connection, None, window)
            assert windowed == incident_stories(connection, None, window), step
            assert 0 < len(windowed) < len(kept), step
    # Each kept state (every incident; from the window's floor) told in full twice.
    assert in_full == ["first", "first", "rebuilt", "rebuilt"]


def test_windows_far_apart_are_told_from_floors_of_their_own(
    engine: Engine, tmp_path: Path
) -> None:
    """Windows a user widens the map to, weeks apart, each get a floor (the oldest dropped
    beyond `FLOORS_KEPT`); whichever serves, and after the record grows, the stories are the
    window's."""
    from ceasefire.speed import stories as module

    ingest(engine, tmp_path, ROWS)
    starts = [T - timedelta(days=d) for d in (40, 20, 0, 60, 40)] + [T + timedelta(minutes=4)]
    for k, since in enumerate(starts):
        if k == 3:
            ingest(engine, tmp_path, [row("e", 40, 120)], name="later")
        window = IncidentFilter(since=since)
        with reading(engine) as connection:
            kept = module.cached_incident_stories(connection, None, window)
            assert kept == incident_stories(connection, None, window), since
        floors = module._FLOORS[module.where_told(connection, None)[:2]]
        assert len(floors) <= module.FLOORS_KEPT
        assert any(f <= since < f + module._FLOOR_REUSE for f in floors)


def test_the_clocks_kept_violations_equal_the_records_after_every_kind_of_change(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running clock keeps each incident's violation between steps (`speed.violations`):
    after each kind of change what it holds equals the violations told from the record
    afresh, and it looked again only at the incidents that changed."""
    from ceasefire.speed import violations as kept_module

    looked: list[int] = []
    as_violation = kept_module.as_violation
    monkeypatch.setattr(
        kept_module, "as_violation", lambda story: looked.append(1) or as_violation(story)
    )
    counts = {}
    for step in each_kind_of_change(engine, tmp_path):
        looked.clear()
        with reading(engine) as connection:
            kept = kept_module.violations_now(connection, None, at=NOW)
            afresh = violations_in_record(connection, None, at=NOW)
        assert afresh, step  # each state holds violations to compare
        assert sorted(kept) == sorted(afresh), step
        counts[step] = len(looked)
    assert counts["first"] == 4  # every incident
    assert counts["joins"] == counts["reply"] == counts["attribute"] == counts["reject"] == 1
    assert counts["rebuilt"] >= 4  # the rows were replaced without a log entry: all again


def test_a_record_restored_from_a_backup_is_told_again_once(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server keeps the stories and violations of the record it reads. When the database
    is restored from a backup (or a standby promoted) under it, the record is another
    history: told in full once, and kept from then on (it was told in full at every step,
    as the earlier state was never kept: 80 s a step at a million reports); and another
    history that reaches the same head is not taken for the one kept."""
    import shutil

    from ceasefire.speed import stories as module
    from ceasefire.speed.violations import violations_now

    database = Path(sqlite_url.removeprefix("sqlite:///"))
    backup = tmp_path / "backup.db"
    engine = make_engine(sqlite_url)
    upgrade(engine)
    ingest(engine, tmp_path, ROWS)
    engine.dispose()
    shutil.copyfile(database, backup)

    def restore() -> None:
        engine.dispose()
        for leftover in database.parent.glob(database.name + "-*"):
            leftover.unlink()
        shutil.copyfile(backup, database)

    def kept_equals_afresh() -> tuple[int, int]:
        with reading(engine) as connection:
            kept = violations_now(connection, None, at=NOW)
            assert sorted(kept) == sorted(violations_in_record(connection, None, at=NOW))
            stories = module.cached_incident_stories(connection, None)
            assert stories == incident_stories(connection, None)
            return kept.state[0], len(kept)

    ingest(engine, tmp_path, [row("e", 40, 120)], "later")
    head, count = kept_equals_afresh()
    restore()
    in_full: list[int] = []
    told_in_full = module._told_in_full
    monkeypatch.setattr(module, "_told_in_full", lambda *a: in_full.append(1) or told_in_full(*a))
    assert kept_equals_afresh() == (head - 2, count - 1)  # the report and its source gone
    kept_equals_afresh()
    kept_equals_afresh()
    assert len(in_full) == 1
    # Another history to the same head: a report somewhere else, from another source.
    ingest(engine, tmp_path, [row("f", 80, 120, org="ICRC", party="UA")], "other")
    assert kept_equals_afresh() == (head, count)
    with reading(engine) as connection:
        parties = {v.party for v in violations_now(connection, None, at=NOW)}
    assert parties == {"RU", "UA"}


def test_a_kept_run_fed_from_kept_violations_logs_what_a_replay_does(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock's two kept things together, as `serve` runs them: the violations kept
    between steps (`speed.violations`) say what changed, and the plan's kept run
    (`speed.plan_runs`) is fed that alone. Reports arriving hour by hour: every step's log
    equals a replay's from the record until an analyst rejects an incident fed long ago; from
    then on it leaves standing what the replay does, its corrections dated when the review
    was known, and its timeline is always the record's. Only the first step replays."""
    from ceasefire.domain.enforcement.plan import parse_plan
    from ceasefire.domain.enforcement.plan_run import replay, timeline
    from ceasefire.domain.enforcement.records import standing
    from ceasefire.services.plans import load_plan_data, with_counting

    def grounds(log: Any) -> dict[Any, Any]:  # what stands, and on what grounds
        return {key: d.substance for key, d in standing(log).items()}

    from ceasefire.speed import plan_runs
    from ceasefire.speed.violations import violations_now

    plan = parse_plan(with_counting(load_plan_data("coalition-three-phase"), "reported"))
    assert not isinstance(plan, list)
    kept = plan_runs.KeptRuns()
    replays: list[int] = []
    from_the_start = plan_runs._from_the_start
    monkeypatch.setattr(
        plan_runs, "_from_the_start", lambda *a: replays.append(1) or from_the_start(*a)
    )
    start = T + timedelta(days=2)
    for hour in range(12):
        at = start + timedelta(hours=hour)
        path = tmp_path / f"h{hour}.csv"
        # Each hour a new shelling 30 km further along: one more incident, one more violation.
        lat = 48.3 + 30 * hour * KM
        path.write_text(
            HEADER + f"src-h{hour},monitor_patrol,OSCE,h{hour},{at.isoformat()},37.9,"
            f"{lat:.6f},200,artillery,RU\n"
        )
        outcome = ingest_files(
            engine, [path], rules=IngestRules(now=at, zone=UTC), clock=lambda at=at: at
        )
        assert outcome.ok
        if hour == 8:  # an analyst rejects the first incident, fed long ago
            first = number_of(engine, "h0")
            draft = Review(
                seq=0,
                incident=first,
                action=Action.REJECT,
                reviewer="alice",
                at=at,
                reason="a training exercise",
            )
            with writing(engine) as connection:
                record_review(connection, draft, TERMS, clock=lambda at=at: at)
        now = at + timedelta(minutes=1)
        with reading(engine) as connection:
            found = violations_now(connection, None, at=now)
            afresh = violations_in_record(connection, None, at=now)
        mine = kept.log("plan", plan, found, now)
        replayed = replay(plan, afresh, until=now)
        if hour < 8:
            assert [d.decision_id for d in mine] == [d.decision_id for d in replayed], hour
        assert grounds(mine) == grounds(replayed), hour
        assert kept.timeline("plan", plan, found, now) == timeline(plan, afresh), hour
        withdrawn = [d for d in mine if d.kind.value == "withdrawn"]
        assert all(d.known_at >= start + timedelta(hours=8) for d in withdrawn), hour
    assert len(replays) == 1, replays
    assert withdrawn  # the rejection moved the track's start: its first decisions withdrawn
    assert {d.phase for d in mine if d.kind.value == "phase_entered"} >= {1}


def test_a_missed_commitment_reported_twice_is_one_incident(engine: Engine, tmp_path: Path) -> None:
    """Every category is grouped, across imports (the second import reads stored neighbours)."""
    missed = [row("m1", 0).replace("artillery", "missed_commitment")]
    ingest(engine, tmp_path, missed, "first")
    ingest(
        engine,
        tmp_path,
        [row("m2", 0.2, 30, org="ICRC").replace("artillery", "missed_commitment")],
        "again",
    )
    assert partition(engine) == {frozenset({"m1", "m2"})}


# Reports anywhere from the Sea of Azov to Kharkiv's north (either side of the latitude the
# book measures east-west distances at), a few km apart, with any uncertainty up to beyond
# the cap, none included.
_PLACED = st.tuples(
    st.sampled_from([44.5, 48.0, 51.5]),
    st.floats(-8, 8),  # km north
    st.floats(-10, 10),  # km east
    st.floats(0, 40),  # minutes
    st.one_of(st.none(), st.sampled_from([0, 300, 5_000, 7_000]), st.integers(0, 7_000)),
)


_EXAMPLES = itertools.count()


@settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    placed=st.lists(_PLACED, min_size=2, max_size=12),
    cuts=st.lists(st.integers(1, 11), min_size=1, max_size=3),
)
# A report 5 km from one stored before it links only through the stored one's own 5 km
# uncertainty: a query that leaves that out misses the link.
@example(placed=[(48.0, 0, 0, 0, 5_000), (48.0, 0, 5, 0, 0)], cuts=[1])
@example(placed=[(44.5, 0, 0, 0, 5_000), (44.5, 0, 5, 0, 0)], cuts=[1])
def test_imports_in_any_batches_group_as_the_rule_does_all_at_once(
    engine: Engine,
    tmp_path: Path,
    placed: list[tuple[float, float, float, float, int | None]],
    cuts: list[int],
) -> None:
    """Whatever the uncertainties and wherever the reports, reading each import's stored
    neighbours from the database misses no link: the incidents equal the plain rule
    (`grouping.group`) applied to every stored report at once. Both databases (they read
    neighbours by different statements); the examples share one, each on a day of its own."""
    example = next(_EXAMPLES)
    day = T - timedelta(days=2 * example)  # back in time: the future is refused
    rows = []
    for k, (base_lat, north, east, minutes, uncertainty) in enumerate(placed):
        lat = base_lat + north * KM
        lon = 37.0 + east * KM / math.cos(math.radians(lat))
        at = (day + timedelta(minutes=minutes)).isoformat()
        radius = "" if uncertainty is None else str(uncertainty)  # none: the default radius
        name = f"x{example}q{k}"
        rows.append(
            f"src-{name},monitor_patrol,OSCE,{name},{at},{lon:.6f},{lat:.6f},{radius},"
            "artillery,RU\n"
        )
    bounds = [0, *sorted({c for c in cuts if c < len(rows)}), len(rows)]
    for start, end in itertools.pairwise(bounds):
        ingest(engine, tmp_path, rows[start:end], name=f"x{example}b{start}")
    with reading(engine) as connection:
        stored = connection.execute(
            select(reports.c.external_id, *FOOTPRINT_COLUMNS).where(
                reports.c.external_id.startswith(f"x{example}q")
            )
        ).all()
    name = {r.report_id: r.external_id for r in stored}
    grouped = {s for s in partition(engine) if min(s).startswith(f"x{example}q")}
    assert grouped == {frozenset(name[i] for i in ids) for ids in group(map(footprint_of, stored))}


# Within a few km and minutes of each other, in up to three places 40 km apart, so that one
# import reads its neighbours around several places at once.
_ROW = st.tuples(
    st.builds(lambda km, place: km + 40 * place, st.floats(0, 6), st.integers(0, 2)),
    st.floats(0, 40),
    st.sampled_from(["OSCE", "ICRC"]),
    st.sampled_from(["RU", "UA"]),
)
_STEP = st.one_of(
    st.tuples(st.just("ingest"), st.lists(_ROW, min_size=1, max_size=5)),
    st.tuples(st.sampled_from(["verify", "attribute", "respond", "split"]), st.integers(0, 9)),
    st.tuples(st.just("merge"), st.integers(0, 9), st.integers(0, 9)),
)


@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(_STEP, min_size=1, max_size=8))
def test_kept_stories_equal_a_fresh_telling_after_any_sequence(
    steps: list[tuple[Any, ...]],
) -> None:
    """Replay == live, twice: whatever arrives (reports that join, link or stand apart, in
    one place or several; reviews, replies, merges, splits), the incidents grouped import by
    import equal a replay of the log, and the stories kept up to date equal the stories told
    afresh from the record. SQLite only: each example is a fresh database."""
    from ceasefire.speed.stories import cached_incident_stories

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'p.db'}")
        upgrade(engine)
        made = 0
        for step in steps:
            numbers = _incidents_now(engine)
            if step[0] == "ingest":
                rows = [row(f"p{made + k}", km, m, org=o, party=p) for k, (km, m, o, p) in
                        enumerate(step[1])]  # fmt: skip
                made += len(rows)
                ingest(engine, Path(folder), rows, name=f"batch{made}")
            elif numbers:
                _review_step(engine, step, numbers)
            with reading(engine) as connection:
                assert cached_incident_stories(connection, None) == incident_stories(
                    connection, None
                )
                assert membership_problem(connection) is None  # live grouping == a replay
        engine.dispose()


def _incidents_now(engine: Engine) -> list[int]:
    with reading(engine) as connection:
        return sorted({m.incident for m in all_memberships(connection).values()})


def _review_step(engine: Engine, step: tuple[Any, ...], numbers: list[int]) -> None:
    action, number = step[0], numbers[step[1] % len(numbers)]
    extra: dict[str, Any] = {}
    if action == "attribute":
        extra = {"party": "RU", "basis": Basis.OBSERVED, "confidence": Confidence.HIGH}
    elif action == "respond":
        extra = {"party": "RU", "text": "not us"}
    elif action == "merge":
        extra = {"other": numbers[step[2] % len(numbers)]}
    elif action == "split":
        with reading(engine) as connection:
            members = [r for r, m in all_memberships(connection).items() if m.incident == number]
        extra = {"reports": tuple(members[:1])}
    with contextlib.suppress(ReviewError):  # refused (a merge with itself...): nothing written
        review(engine, Action(action), number, **extra)
        event(f"{action} recorded")  # what the examples covered: --hypothesis-show-statistics


def test_two_threads_wanting_every_story_at_once_tell_them_once(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server starting asks twice at once (its clock's first step and the dashboard's head
    start): the second waits for the first and takes its stories, rather than telling every
    incident again beside it."""
    import threading

    from ceasefire.speed import stories as module

    ingest(engine, tmp_path, ROWS)
    calls: list[int] = []
    started, release = threading.Event(), threading.Event()
    told_in_full = module._told_in_full

    def slow_full(*args: Any) -> module.Told:
        calls.append(1)
        started.set()
        release.wait(10)
        return told_in_full(*args)

    monkeypatch.setattr(module, "_told_in_full", slow_full)
    monkeypatch.setattr(module, "_LATEST", {})
    results: list[module.Told] = []

    def ask() -> None:
        with reading(engine) as connection:
            results.append(module.told_now(connection, None))

    first = threading.Thread(target=ask)
    first.start()
    assert started.wait(10)
    second = threading.Thread(target=ask)
    second.start()
    # The second must not start telling: give it the time it would need to (a non-event has
    # nothing to poll for), then let the first finish.
    second.join(0.5)
    release.set()
    first.join(10)
    second.join(10)
    assert calls == [1]
    assert len(results) == 2
    assert results[0] is results[1]


def test_placements_read_by_id_or_all_at_once_tell_the_same_stories(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stories of a window read their reports' placements by id (a few), or all of the
    agreement's at once (many): the same stories either way."""
    from ceasefire.services import incidents as module
    from ceasefire.services.agreements import load_into_record
    from ceasefire.store.agreement_store import agreement_named

    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
    ingest(engine, tmp_path, ROWS)
    window = IncidentFilter(since=T - timedelta(hours=1), until=T + timedelta(hours=1))
    with reading(engine) as connection:
        loaded = agreement_named(connection, "korea-model-demo")
        by_id = incident_stories(connection, loaded, window)
        monkeypatch.setattr(module, "_BY_ID_AT_MOST", 0)
        all_at_once = incident_stories(connection, loaded, window)
    assert by_id == all_at_once
    assert by_id
    assert all(story.sector for story in by_id)  # placed: the placements were read
