"""Commitments and exchanges over the API, on both databases: what each role receives."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ceasefire.api.app import create_app
from ceasefire.domain.access import Role
from ceasefire.services.agreements import load_into_record
from ceasefire.services.users import add_user
from ceasefire.store.db import writing
from tests.integration.test_commitments import AGREEMENT, LOADED, clock_at, exchange_all

NOW = datetime(2026, 2, 20, tzinfo=UTC)
PARTY_OF = {Role.LIAISON: "RU", Role.GUARANTOR: "US"}
NAMES = ("Коваленко", "КОВАЛЕНКО", "Savchenko", "1990-03-14", "L1.", "L4.")


@pytest.fixture
def client(engine: Engine) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    agreement, _, _ = load_into_record(engine, AGREEMENT, clock=clock_at(LOADED))
    exchange_all(engine, agreement)
    with writing(engine) as connection:
        headers = {
            role: {
                "Authorization": "Bearer "
                + add_user(connection, role.value, role, PARTY_OF.get(role), clock=lambda: NOW)
            }
            for role in Role
        }
    with TestClient(create_app(engine, clock=lambda: NOW), raise_server_exceptions=False) as c:
        yield c, headers


def test_names_reach_analysts_and_no_one_else(
    client: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    c, headers = client
    analyst = c.get("/api/exchange/reconciliation", headers=headers[Role.ANALYST])
    assert analyst.status_code == 200
    assert all(name in analyst.text for name in NAMES)
    for role in (Role.GUARANTOR, Role.LIAISON):
        seen = c.get("/api/exchange/reconciliation", headers=headers[role])
        assert seen.status_code == 200
        ru = next(s for s in seen.json()["sides"] if s["side"] == "RU")
        assert (ru["agreed"], ru["handed_over"], ru["matched"], ru["awaiting_review"]) == (
            10,
            9,
            5,
            3,
        )
        assert not any(name in seen.text for name in NAMES), role
    for role in (Role.OBSERVER, Role.MONITOR, Role.ADMIN):
        assert c.get("/api/exchange/reconciliation", headers=headers[role]).status_code == 403


def test_commitments_are_listed_for_every_reader_and_changed_only_by_analysts(
    client: tuple[TestClient, dict[Role, dict[str, str]]],
) -> None:
    c, headers = client
    listed = c.get("/api/commitments", headers=headers[Role.OBSERVER]).json()
    statuses = {item["id"]: item["status"] for item in listed["items"]}
    assert statuses["exchange-ru"] == "overdue"
    assert statuses["notify-zolote-ua"] == "pending"
    as_then = c.get(
        "/api/commitments", params={"at": "2026-02-02T00:00Z"}, headers=headers[Role.GUARANTOR]
    )
    assert {i["id"]: i["status"] for i in as_then.json()["items"]}["exchange-ru"] == "pending"
    body = {
        "kind": "fulfilled",
        "text": "letter to the JCCC",
        "at": (NOW - timedelta(days=1)).isoformat(),
    }
    assert (
        c.post(
            "/api/commitments/notify-zolote-ua/evidence", json=body, headers=headers[Role.GUARANTOR]
        ).status_code
        == 403
    )
    made = c.post(
        "/api/commitments/notify-zolote-ua/evidence", json=body, headers=headers[Role.ANALYST]
    )
    assert made.status_code == 201
    assert made.json()["id"] == "E1"
    refused = c.post(
        "/api/commitments/exchange-ru/evidence", json=body, headers=headers[Role.ANALYST]
    )
    assert refused.status_code == 422
    assert "verified from the record" in refused.json()["detail"]
    assert (
        c.post(
            "/api/commitments/nope/evidence", json=body, headers=headers[Role.ANALYST]
        ).status_code
        == 404
    )
    after = c.get("/api/commitments", headers=headers[Role.LIAISON]).json()
    notify = next(i for i in after["items"] if i["id"] == "notify-zolote-ua")
    assert notify["status"] == "fulfilled"
    assert "by" not in notify["evidence"][0]  # who recorded it is the analysts' to know
    decision = {"agreed": "L1.3", "handed_over": "L4.3", "same": True, "reason": "photograph"}
    assert (
        c.post("/api/exchange/decisions", json=decision, headers=headers[Role.ANALYST]).status_code
        == 201
    )
    ru = next(
        i
        for i in c.get("/api/commitments", headers=headers[Role.ANALYST]).json()["items"]
        if i["id"] == "exchange-ru"
    )
    assert ru["progress"] == "6 of 10 persons"
    public = c.get("/api/commitments", headers=headers[Role.OBSERVER]).json()["items"]
    assert [i["status"] for i in public][:3] == ["overdue"] * 3  # the most urgent first
    assert all(i["evidence"] == [] for i in public)  # free text is not the public's
