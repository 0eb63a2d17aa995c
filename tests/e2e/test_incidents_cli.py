"""Incidents, reviews and violations from the command line, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from ceasefire.cli.app import app
from ceasefire.store.db import make_engine

runner = CliRunner()

HEADER = (
    "source_id,source_kind,source_org,external_id,observed_start,lon,lat,uncertainty_m,"
    "category,alleged_party,text"
)
# Three monitors and a sensor hear one strike near Horlivka; a separate mortar round 15 km off.
REPORTS = (
    HEADER
    + """
m1,monitor_patrol,OSCE,m1,2025-04-20T10:00Z,38.050,48.300,300,artillery,RU,heard from the west road
m2,monitor_patrol,OSCE,m2,2025-04-20T10:05Z,38.055,48.305,300,artillery,,
s1,sensor,Acoustic Net,s1,2025-04-20T10:02Z,38.052,48.302,200,explosion,,
m3,monitor_patrol,OSCE,m3,2025-04-20T14:00Z,37.850,48.200,300,mortar,UA,
"""
)


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args], env={"CEASEFIRE_USER": "alice"})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    run(db_url, "init")
    (tmp_path / "reports.csv").write_text(REPORTS)
    code, _, err = run(db_url, "ingest", str(tmp_path / "reports.csv"))
    assert code == 0, err
    return db_url


def listed(db: str, *args: str) -> list[dict[str, object]]:
    code, out, err = run(db, "incidents", "list", "--format", "json", *args)
    assert code == 0, err
    return list(json.loads(out))


def test_four_reports_are_two_incidents_and_reviews_change_them(db: str) -> None:
    found = {row["reports"]: row for row in listed(db)}
    assert sorted(found) == [1, 3]
    strike = str(found[3]["incident"])
    assert found[3]["status"] == "corroborated"  # OSCE and the acoustic network
    code, out, err = run(db, "incidents", "review", strike, "verify", "--reason", "crater seen")
    assert code == 0, err
    assert "by alice" in out
    code, _, err = run(db, "incidents", "review", strike, "attribute", "UA", "--basis", "observed")
    assert code == 2
    assert "load an agreement first" in err
    code, out, _ = run(db, "incidents", "show", strike)
    assert "verified" in out
    assert "crater seen" in out
    assert "m1" in out
    code, out, _ = run(db, "incidents", "show", strike, "--as", "observer")
    assert "withheld" in out
    assert "m1 (" not in out
    assert "heard from the west road" not in out
    code, out, _ = run(db, "incidents", "show", strike, "--as", "observer", "--format", "json")
    assert "heard from the west road" not in out
    code, _, _ = run(db, "verify")
    assert code == 0


def test_merge_then_show_the_old_id(db: str) -> None:
    numbers = sorted(str(row["incident"]) for row in listed(db))
    code, out, err = run(db, "incidents", "review", numbers[1], "merge", numbers[0])
    assert code == 0, err
    assert "merged into" in out
    code, out, _ = run(db, "incidents", "show", max(numbers, key=lambda n: int(n[4:])))
    assert "is now" in out
    assert len(listed(db)) == 1
    code, _, err = run(db, "incidents", "review", "INC-x", "verify", "--reason", "r")
    assert code == 2
    assert "not an incident id" in err


def test_violations_with_an_agreement_name_their_clauses(db: str) -> None:
    code, _, err = run(db, "agreement", "load", "korea-model-demo")
    assert code == 0, err
    code, out, err = run(db, "violations", "list", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert {r["clause"] for r in rows} >= {"art-1-ceasefire"}
    assert all(r["attribution"] == "proposed" for r in rows)
    strike = next(r["incident"] for r in rows if r["party"] == "RU")
    code, _, err = run(
        db,
        "incidents",
        "review",
        strike,
        "attribute",
        "RU",
        "--basis",
        "crater-analysis",
        "--confidence",
        "high",
        "--reason",
        "fuse",
    )
    assert code == 0, err
    code, out, _ = run(db, "violations", "list", "--party", "RU", "--format", "json")
    assert {r["attribution"] for r in json.loads(out)} == {"confirmed"}


def test_init_groups_reports_recorded_before_incidents_existed(db: str) -> None:
    engine = make_engine(db)
    with engine.begin() as connection:  # as a database migrated from schema 0003 would be
        connection.execute(text("delete from incident_members"))
    engine.dispose()
    code, _, _ = run(db, "verify")
    assert code == 1
    code, out, err = run(db, "init")
    assert code == 0, err
    assert "grouped: 2 incidents" in out
    code, out, _ = run(db, "verify")
    assert code == 0
    code, out, _ = run(db, "init")
    assert "grouped" not in out  # only once


def test_ingest_says_when_new_reports_join_recorded_incidents(db: str, tmp_path: Path) -> None:
    late = tmp_path / "late.csv"
    late.write_text(
        HEADER + "\nicrc,monitor_patrol,ICRC,i1,2025-04-20T10:03Z,38.051,48.301,300,artillery,,\n"
        "icrc,monitor_patrol,ICRC,i2,2025-04-25T10:03Z,36.0,47.0,300,artillery,,\n"
    )
    code, out, err = run(db, "ingest", str(late))
    assert code == 0, err
    assert "incidents: 1 new; 1 reports joined 1 incidents already recorded" in out
