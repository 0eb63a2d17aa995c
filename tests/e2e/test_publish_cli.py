"""`ceasefire publish daily` end to end: HTML read back by a parser, the PDF rendered to PNG
pages with pdftoppm, Markdown with its figures beside it, the same bytes twice."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ceasefire.cli.app import app
from tests.integration.test_publishing import scenario_csv

runner = CliRunner()


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("report")
    url = f"sqlite:///{folder / 'r.db'}"
    for args in (
        ("init",),
        ("ingest", "--tz", "UTC", str(scenario_csv(folder / "scenario.csv"))),
        ("agreement", "load", "korea-model-demo"),
    ):
        code, _, err = run(url, *args)
        assert code == 0, err
    return url


class Tables(HTMLParser):
    """The text of every table cell, row by row, and the section ids."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.sections: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "section" and dict(attrs).get("id"):
            self.sections.append(str(dict(attrs)["id"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_html_report_reads_back_and_is_the_same_twice(db: str, tmp_path: Path) -> None:
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    for target in (first, second):
        code, out, err = run(db, "publish", "daily", "--date", "2025-04-20", "-o", str(target))
        assert code == 0, err
    assert "Daily report 110/2025" in out
    assert first.read_bytes() == second.read_bytes()
    parsed = Tables()
    parsed.feed(first.read_text())
    assert {"summary", "sectors", "figures", "incidents", "enforcement"} <= set(parsed.sections)
    total = next(r for r in parsed.rows if r and r[0] == "all sectors")
    sectors = [
        r for r in parsed.rows if len(r) == len(total) and r[0] not in ("sector", "all sectors")
    ]
    assert sum(int(r[1]) for r in sectors) == int(total[1]) > 0
    incidents = [r for r in parsed.rows if r and r[0].startswith("INC-")]
    assert len(incidents) >= int(total[1])
    assert all(" of " in r[3] or r[3].startswith("in ") for r in incidents)
    html = first.read_text()
    assert "<svg" in html  # figures inline: the file stands alone
    assert not re.search(r"""(src|href)=["']?https?:|url\(["']?https?:""", html)  # nothing fetched


def test_markdown_writes_its_figures_beside_it(db: str, tmp_path: Path) -> None:
    code, _, err = run(
        db,
        "publish",
        "daily",
        "--date",
        "2025-04-20",
        "--format",
        "md",
        "-o",
        str(tmp_path / "day.md"),
    )
    assert code == 0, err
    text = (tmp_path / "day.md").read_text()
    assert "](day-map.svg)" in text
    assert "| **all sectors** |" in text
    assert (tmp_path / "day-map.svg").read_text().startswith("<svg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day-hours.svg", "day-map.svg", "day.md"]


def test_pdf_renders_to_png_pages(db: str, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftoppm is missing (scripts/ensure-services installs poppler-utils)")
        pytest.skip("pdftoppm is missing: apt-get install poppler-utils")
    pdf = tmp_path / "day.pdf"
    code, _, err = run(
        db, "publish", "daily", "--date", "2025-04-20", "--format", "pdf", "-o", str(pdf)
    )
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages >= 3
    assert all(image.stat().st_size > 5_000 for image in images)  # not blank pages


def test_bad_options_are_named(db: str, tmp_path: Path) -> None:
    code, _, err = run(db, "publish", "daily", "--date", "20.04.2025")
    assert code == 2
    assert "--date" in err
    code, _, err = run(db, "publish", "daily", "--date", "2025-04-20", "--cutoff", "7pm")
    assert code == 2
    assert "--cutoff" in err
    code, _, err = run(db, "publish", "daily", "--date", "2025-04-20", "--tz", "Mars/Olympus")
    assert code == 2
    assert "--tz" in err
    code, _, err = run(
        db, "publish", "daily", "--date", "2025-04-20", "-o", str(tmp_path / "no" / "x.html")
    )
    assert code == 2
    assert "does not exist" in err
    code, _, err = run(db, "publish", "daily", "--date", "2025-04-20", "--agreement", "nope")
    assert code == 2
    assert "nope" in err
    assert list(tmp_path.iterdir()) == []


def test_spot_report_on_one_incident_withholds_its_sources(db: str, tmp_path: Path) -> None:
    code, out, err = run(
        db,
        "incidents",
        "list",
        "--since",
        "2025-04-20",
        "--until",
        "2025-04-21",
        "--format",
        "json",
    )
    assert code == 0, err
    first = json.loads(out)[0]["incident"]
    target = tmp_path / "spot.html"
    code, out, err = run(db, "publish", "spot", first, "-o", str(target))
    assert code == 0, err
    html = target.read_text()
    assert f"Spot report {first}" in html
    assert "from a monitoring patrol" in html or "reports from a monitoring patrol" in html
    assert "Patrol 0" not in html  # the source's name never appears
    parsed = Tables()
    parsed.feed(html)
    assert {"summary", "figures", "details"} <= set(parsed.sections)
    code, out, err = run(
        db, "publish", "spot", first, "--format", "md", "-o", str(tmp_path / "s.md")
    )
    assert code == 0, err
    assert (tmp_path / "s-map.svg").exists()


def test_spot_report_names_what_is_wrong(db: str, tmp_path: Path) -> None:
    code, _, err = run(db, "publish", "spot", "INC-999999", "-o", str(tmp_path / "x.html"))
    assert code == 2
    assert "no incident INC-999999" in err
    code, _, err = run(db, "publish", "spot", "forty-two")
    assert code == 2
    assert "not an incident id" in err
    assert list(tmp_path.iterdir()) == []


def test_period_report_day_table_adds_up(db: str, tmp_path: Path) -> None:
    target = tmp_path / "week.html"
    code, out, err = run(
        db, "publish", "period", "--from", "2025-04-18", "--until", "2025-04-21", "-o", str(target)
    )
    assert code == 0, err
    assert "over 4 days" in out
    html = target.read_text()
    assert "Period report 18 Apr 2025 to 21 Apr 2025" in html
    parsed = Tables()
    parsed.feed(html)
    assert {"summary", "trend", "compliance", "sectors", "enforcement"} <= set(parsed.sections)
    assert "The daily reports count from one cut-off to the next" in html
    days = [r for r in parsed.rows if r and r[0].startswith("2025-04-")]
    assert [r[0] for r in days] == ["2025-04-18", "2025-04-19", "2025-04-20", "2025-04-21"]
    assert all(sum(int(c) for c in r[1:-1]) == int(r[-1]) for r in days)
    code, _, err = run(db, "publish", "period", "--from", "2025-04-21", "--until", "2025-04-18")
    assert code == 2
    assert "--until" in err
    code, _, err = run(
        db,
        "publish",
        "period",
        "--from",
        "2025-04-18",
        "--until",
        "2025-04-21",
        "--format",
        "md",
        "-o",
        str(tmp_path / "w.md"),
    )
    assert code == 0, err
    assert (tmp_path / "w-days.svg").exists()


def test_a_report_states_its_checkpoint_and_its_bundle_checks_offline(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'b.db'}"
    for args in (
        ("init",),
        ("ingest", "--tz", "UTC", str(scenario_csv(tmp_path / "scenario.csv"))),
        ("agreement", "load", "korea-model-demo"),
    ):
        code, _, err = run(url, *args)
        assert code == 0, err
    target, bundle = tmp_path / "d.md", tmp_path / "d.bundle.json"
    code, _, err = run(
        url,
        "publish",
        "daily",
        "--date",
        "2025-04-20",
        "--format",
        "md",
        "-o",
        str(target),
        "--bundle",
        str(bundle),
    )
    assert code == 0, err
    code, head, _ = run(url, "log", "checkpoint")
    size = int(head.splitlines()[1])
    root = base64.b64decode(head.splitlines()[2]).hex()
    # signed just before it was built: the report states the very checkpoint of its record
    assert f"up to entry {size}," in target.read_text()
    assert f"covers {size} entries, root `{root[:16]}`" in target.read_text()
    code, key, _ = run(url, "log", "key")
    code, out, err = run(url, "log", "check-bundle", str(bundle), "--key", key.strip())
    assert code == 0, err
    cited = json.loads(bundle.read_text())["entries"]
    assert cited
    assert {e["kind"] for e in cited} <= {"ReportReceived", "IncidentReviewed"}
    assert f"proved in its checkpoint of {size:,} entries" in out
    # a bundle with one payload altered no longer checks
    document = json.loads(bundle.read_text())
    document["entries"][-1]["payload"] = document["entries"][-1]["payload"].replace(",", ", ", 1)
    bundle.write_text(json.dumps(document))
    code, _, err = run(url, "log", "check-bundle", str(bundle), "--key", key.strip())
    assert code == 1
    assert "does not hash to its payload_sha256" in err
