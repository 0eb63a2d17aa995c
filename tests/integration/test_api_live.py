"""What the dashboard needs besides data, on both databases: the event stream and the site's
configuration."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from ceasefire.api.app import create_app
from ceasefire.domain.access import Role
from ceasefire.services.users import add_user
from ceasefire.store.db import reading, writing
from ceasefire.store.ledger_store import ledger_head

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def token(engine: Engine, role: Role) -> dict[str, str]:
    with writing(engine) as connection:
        made = add_user(connection, role.value, role, None, clock=lambda: NOW)
    return {"Authorization": f"Bearer {made}"}


def test_the_event_stream_says_how_long_the_record_is_and_nothing_else(engine: Engine) -> None:
    headers = token(engine, Role.OBSERVER)
    with TestClient(create_app(engine, clock=lambda: NOW)) as client:
        with reading(engine) as connection:
            head = ledger_head(connection)[0]
        with client.stream("GET", "/api/events?max_seconds=1", headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            text = "".join(response.iter_text())
        assert client.get("/api/events").status_code == 401
    first = text.split("\n\n")[0].split("\n")
    assert first[0] == "event: record"
    assert json.loads(first[1].removeprefix("data: ")) == {"seq": head}


def test_tiles_only_where_configured(engine: Engine) -> None:
    headers = token(engine, Role.ANALYST)
    with TestClient(create_app(engine, clock=lambda: NOW)) as client:
        assert client.get("/api/config", headers=headers).json()["tiles"] is None
    tiles = "https://tiles.example.org/{z}/{x}/{y}.png"
    app = create_app(engine, clock=lambda: NOW, tiles=tiles, tiles_attribution="© example")
    with TestClient(app) as client:
        assert client.get("/api/config", headers=headers).json() == {
            "tiles": tiles,
            "tiles_attribution": "© example",
            "zone": "Europe/Kyiv",  # the dashboard offers it beside UTC
        }
