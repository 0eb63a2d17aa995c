"""The HTTP API on both databases: every route against every role, tokens, errors as JSON,
idempotent retries, need-to-know, the audit trail."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ceasefire.api.app import create_app
from ceasefire.domain.access import PERMISSIONS, Permission, Role
from ceasefire.domain.validation import IngestRules
from ceasefire.services.agreements import load_into_record
from ceasefire.services.ingest import ingest_files
from ceasefire.services.users import add_user, revoke_user
from ceasefire.speed.tokens import TokenCache
from ceasefire.store.db import make_engine, reading, writing
from ceasefire.store.migrate import upgrade
from ceasefire.store.verify import verify

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
PARTY_OF = {Role.LIAISON: "RU", Role.GUARANTOR: "US"}


def strike(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "source_id": f"osce-{name}",
        "source_kind": "monitor_patrol",
        "source_org": "OSCE",
        "external_id": name,
        "observed_start": "2025-04-20T10:00Z",
        "lon": 37.9,
        "lat": 48.3,
        "uncertainty_m": 300,
        "category": "artillery",
        "text": f"the patrol's own words {name}",
    } | extra


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    return create_app(engine, clock=lambda: NOW, event_stream_seconds=0.5)


@pytest.fixture
def tokens(engine: Engine) -> dict[Role, str]:
    with writing(engine) as connection:
        return {
            role: add_user(connection, role.value, role, PARTY_OF.get(role), clock=lambda: NOW)
            for role in Role
        }


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def protected_routes(app: FastAPI) -> list[tuple[str, str, Permission]]:
    """Every operation the published OpenAPI lists, with the permission it declares."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            permission = operation.get("x-permission")
            assert permission is not None, f"{method} {path} declares no permission"
            found.append((method.upper(), path, Permission(permission)))
    return found


def test_every_route_against_every_role(
    app: FastAPI, client: TestClient, tokens: dict[Role, str]
) -> None:
    """Allowed: anything but 401/403. Denied: 403, before the body is even read."""
    routes = protected_routes(app)
    assert len(routes) >= 18
    for method, path, permission in routes:
        url = re.sub(r"\{(\w+)\}", "nothing-here", path)
        assert client.request(method, url, json={}).status_code == 401, (method, path)
        for role, token in tokens.items():
            status = client.request(method, url, json={}, headers=auth(token)).status_code
            allowed = role in PERMISSIONS[permission]
            assert (status not in (401, 403)) == allowed, (method, path, role, status)
            assert status < 500, (method, path, role, status)


def test_tokens_are_hashed_and_revocable(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    with reading(engine) as connection:
        stored = " ".join(
            str(v) for row in connection.execute(text("select * from users")) for v in row
        )
    secrets = [token[len("cf_") :].partition("_")[2] for token in tokens.values()]
    assert all(len(secret) >= 40 and secret not in stored for secret in secrets)
    assert client.get("/api/me", headers=auth(tokens[Role.ANALYST])).json()["role"] == "analyst"
    admin = auth(tokens[Role.ADMIN])
    assert client.delete("/api/users/analyst", headers=admin).status_code == 200
    assert client.get("/api/me", headers=auth(tokens[Role.ANALYST])).status_code == 401
    assert client.get("/api/me", headers=auth(tokens[Role.ANALYST] + "x")).status_code == 401
    made = client.post("/api/users", headers=admin, json={"name": "bea", "role": "analyst"})
    assert made.status_code == 201
    assert client.get("/api/me", headers=auth(made.json()["token"])).json()["name"] == "bea"


def test_a_token_revoked_outside_the_server_stops_working_within_the_recheck_time(
    engine: Engine, app: FastAPI, client: TestClient, tokens: dict[Role, str]
) -> None:
    # `ceasefire users revoke` writes to the database; this process learns of it when it next
    # checks the token there, at most `seconds` after it last did.
    clock = [0.0]
    app.state.tokens = TokenCache(seconds=1.0, clock=lambda: clock[0])
    analyst = auth(tokens[Role.ANALYST])
    assert client.get("/api/me", headers=analyst).status_code == 200
    with writing(engine) as connection:
        revoke_user(connection, "analyst", clock=lambda: NOW)
    clock[0] = 0.5
    assert client.get("/api/me", headers=analyst).status_code == 200
    clock[0] = 1.0
    assert client.get("/api/me", headers=analyst).status_code == 401
    clock[0] = 0.0  # a revoked token is never kept again, whatever the time
    assert client.get("/api/me", headers=analyst).status_code == 401


def test_with_no_recheck_time_a_token_revoked_outside_is_refused_at_once(
    engine: Engine, tokens: dict[Role, str]
) -> None:
    app = create_app(engine, clock=lambda: NOW, token_recheck_seconds=0)
    analyst = auth(tokens[Role.ANALYST])
    with TestClient(app) as client:
        assert client.get("/api/me", headers=analyst).status_code == 200
        with writing(engine) as connection:
            revoke_user(connection, "analyst", clock=lambda: NOW)
        assert client.get("/api/me", headers=analyst).status_code == 401


def test_errors_are_json_with_field_paths(client: TestClient, tokens: dict[Role, str]) -> None:
    monitor = auth(tokens[Role.MONITOR])
    bad = client.post("/api/reports", headers=monitor, json=[strike("a"), strike("b", lat=95)])
    assert bad.status_code == 422
    assert {"field": "reports[1].lat", "reason": bad.json()["problems"][0]["reason"]} in bad.json()[
        "problems"
    ]
    unknown = client.post("/api/reports", headers=monitor, json=strike("a", colour="red"))
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["field"] == "colour"
    assert client.get("/api/nowhere", headers=monitor).json() == {"detail": "no such route"}
    huge = client.post(
        "/api/reports",
        headers=monitor,
        content=b"[" + b" " * 6_000_000 + b"]",
        params={},  # the limit is 5 MB
    )
    assert huge.status_code == 413
    assert "over 5,000,000 bytes" in huge.json()["detail"]


def test_reports_are_stored_once_and_retries_get_the_first_answer(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    monitor = auth(tokens[Role.MONITOR]) | {"Idempotency-Key": "k-1"}
    first = client.post("/api/reports", headers=monitor, json=[strike("a"), strike("b")])
    assert first.status_code == 201
    assert first.json()["added"] == 2
    again = client.post("/api/reports", headers=monitor, json=[strike("a"), strike("b")])
    assert again.json() == first.json()
    other = client.post("/api/reports", headers=monitor, json=[strike("c")])
    assert other.status_code == 422  # same key, another body
    plain = client.post("/api/reports", headers=auth(tokens[Role.MONITOR]), json=strike("a"))
    assert (plain.status_code, plain.json()["reports"][0]["status"]) == (200, "repeat")
    changed = client.post(
        "/api/reports", headers=auth(tokens[Role.MONITOR]), json=strike("a", lat=48.4)
    )
    assert changed.status_code == 409
    with reading(engine) as connection:
        assert connection.execute(text("select count(*) from reports")).scalar_one() == 2
        assert verify(connection).first_break is None


def test_monitors_see_their_own_and_only_analysts_see_sources(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    client.post("/api/reports", headers=auth(tokens[Role.MONITOR]), json=strike("mine"))
    client.post(
        "/api/reports",
        headers=auth(tokens[Role.ANALYST]),
        json=strike("theirs", alleged_party="RU"),
    )
    own = client.get("/api/reports", headers=auth(tokens[Role.MONITOR])).json()
    assert [r["external_id"] for r in own["items"]] == ["mine"]
    assert client.get("/api/reports", headers=auth(tokens[Role.ANALYST])).json()["total"] == 2
    incident = client.get("/api/incidents", headers=auth(tokens[Role.ANALYST])).json()["items"][0]
    shown = client.get(
        f"/api/incidents/{incident['incident']}", headers=auth(tokens[Role.GUARANTOR])
    )
    assert shown.status_code == 200
    assert "osce-" not in shown.text
    assert "own words" not in shown.text
    analyst = client.get(
        f"/api/incidents/{incident['incident']}", headers=auth(tokens[Role.ANALYST])
    )
    assert "osce-mine" in analyst.text


def test_liaisons_see_what_concerns_their_party_and_reply(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
    analyst, liaison = auth(tokens[Role.ANALYST]), auth(tokens[Role.LIAISON])
    client.post(
        "/api/reports",
        headers=analyst,
        json=[
            strike("ru", alleged_party="RU"),
            strike("ua", alleged_party="UA", lon=36.0, lat=47.0, category="small_arms"),
        ],
    )
    seen = client.get("/api/incidents", headers=liaison).json()["items"]
    assert [i["party"] for i in seen] == ["RU"]
    number = seen[0]["incident"]
    reply = client.post(
        f"/api/incidents/{number}/replies", headers=liaison, json={"text": "not us"}
    )
    assert reply.status_code == 201, reply.text
    hidden = [i["incident"] for i in client.get("/api/incidents", headers=analyst).json()["items"]]
    other = next(n for n in hidden if n != number)
    assert client.get(f"/api/incidents/{other}", headers=liaison).status_code == 404
    verified = client.post(
        f"/api/incidents/{number}/reviews",
        headers=analyst,
        json={"action": "verify", "reason": "seen"},
    )
    assert verified.status_code == 201
    assert client.get("/api/violations", headers=liaison).json()["total"] >= 1
    with reading(engine) as connection:
        assert verify(connection).first_break is None
    # The map's columns: the same incidents as the list, the liaison's only its own.
    for who, wanted in ((analyst, sorted(hidden)), (liaison, [number])):
        columns = client.get("/api/map/incidents", headers=who).json()
        assert sorted(f"INC-{n}" for n in columns["incident"]) == wanted


def test_the_maps_first_screen_is_the_records_last_days(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    """`days=7` without `since`: the week before the record's latest report (not before
    today, so a record of past years opens on its own last days), said in a header; with
    `since`, or without `days`, the window asked for."""
    analyst = auth(tokens[Role.ANALYST])
    days = ("2025-04-01", "2025-04-20", "2025-04-24", "2025-04-28")
    posted = client.post(
        "/api/reports",
        headers=analyst,
        json=[
            strike(f"d{k}", observed_start=f"{day}T10:00Z", lon=37.9 + k)
            for k, day in enumerate(days)
        ],
    )
    assert posted.status_code in (200, 201), posted.text

    def starts(**params: Any) -> tuple[list[str], str | None]:
        answer = client.get("/api/map/incidents", headers=analyst, params=params)
        assert answer.status_code == 200, answer.text
        seen = [datetime.fromtimestamp(t, UTC).date().isoformat() for t in answer.json()["start"]]
        return sorted(seen), answer.headers.get("X-Window-Since")

    found, since = starts(days=7)
    assert since is not None
    assert since.startswith("2025-04-21T10:00")
    assert found == ["2025-04-24", "2025-04-28"]
    assert len(starts()[0]) == 4  # no days: the whole record
    found, since = starts(days=7, since="2025-04-15")
    assert (len(found), since) == (3, None)  # the user's window wins
    assert client.get("/api/map/incidents", headers=analyst, params={"days": 0}).status_code == 422


def test_every_request_is_audited_without_its_token(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    client.get("/api/me", headers=auth(tokens[Role.OBSERVER]))
    client.get("/api/incidents", headers=auth(tokens[Role.OBSERVER]))
    trail = client.get("/api/audit", headers=auth(tokens[Role.ADMIN]), params={"user": "observer"})
    rows = trail.json()["items"]
    assert [(r["method"], r["path"], r["status"]) for r in rows] == [
        ("GET", "/api/incidents", 403),
        ("GET", "/api/me", 200),
    ]
    with reading(engine) as connection:
        everything = " ".join(
            str(v) for row in connection.execute(text("select * from audit")) for v in row
        )
    assert all(token not in everything for token in tokens.values())


def test_a_request_that_fails_unexpectedly_is_audited_as_a_500(
    app: FastAPI, client: TestClient, tokens: dict[Role, str]
) -> None:
    def broken() -> None:
        raise RuntimeError("a fault the handlers do not know")

    app.add_api_route("/api/broken", broken)
    answer = client.get("/api/broken", params={"why": "test"})
    assert answer.status_code == 500
    assert "reference" in answer.json()["detail"]
    trail = client.get("/api/audit", headers=auth(tokens[Role.ADMIN]), params={"user": "-"})
    assert [(r["method"], r["path"], r["status"]) for r in trail.json()["items"]] == [
        ("GET", "/api/broken?why=test", 500)
    ]


def test_exports_reimport_and_respect_the_role(
    engine: Engine, client: TestClient, tokens: dict[Role, str], tmp_path: Any
) -> None:
    analyst = auth(tokens[Role.ANALYST])
    client.post("/api/reports", headers=analyst, json=[strike("e1"), strike("e2", lat=48.5)])
    exported = client.get("/api/export/reports", headers=analyst, params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    again = tmp_path / "reports.csv"
    again.write_text(exported.text)
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(fresh)
    outcome = ingest_files(fresh, [again], rules=IngestRules(now=NOW, zone=UTC))
    assert outcome.added == 2  # the export is re-importable: the same reports, the same ids
    with reading(engine) as a, reading(fresh) as b:
        ids = "select report_id from reports order by report_id"
        assert a.execute(text(ids)).all() == b.execute(text(ids)).all()
    shown = client.get("/api/export/incidents", headers=auth(tokens[Role.GUARANTOR]))
    assert shown.json()["type"] == "FeatureCollection"
    assert "osce-" not in shown.text
    kml = client.get("/api/export/incidents", headers=analyst, params={"format": "kml"})
    assert kml.text.count("<Placemark>") == len(shown.json()["features"])


def test_tracks_say_try_again_while_the_plan_is_first_replayed(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    """A server that has just started replays the plan over the whole record once (a minute
    at a million reports, on the clock's thread): meanwhile `/api/tracks` answers at once
    with 503 and Retry-After, then with the tracks once the replay is done."""
    import threading

    from ceasefire.services.live import adopt
    from ceasefire.speed import plan_runs

    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
    adopt(engine, "coalition-three-phase", counting="reported", clock=lambda: NOW)
    posted = client.post(
        "/api/reports", json=strike("t1", alleged_party="RU"), headers=auth(tokens[Role.MONITOR])
    )
    assert posted.status_code in (200, 201), posted.text
    held, release = threading.Event(), threading.Event()

    def replaying() -> None:  # holds the kept runs as a first replay does
        with plan_runs._KEPT._lock:
            held.set()
            release.wait(30)

    other = threading.Thread(target=replaying)
    other.start()
    try:
        assert held.wait(10)
        busy = client.get("/api/tracks", headers=auth(tokens[Role.ANALYST]))
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "5"
        assert "reading the record" in busy.json()["detail"] or "replaying" in busy.text
    finally:
        release.set()
        other.join(10)
    ready = client.get("/api/tracks", headers=auth(tokens[Role.ANALYST]))
    assert ready.status_code == 200
    assert [t["party"] for t in ready.json()["coalition-three-phase"]] == ["RU"]


def test_the_party_warned_is_told_and_each_guarantor_answers_for_itself(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    """The RU liaison sees the notices the plan addresses to RU (and nothing owed by others),
    acknowledges receipt with a reply; the US guarantor answers for the US only."""
    from datetime import timedelta

    from ceasefire.services.live import adopt, step

    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
    adopt(engine, "coalition-three-phase", counting="reported", clock=lambda: NOW)
    posted = client.post(
        "/api/reports",
        json=strike("t1", alleged_party="RU", observed_start="2025-05-01T10:00Z"),
        headers=auth(tokens[Role.MONITOR]),
    )
    assert posted.status_code in (200, 201), posted.text
    step(engine, now=NOW, clock=lambda: NOW, remind_every=timedelta(hours=1))
    liaison, guarantor = auth(tokens[Role.LIAISON]), auth(tokens[Role.GUARANTOR])
    analyst = auth(tokens[Role.ANALYST])

    told = client.get("/api/actions", headers=liaison).json()["items"]
    assert [a["action"] for a in told] == ["acknowledge_warning"]
    assert told[0]["waiting_on"] == ["RU"]
    assert told[0]["acknowledged"] == "0 of 1 acknowledged"
    everything = client.get("/api/actions", headers=analyst).json()["items"]
    warning = next(a for a in everything if a["action"] == "diplomatic_warning")
    refused = client.post(
        f"/api/actions/{warning['decision_id']}/ack", headers=liaison, json={"note": ""}
    )
    assert refused.status_code == 422
    assert "'RU' is not an actor" in refused.json()["detail"]
    received = client.post(
        f"/api/actions/{told[0]['decision_id']}/ack",
        headers=liaison,
        json={"note": "received; we dispute the report"},
    )
    assert received.status_code == 201, received.text
    assert client.get("/api/actions", headers=liaison).json()["items"] == []
    mine = client.get("/api/actions?actor=US", headers=guarantor).json()["items"]
    assert [a["action"] for a in mine] == ["diplomatic_warning"]
    done = client.post(
        f"/api/actions/{warning['decision_id']}/ack", headers=guarantor, json={"note": "sent"}
    )
    assert done.status_code == 201, done.text
    left = {a["action"] for a in client.get("/api/actions", headers=analyst).json()["items"]}
    assert left == {"stop_violations"}
    decisions = client.get("/api/decisions", headers=analyst).json()["items"]
    notice = next(d for d in decisions if d["action"] == "acknowledge_warning")
    assert set(notice["acknowledged_by"]) == {"RU"}
    with reading(engine) as connection:
        assert verify(connection).first_break is None


def test_a_guarantor_the_plan_names_confirms_a_gated_phase(
    engine: Engine, client: TestClient, tokens: dict[Role, str]
) -> None:
    from datetime import timedelta

    from ceasefire.services.live import adopt, step

    load_into_record(engine, "korea-model-demo", clock=lambda: NOW)
    adopt(engine, "coalition-three-phase-gated", counting="reported", clock=lambda: NOW)
    for name, at, category in (("g1", "09:00", "artillery"), ("g2", "10:00", "missile_strike")):
        posted = client.post(
            "/api/reports",
            json=strike(name, alleged_party="RU", observed_start=f"2025-05-01T{at}Z")
            | {"category": category},
            headers=auth(tokens[Role.MONITOR]),
        )
        assert posted.status_code in (200, 201), posted.text
    step(engine, now=NOW, clock=lambda: NOW, remind_every=timedelta(hours=1))
    analyst, guarantor = auth(tokens[Role.ANALYST]), auth(tokens[Role.GUARANTOR])
    (track,) = client.get("/api/tracks", headers=analyst).json()["coalition-three-phase-gated"]
    assert track["awaiting"]["phase"] == 2
    assert track["awaiting"]["confirm_by"] == ["US"]
    refused = client.post(
        "/api/tracks/RU/answer", headers=analyst, json={"phase": 2, "confirm": True, "reason": "x"}
    )
    assert refused.status_code == 403
    answered = client.post(
        "/api/tracks/RU/answer",
        headers=guarantor,
        json={"phase": 2, "confirm": True, "reason": "verified"},
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["by"] == "US"
    again = client.post(
        "/api/tracks/RU/answer",
        headers=guarantor,
        json={"phase": 2, "confirm": True, "reason": "verified"},
    )
    assert again.status_code == 422  # no longer awaiting: the answer is recorded


def test_numbers_and_text_no_record_can_keep_are_named_not_a_500(
    client: TestClient, tokens: dict[Role, str]
) -> None:
    """NaN, the infinities and a lone surrogate once failed as the body was hashed (500)."""
    headers = auth(tokens[Role.MONITOR]) | {"Content-Type": "application/json"}
    sent = json.dumps([strike("n1"), strike("n2")]).replace('"lon": 37.9', '"lon": NaN', 1)
    answer = client.post("/api/reports", content=sent, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["problems"] == [
        {"field": "reports[0].lon", "reason": "NaN is not a number a record can keep"}
    ]
    sent = json.dumps(strike("s1", text="x")).replace('"x"', '"\\ud800"')
    answer = client.post("/api/reports", content=sent, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "text"
    sent = json.dumps(strike("i1")).replace('"lat": 48.3', '"lat": Infinity')
    assert client.post("/api/reports", content=sent, headers=headers).status_code == 422
