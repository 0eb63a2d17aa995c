"""`ceasefire extract` and `ceasefire ingest --format text` as docs/records.md gives them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app

runner = CliRunner()
REPO = Path(__file__).parents[2]
REPORTS = "tests/fixtures/text/field_reports.txt"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_extract_shows_every_field_with_its_words(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run(
        "extract", REPORTS, "--reference-time", "2026-02-05T19:30+02:00", "--format", "json"
    )
    assert code == 0
    read = json.loads(out)
    assert [r["where"] for r in read] == [f"{REPORTS}:{n}" for n in (1, 3, 5, 7, 9, 11)]
    zolote = read[0]["fields"]
    assert zolote["observed"]["value"]["start"] == "2026-02-05T12:35:00+00:00"
    assert zolote["location"]["value"]["place"] == "3-5 km south-west of Zolote"
    assert zolote["explosions"] == {
        "value": 12,
        "evidence": "12 undetermined explosions",
        "span": [44, 70],
        "rule": "a number before the kind of event",
        "confidence": 0.95,
    }
    assert {f["field"] for f in read[4]["flags"]} >= {"observed_start", "location"}
    code, out, err = run("extract", REPORTS)  # no reference: "yesterday" is flagged, not guessed
    assert code == 0
    assert "FLAGGED" in out
    assert "6 paragraphs read" in err


def test_extract_names_bad_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, _, err = run("extract", REPORTS, "--lang", "fr")
    assert code == 2
    assert "--lang: 'fr' is not one of en, uk, ru" in err
    code, _, err = run("extract", REPORTS, "--reference-time", "yesterday")
    assert code == 2
    assert "--reference-time" in err
    code, _, err = run("extract", "no-such-file.txt")
    assert code == 2
    assert "no such file" in err


def test_text_ingest_stores_what_it_can_and_returns_the_rest(tmp_path: Path) -> None:
    source = tmp_path / "field_reports.txt"
    shutil.copy(REPO / REPORTS, source)
    db = f"sqlite:///{tmp_path / 't.db'}"
    assert run("--db", db, "init")[0] == 0
    args = ("--db", db, "ingest", "--format", "text", str(source))
    code, out, err = run(*args, "--reference-time", "2026-02-05T19:30+02:00",
                         "--source", "smm-patrol-7", "--source-kind", "monitor_patrol")  # fmt: skip
    assert code == 1  # one paragraph could not be read
    assert "stored 5 new reports" in out
    assert f"{source}:9: text: not read: observed_start" in err
    assert (tmp_path / "field_reports.rejects.txt").exists()
    code, out, _ = run("--db", db, "verify")
    assert code == 0
    code, out, _ = run("--db", db, "reports", "list", "--format", "json")
    stored = {r["text"][:20]: r["report_id"] for r in json.loads(out)}
    zolote = stored["At 14:35, while in Z"]
    code, out, _ = run("--db", db, "reports", "extraction", zolote, "--format", "json")
    assert code == 0
    assert json.loads(out)["fields"]["explosions"]["evidence"] == "12 undetermined explosions"
    code, out, _ = run("--db", db, "reports", "extraction", zolote)
    assert code == 0
    assert "undetermined" in out  # the table, as narrow as the terminal allows
    code, _, err = run("--db", db, "reports", "extraction", "nothing-here")
    assert code == 1
    assert "no report 'nothing-here' read from prose" in err
