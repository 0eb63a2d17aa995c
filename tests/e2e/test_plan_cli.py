"""Plans and replays from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app

from ..conftest import FIXTURES

runner = CliRunner()

# RU strikes on the 19th and 20th, then a missile strike on the 22nd: phases 1, 2, 3.
HEADER = (
    "source_id,source_kind,external_id,observed_start,lon,lat,category,alleged_party,damaged_object"
)
REPORTS = (
    HEADER
    + """
ua-liaison,party_complaint,c1,2025-04-19T06:00Z,37.9,48.3,artillery,RU,
ua-liaison,party_complaint,c2,2025-04-20T12:00Z,37.9,48.3,artillery,RU,
ua-liaison,party_complaint,c3,2025-04-22T03:00Z,36.2,49.9,missile_strike,RU,energy
ru-liaison,party_complaint,d1,2025-04-21T03:00Z,37.5,48.1,mortar,UA,
"""
)


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    run(db_url, "init")
    (tmp_path / "complaints.csv").write_text(REPORTS)
    code, _, err = run(db_url, "ingest", str(tmp_path / "complaints.csv"))
    assert code == 0, err
    return db_url


def test_plan_check_explains_every_bundled_plan() -> None:
    for name in ("coalition-three-phase", "energy-moratorium-2025", "symmetric-monitoring"):
        result = runner.invoke(app, ["plan", "check", name])
        assert result.exit_code == 0, result.stderr
        assert "Phase 3" in result.stdout
    result = runner.invoke(app, ["plan", "check", "coalition-three-phase"])
    assert "T0 + 72 h (3 days), never earlier" in result.stdout
    assert "Tracks: RU (UA defends)" in result.stdout


def test_plan_check_names_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nclocks: {cure_period_h: 200, quiet_period_h: 100}\n"
        "escalation: {count_in_24h: 0}\nphases: []\nwhatever: 1\n"
    )
    result = runner.invoke(app, ["plan", "check", str(bad)])
    assert result.exit_code == 1
    for expected in (
        "whatever: unknown key",
        "escalation.count_in_24h: must be a whole number > 0",
        "phases: must list the three phases",
        "clocks.cure_period_h: 200 h is not shorter than the quiet period",
    ):
        assert expected in result.stderr


def test_replay_counts_nothing_unreviewed_unless_asked(db: str) -> None:
    code, out, _ = run(db, "replay")
    assert code == 0
    assert "4 attributed violations, 0 counted (verified)" in out
    assert "pass --counting reported" in out


def test_replay_timeline_and_log_as_known(db: str) -> None:
    code, out, _ = run(db, "replay", "--counting", "reported", "--format", "json")
    assert code == 0
    decisions = json.loads(out)
    phases = [
        (d["party"], d["phase"], d["effective_at"])
        for d in decisions
        if d["kind"] == "phase_entered"
    ]
    assert phases == [
        ("RU", 1, "2025-04-19T06:00:00+00:00"),
        ("RU", 2, "2025-04-20T12:00:00+00:00"),
        ("RU", 3, "2025-04-22T06:00:00+00:00"),  # T0 + 72 h
    ]
    code, out, _ = run(
        db, "replay", "--plan", "symmetric-monitoring", "--counting", "reported", "--format", "json"
    )
    assert {d["party"] for d in json.loads(out)} == {"RU", "UA"}
    code, out, _ = run(
        db,
        "replay",
        "--plan",
        "energy-moratorium-2025",
        "--counting",
        "reported",
        "--format",
        "json",
    )
    energy = [d for d in json.loads(out) if d["kind"] == "phase_entered"]
    # only the missile strike on energy counts; grave and of a broader-attack kind, it opens
    # the track and establishes a broader attack at once: phase 3 follows at T0 + 72 h
    assert [(d["party"], d["phase"], d["effective_at"][:13]) for d in energy] == [
        ("RU", 1, "2025-04-22T03"),
        ("RU", 2, "2025-04-22T03"),
        ("RU", 3, "2025-04-25T03"),
    ]
    code, out, _ = run(db, "replay", "--counting", "reported", "--as-known-at", "2020-01-01")
    assert "0 decisions" in out  # nothing was known yet


def test_replay_bad_options(db: str) -> None:
    assert run(db, "replay", "--counting", "rumoured")[0] == 2
    assert run(db, "replay", "--plan", "nope")[0] == 2
    assert run(db, "replay", "--format", "xml")[0] == 2


def test_fixture_reports_have_no_party_and_open_no_track(db_url: str, tmp_path: Path) -> None:
    run(db_url, "init")
    shutil.copy(FIXTURES / "reports.geojson", tmp_path / "r.geojson")
    run(db_url, "ingest", str(tmp_path / "r.geojson"))
    _, out, _ = run(db_url, "replay", "--counting", "reported")
    assert "0 attributed violations" in out
