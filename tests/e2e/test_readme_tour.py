"""The README's tour, run as written, in order, on a fresh database in an empty folder: the
README cannot drift from what the commands do."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app

from ..conftest import REPO

runner = CliRunner()


def tour_lines() -> list[str]:
    """The shell block under the README's tour heading, one command a line."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A tour of the main job", 1)[1]
    block = section.split("```sh\n", 1)[1].split("\n```", 1)[0]
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_the_tour_is_there_and_shows_the_main_job() -> None:
    commands = " ".join(tour_lines())
    for step in ("ingest", "plan adopt", "clock --once", "explain", "actions ack", "verify"):
        assert f"ceasefire {step}" in commands


def test_the_readme_tour_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CEASEFIRE_DB", raising=False)
    monkeypatch.delenv("COLUMNS", raising=False)
    said: dict[str, str] = {}
    last_incident = last_action = ""
    for line in tour_lines():
        words = shlex.split(line, comments=True)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            monkeypatch.setenv(name, value)
            continue
        if words[0] == "mkdir":
            (tmp_path / words[-1]).mkdir(parents=True, exist_ok=True)
            continue
        assert words[0] == "ceasefire", line
        args = [{"INC-n": last_incident, "ID": last_action}.get(word, word) for word in words[1:]]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (line, result.stdout, result.stderr, said)
        said[" ".join(words[1:3])] = result.stdout
        incidents = re.findall(r"\bINC-\d+\b", result.stdout)
        actions = re.findall(r"\b[0-9a-f]{16}\b", result.stdout)
        last_incident = incidents[0] if incidents else last_incident
        last_action = actions[0] if actions else last_action

    assert (tmp_path / "tour.db").exists()
    # Phase 2 was entered (phase 3 may follow: its clock, T0 + 72 h, falls about now).
    assert "RU" in said["tracks"]
    assert "RU track enters phase 2" in said["explain RU:2"]
    assert "evidence: INC-" in said["explain RU:2"]
    assert "acknowledged" in said["actions ack"].lower()
    assert "OK" in said["verify"]
    assert (tmp_path / "daily.html").stat().st_size > 10_000
    assert len(list((tmp_path / "alerts").iterdir())) >= 3  # phases 1 and 2, their actions
