"""The commitments commands as docs/examples.md gives them, in order, on one database."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app

runner = CliRunner()
REPO = Path(__file__).parents[2]
FIX = "tests/fixtures/commitments"


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_readme_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    steps = [
        ("init",),
        ("agreement", "load", f"{FIX}/agreement.yaml"),
        ("exchange", "lists", "import", "--side", "RU", f"{FIX}/agreed_ru.csv", "--by", "alice"),
        ("exchange", "lists", "import", "--side", "UA", f"{FIX}/agreed_ua.csv", "--by", "alice"),
        (
            "exchange",
            "record",
            "--date",
            "2026-02-05",
            "--side",
            "UA",
            "--handed-over",
            f"{FIX}/handed_ua_2026-02-05.csv",
            "--received",
            f"{FIX}/received_ua_2026-02-05.csv",
            "--by",
            "alice",
        ),
        ("exchange", "decide", "L1.3", "L4.3", "same", "--reason", "photograph", "--by", "alice"),
        ("weapons", "declare", f"{FIX}/declared_ru.csv", "--party", "RU", "--by", "alice"),
        (
            "weapons",
            "inspect",
            "--area",
            "HA-RU-1",
            "--seen",
            f"{FIX}/seen_ha_ru_1.csv",
            "--at",
            "2026-02-14T10:00Z",
            "--by",
            "patrol-7",
        ),
        (
            "commitments",
            "fulfil",
            "notify-zolote-ua",
            "--evidence",
            "letter",
            "--at",
            "2026-03-01",
            "--by",
            "alice",
        ),
        (
            "commitments",
            "dispute",
            "disengagement-zolote-ua",
            "--reason",
            "positions remain",
            "--by",
            "liaison-ru",
        ),
    ]
    outputs = []
    for step in steps:
        code, out, err = run(db, *step)
        assert code == 0, (step, out, err)
        outputs.append(out)
    assert "L4: 9 persons handed over by RU" in outputs[4]
    assert "L1.3 and L4.3 are the same person" in outputs[5]
    assert "warning: holding area HA-RU-3" in outputs[6]
    assert "missing MS-1004" in outputs[7]
    assert "candidate violation report" in outputs[7]

    code, out, _ = run(db, "commitments", "list", "--format", "json")
    found = {row["id"]: row for row in json.loads(out)}
    assert found["exchange-ru"]["progress"] == "6 of 10 persons"
    assert found["exchange-ru"]["status"] == "overdue"
    assert found["notify-zolote-ua"]["status"] == "fulfilled"
    assert found["disengagement-zolote-ua"]["status"] == "disputed"
    # Everything here was recorded today: on 1 February the record knew no commitments.
    code, out, _ = run(db, "commitments", "list", "--at", "2026-02-01T12:00Z")
    assert "did not hold it yet at 2026-02-01 12:00 UTC" in out

    code, out, _ = run(db, "exchange", "reconcile", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    outcomes = [(r["side"], r["outcome"]) for r in rows]
    assert outcomes.count(("RU", "matched")) == 6
    assert outcomes.count(("RU", "review")) == 2
    assert ("RU", "handed_over_not_listed") in outcomes

    code, out, _ = run(db, "exchange", "reconcile", "--as", "guarantor")
    assert code == 0
    assert "6 matched (1 by an analyst)" in out
    assert "Коваленко" not in out
    assert "L1." not in out

    code, out, _ = run(db, "verify")
    assert code == 0, out


def test_bad_input_is_named_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    db = f"sqlite:///{tmp_path / 'c.db'}"
    assert run(db, "init")[0] == 0
    code, _, err = run(db, "commitments", "list")
    assert code == 2
    assert "no agreement" in err
    assert run(db, "agreement", "load", f"{FIX}/agreement.yaml")[0] == 0
    bad = tmp_path / "declared.csv"
    bad.write_text(
        "area_id,lon,lat,weapon_class,serial\nHA-1,38.5,48.0,tank,T-1\nHA-1,38.5,48.0,tank,t 1\n"
    )
    code, _, err = run(db, "weapons", "declare", str(bad), "--party", "RU")
    assert code == 2
    assert "declared.csv:3: serial: 't 1' already given at declared.csv:2" in err
    code, _, err = run(db, "weapons", "declare", str(tmp_path / "none.csv"), "--party", "RU")
    assert code == 2
    assert "none.csv: no such file" in err
    code, _, err = run(db, "exchange", "lists", "import", "--side", "RU", str(bad))
    assert code == 2
    assert "unknown column 'area_id'" in err
    code, _, err = run(
        db, "commitments", "partial", "notify-zolote-ua", "--quantity", "2", "--evidence", "x"
    )
    assert code == 2
    assert "a single act" in err
    code, _, err = run(db, "exchange", "reconcile", "--as", "observer")
    assert code == 2
    assert "--as: 'observer'" in err
    code, out, _ = run(db, "verify")
    assert code == 0
    assert "2 ledger entries verified" in out  # the log's key
