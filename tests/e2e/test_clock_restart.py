"""Live clocks survive a killed process: a deadline that falls due while the clock is down is
recorded by the next run, once, and a run after that records nothing more."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from ceasefire.cli.app import app

from ..conftest import free_port

runner = CliRunner()
QUIET = timedelta(hours=168)


def cli(db: str, *args: str) -> str:
    result = runner.invoke(app, ["--db", db, *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def stand_downs(db: str) -> list[dict[str, object]]:
    import sqlite3

    connection = sqlite3.connect(db.removeprefix("sqlite:///"))
    rows = connection.execute(
        "SELECT content, recorded_at FROM decisions WHERE kind = 'stood_down'"
    ).fetchall()
    connection.close()
    return [json.loads(content) | {"recorded_at": recorded} for content, recorded in rows]


def stand_down_due_soon(sqlite_url: str, tmp_path: Path) -> datetime:
    """A record whose RU track stands down 4 s from now: one violation 168 h minus 4 s ago,
    under the adopted default plan. Returns the violation's time."""
    cli(sqlite_url, "init")
    observed = datetime.now(UTC) - QUIET + timedelta(seconds=4)
    csv_file = tmp_path / "r.csv"
    csv_file.write_text(
        "source_id,source_kind,external_id,observed_start,lon,lat,category,alleged_party\n"
        f"ua-liaison,party_complaint,x1,{observed.isoformat()},37.9,48.3,artillery,RU\n"
    )
    cli(sqlite_url, "ingest", str(csv_file))
    cli(sqlite_url, "plan", "adopt", "coalition-three-phase", "--counting", "reported")
    return observed


def test_clock_killed_before_a_deadline_catches_up_once(sqlite_url: str, tmp_path: Path) -> None:
    observed = stand_down_due_soon(sqlite_url, tmp_path)
    clock = subprocess.Popen(
        [sys.executable, "-m", "ceasefire.cli", "--db", sqlite_url, "clock", "--interval", "0.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
    )
    try:
        time.sleep(1.5)  # it records phase 1 and its actions, then waits
    finally:
        clock.send_signal(signal.SIGKILL)  # no chance to clean up
        clock.wait(timeout=10)
    assert stand_downs(sqlite_url) == []
    time.sleep(max(0.0, (observed + QUIET - datetime.now(UTC)).total_seconds()) + 0.5)
    cli(sqlite_url, "clock", "--once")
    (stand_down,) = stand_downs(sqlite_url)
    due = (observed + QUIET).isoformat()
    assert stand_down["effective_at"] == due
    assert str(stand_down["recorded_at"]) > due  # written late, after the outage, and it says so
    cli(sqlite_url, "clock", "--once")
    assert len(stand_downs(sqlite_url)) == 1
    assert "OK" in cli(sqlite_url, "verify")


def test_serve_killed_before_a_deadline_fires_it_once_on_restart(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The same with the clock inside `ceasefire serve`: SIGKILL, the deadline passes while
    the server is down, the restarted server records it once."""
    observed = stand_down_due_soon(sqlite_url, tmp_path)

    def serve() -> subprocess.Popen[bytes]:
        port = str(free_port())
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ceasefire",
                "--db",
                sqlite_url,
                "serve",
                "--port",
                port,
                "--clock-interval",
                "0.2",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    server = serve()
    time.sleep(2.0)  # phase 1 and its actions are recorded; the stand-down is 2 s away
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    assert stand_downs(sqlite_url) == []
    time.sleep(max(0.0, (observed + QUIET - datetime.now(UTC)).total_seconds()) + 0.5)
    server = serve()
    try:
        deadline = time.monotonic() + 20
        while not stand_downs(sqlite_url) and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # several more clock steps: nothing more is written
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)
    (stand_down,) = stand_downs(sqlite_url)
    assert stand_down["effective_at"] == (observed + QUIET).isoformat()
    assert "OK" in cli(sqlite_url, "verify")
