"""Prose reports end to end on both databases: ingest, the stored extraction, verify, the API."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from ceasefire.api.app import create_app
from ceasefire.domain.access import Role
from ceasefire.domain.validation import IngestRules
from ceasefire.ingest.text_reader import TextOptions, TextReading, parse_text
from ceasefire.services.extraction import extraction_context
from ceasefire.services.ingest import ingest_files
from ceasefire.services.users import add_user
from ceasefire.store.db import reading, writing
from ceasefire.store.extraction_store import extraction_of
from ceasefire.store.schema import report_extractions, reports
from ceasefire.store.verify import VerifyResult, verify

from ..conftest import FIXTURES, NOW, examples

REFERENCE = datetime(2026, 2, 5, 17, 30, tzinfo=UTC)
KYIV = ZoneInfo("Europe/Kyiv")
PATROL = TextOptions(source_id="smm-patrol-7", source_kind="monitor_patrol", reliability="B",
                     reference=REFERENCE)  # fmt: skip


def verified(engine: Engine) -> VerifyResult:
    with reading(engine) as connection:
        return verify(connection)


def field_reports(tmp_path: Path) -> Path:
    target = tmp_path / "field_reports.txt"
    shutil.copy(FIXTURES / "text" / "field_reports.txt", target)
    return target


def test_paragraphs_become_reports_with_how_they_were_read(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = field_reports(tmp_path)
    outcome = ingest_files(engine, [path], rules=rules, text=PATROL)
    (file,) = outcome.files
    assert (file.format_name, file.records, outcome.added) == ("text", 6, 5)
    (rejection,) = file.rejections
    line = rejection.lines()[0]
    assert line.startswith(f"{path}:9: text: not read: observed_start: no date")
    assert "location: no place the gazetteer knows" in line
    rejects = tmp_path / "field_reports.rejects.txt"
    assert rejects.read_text(encoding="utf-8").strip() == (
        "Heavy fighting continues along the front, according to local officials."
    )
    with reading(engine) as connection:
        stored = connection.execute(
            select(reports.c.report_id, reports.c.text, reports.c.category, reports.c.source_id)
        ).all()
        kupiansk = next(r for r in stored if "Kupiansk" in r.text)
        extraction = extraction_of(connection, kupiansk.report_id)
    assert {r.source_id for r in stored} == {"smm-patrol-7"}
    assert kupiansk.category == "artillery"
    assert extraction is not None
    assert extraction["reference_time"] == REFERENCE.isoformat()
    assert extraction["fields"]["alleged_party"]["evidence"] == "Russian forces"
    assert extraction["fields"]["alleged_party"]["rule"].startswith("proposed")
    assert extraction["fields"]["damaged_object"]["value"] == "energy"
    assert verified(engine).first_break is None


def test_importing_the_same_prose_again_adds_nothing(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    path = field_reports(tmp_path)
    ingest_files(engine, [path], rules=rules, text=PATROL)
    # The same paragraphs, laid out differently: still the same reports.
    path.write_text(path.read_text(encoding="utf-8").replace(", ", ",  "), encoding="utf-8")
    again = ingest_files(engine, [path], rules=rules, text=PATROL)
    assert (again.added, again.repeats) == (0, 5)
    with reading(engine) as connection:
        assert len(connection.execute(select(report_extractions)).all()) == 5
    assert verified(engine).first_break is None


def test_an_edited_extraction_breaks_verify(
    engine: Engine, rules: IngestRules, tmp_path: Path
) -> None:
    ingest_files(engine, [field_reports(tmp_path)], rules=rules, text=PATROL)
    with engine.begin() as connection:
        seq = connection.execute(select(report_extractions.c.ledger_seq).limit(1)).scalar_one()
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE report_extractions DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER report_extractions_no_update"))
        connection.exec_driver_sql(
            "UPDATE report_extractions SET content = replace(content, 'rules-', 'rules-x') "
            f"WHERE ledger_seq = {int(seq)}"
        )
    check = verified(engine)
    assert check.first_break is not None
    assert check.first_break.seq == seq
    assert "report_extractions row differs from the log" in check.first_break.reason


PARAGRAPHS = (FIXTURES / "text" / "field_reports.txt").read_text(encoding="utf-8").split("\n\n")


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.permutations(PARAGRAPHS))
def test_order_of_paragraphs_does_not_change_what_is_read(tmp_path: Path, order: list[str]) -> None:
    """Each paragraph is read on its own: in any order, the same reports with the same fields."""
    reading_ = TextReading(PATROL, extraction_context(KYIV, REFERENCE))

    def read(paragraphs: list[str]) -> dict[str, object]:
        path = tmp_path / "reports.txt"
        content = "\n\n".join(p.strip() for p in paragraphs) + "\n"
        parsed = parse_text(path, content, reading_.options, reading_.context)
        return {
            str(r.fields["external_id"]): (dict(r.fields), r.extraction, r.problem)
            for r in parsed.records
        }

    assert read(order) == read(PARAGRAPHS)


def test_api_reads_stores_and_shows_prose(engine: Engine) -> None:
    app = create_app(engine, clock=lambda: NOW)
    with writing(engine) as connection:
        monitor = add_user(connection, "patrol7", Role.MONITOR, None, clock=lambda: NOW)
        other = add_user(connection, "patrol8", Role.MONITOR, None, clock=lambda: NOW)
    headers = {"Authorization": f"Bearer {monitor}"}
    body = {
        "text": (FIXTURES / "text" / "field_reports.txt").read_text(encoding="utf-8"),
        "reference_time": "2026-02-05T19:30+02:00",
        "source_id": "smm-patrol-7",
        "source_kind": "monitor_patrol",
    }
    with TestClient(app, raise_server_exceptions=False) as client:
        dry = client.post("/api/reports/text?store=false", headers=headers, json=body)
        assert dry.status_code == 200
        assert dry.json()["stored"] is False
        with reading(engine) as connection:
            assert connection.execute(select(reports)).first() is None
        filed = client.post("/api/reports/text", headers=headers, json=body)
        assert filed.status_code == 201, filed.text
        paragraphs = filed.json()["paragraphs"]
        assert len(paragraphs) == 6
        assert [p["paragraph"] for p in paragraphs if "problems" in p] == [5]
        first = paragraphs[0]
        shown = client.get(f"/api/reports/{first['report_id']}/extraction", headers=headers)
        assert shown.status_code == 200
        assert shown.json()["fields"]["explosions"]["value"] == 12
        hidden = client.get(
            f"/api/reports/{first['report_id']}/extraction",
            headers={"Authorization": f"Bearer {other}"},
        )
        assert hidden.status_code == 404  # another monitor's report
        conflicting = client.post(  # the same source described as another kind: refused
            "/api/reports/text", headers=headers, json=body | {"source_kind": "sensor"}
        )
        assert conflicting.status_code == 409, conflicting.text
        fields = [p["field"] for p in conflicting.json()["problems"]]
        assert fields
        assert all(f.startswith("paragraphs[") for f in fields), fields
        unreadable = client.post(
            "/api/reports/text", headers=headers, json={"text": "All quiet today."}
        )
        assert unreadable.status_code == 422
        assert unreadable.json()["paragraphs"][0]["problems"][0]["field"] == "text"
    assert verified(engine).first_break is None
    assert json.dumps(first["extraction"])  # plain JSON all the way down
