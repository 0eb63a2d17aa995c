"""`make demo` runs the main job: its recipe's commands, run here in order on a fresh database
in an empty folder, end with phases entered, notifications written, a decision explained, the
daily report written and the record verified (whatever today's date is)."""

from __future__ import annotations

import json
import re
import shlex
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app

from ..conftest import REPO

runner = CliRunner()


def demo_commands() -> list[list[str]]:
    """The `ceasefire` commands of the Makefile's demo recipe, as argument lists."""
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\ndemo: ", 1)[1].split("\n\n", 1)[0]
    return [
        shlex.split(line.strip()[len("$(CF) ") :])
        for line in recipe.splitlines()[1:]
        if line.strip().startswith("$(CF) ")
    ]


def test_the_demo_shows_the_plan_at_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo-alerts").mkdir()
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    said: dict[str, str] = {}
    commands = demo_commands()
    assert [c[0] for c in commands][:3] == ["init", "agreement", "scenario"]
    for command in commands:
        result = runner.invoke(app, ["--db", db, *command])
        assert result.exit_code == 0, (command, result.stdout, result.stderr)
        said[" ".join(command[:2])] = result.stdout
    assert re.search(r"decisions recorded", said["clock --once"])
    assert "RU" in said["tracks"]
    assert "phase 2" in said["explain RU:2"]
    assert said["verify"].startswith("OK ")
    alerts = list((tmp_path / "demo-alerts").iterdir())
    assert alerts, "no notification written to the local folder"
    assert (tmp_path / "demo-daily.html").stat().st_size > 10_000
    # Every recorded decision is listed with an id `explain` takes, whole or as a table's prefix.
    listed = runner.invoke(app, ["--db", db, "decisions", "list", "--format", "json"])
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert {r["kind"] for r in rows} >= {"phase_entered", "action_required"}
    for row in rows:
        for name in (row["decision_id"], row["decision_id"][:8]):
            explained = runner.invoke(app, ["--db", db, "explain", name])
            assert explained.exit_code == 0, (name, explained.stderr)
            assert row["effective_at"][:10] in explained.stdout
    only = ["--party", "ru", "--kind", "phase_entered", "--format", "json"]
    phases = runner.invoke(app, ["--db", db, "decisions", "list", *only])
    assert phases.exit_code == 0, phases.stderr
    chosen = json.loads(phases.stdout)
    assert {(r["party"], r["kind"]) for r in chosen} == {("RU", "phase_entered")}
    assert 1 in {r["phase"] for r in chosen}
    wrong = runner.invoke(app, ["--db", db, "decisions", "list", "--kind", "phase"])
    assert wrong.exit_code == 2
    assert "--kind: phase is not a kind" in wrong.stderr
    # replay's timeline runs past now: what lies beyond is a clock, due if nothing changes.
    before = datetime.now(UTC)
    replayed = runner.invoke(
        app, ["--db", db, "replay", "--counting", "reported", "--format", "json"]
    )
    after = datetime.now(UTC)
    assert replayed.exit_code == 0, replayed.stderr
    for decision in json.loads(replayed.stdout):
        effective = datetime.fromisoformat(decision["effective_at"])
        if effective > after:
            assert decision["due"] is True, decision
        elif effective <= before:
            assert decision["due"] is False, decision
