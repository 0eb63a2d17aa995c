"""`ceasefire simulate` from the command line on imported strike reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app
from tests.conftest import FIXTURES

runner = CliRunner()
TRUCE = "2025-03-18T00:00+02:00/2025-04-17T00:00+03:00"


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A record holding the synthetic strike reports."""
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert run(url, "init")[0] == 0
    code, _, err = run(
        url,
        "ingest",
        "--format",
        "missile-attacks",
        str(FIXTURES / "missile_attacks_synthetic.csv"),
    )
    assert code == 0, err
    return url


def simulate(db: str, *extra: str) -> tuple[int, str, str]:
    """coalition-three-phase over the moratorium window, counting unreviewed reports."""
    return run(
        db,
        "simulate",
        "--plan",
        "coalition-three-phase",
        "--truce",
        TRUCE,
        "--counting",
        "reported",
        *extra,
    )


def test_simulate_and_sweep_over_strike_reports(db: str) -> None:
    code, out, err = run(db, "simulate", "--plan", "coalition-three-phase", "--truce", TRUCE)
    assert code == 0, err
    assert "No attributed violation" in out or "counted" in out
    code, out, err = simulate(
        db,
        "--format",
        "json",
    )
    assert code == 0, err
    (only,) = json.loads(out)
    (ru,) = only["parties"]
    assert ru["party"] == "RU"
    assert ru["counted"] == 5
    assert ru["highest_phase"] >= 1
    assert abs(sum(ru["hours_in_phase"].values()) - 29 * 24 - 23) < 1e-6  # spring forward
    code, out, err = simulate(
        db,
        "--sweep",
        "clocks.cure_period_h=12,24,48",
    )
    assert code == 0, err
    assert "clocks.cure_period_h" in out
    code, _, err = run(
        db,
        "simulate",
        "--plan",
        "coalition-three-phase",
        "--truce",
        TRUCE,
        "--sweep",
        "clocks.nope=1",
    )
    assert code == 2
    assert "no 'clocks.nope'" in err
    code, _, err = run(db, "simulate", "--plan", "coalition-three-phase", "--truce", "2025-03-18")
    assert code == 2
    assert "START/END" in err


def test_compare_plans_and_html_with_plots(db: str, tmp_path: Path) -> None:
    code, out, err = run(
        db,
        "simulate",
        "--truce",
        TRUCE,
        "--counting",
        "reported",
        "--compare",
        "coalition-three-phase",
        "--compare",
        "energy-moratorium-2025",
        "--format",
        "json",
    )
    assert code == 0, err
    runs = json.loads(out)
    assert [r["value"] for r in runs] == ["coalition-three-phase", "energy-moratorium-2025"]
    # The moratorium counts strikes on energy; this data never says what was hit.
    assert runs[1]["parties"] == [] or runs[1]["parties"][0]["highest_phase"] == 0
    page = tmp_path / "sim.html"
    code, _, err = simulate(
        db,
        "--sweep",
        "clocks.quiet_period_h=96,168",
        "--format",
        "html",
        "-o",
        str(page),
    )
    assert code == 0, err
    html = page.read_text()
    assert html.count("<svg") == 3  # the sweep plot and one phase plot per value
    assert "clocks.quiet_period_h = 168" in html
    code, _, err = run(db, "simulate", "--truce", TRUCE, "--format", "html")
    assert code == 2
    assert "-o" in err
