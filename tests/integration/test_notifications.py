"""Notifications on both databases: queued with their decision, delivered at least once with
a stable id, retried with backoff, cancelled when acknowledged, signed, as CAP 1.2 that
validates against the OASIS schema, and by e-mail through a real SMTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import xmlschema
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from sqlalchemy import Engine, select

from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.services.live import adopt, step
from ceasefire.services.notify import Channel, add_channel, deliver_due, signature
from ceasefire.store.db import reading, writing
from ceasefire.store.enforcement_store import acknowledge
from ceasefire.store.schema import outbox

from ..conftest import free_port

T = datetime(2025, 4, 19, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CAP = xmlschema.XMLSchema(FIXTURES / "standards" / "CAP-v1.2.xsd")
HEADER = "source_id,source_kind,external_id,observed_start,lon,lat,category,alleged_party\n"


def ingest(engine: Engine, tmp_path: Path, rows: str, at: datetime) -> None:
    path = tmp_path / f"r{at.timestamp():.0f}.csv"
    path.write_text(HEADER + rows)
    assert ingest_files(engine, [path], rules=IngestRules(now=at, zone=UTC), clock=lambda: at).ok


def strike(name: str, hours: float) -> str:
    observed = (T + hours * HOUR).isoformat()
    return f"ua-liaison,party_complaint,{name},{observed},37.9,48.3,artillery,RU\n"


@pytest.fixture
def adopted(engine: Engine) -> Engine:
    adopt(engine, "coalition-three-phase", counting="reported", clock=lambda: T - HOUR)
    return engine


def channel(
    engine: Engine, kind: str = "webhook", target: str = "http://127.0.0.1:9/", **extra: Any
) -> int:
    with writing(engine) as connection:
        return add_channel(
            connection,
            kind,
            target,
            events=extra.pop("events", ["phase", "action", "reminder"]),
            clock=lambda: T,
            **extra,
        )


class Recorder:
    """A sender that fails the first `failures` sends, then records."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[Mapping[str, Any]] = []

    def __call__(self, _channel: Channel, row: Mapping[str, Any]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("receiver down")
        self.sent.append(dict(row))


def rows(engine: Engine) -> list[Any]:
    with reading(engine) as connection:
        return connection.execute(select(outbox).order_by(outbox.c.id)).all()


def test_decisions_are_queued_with_themselves_and_delivered_at_least_once(
    adopted: Engine, tmp_path: Path
) -> None:
    channel(adopted, events=["phase", "action"])
    ingest(adopted, tmp_path, strike("a", 0), T + HOUR)
    result = step(adopted, now=T + HOUR, clock=lambda: T + HOUR, remind_every=HOUR)
    assert result.queued == 4  # phase 1 and its three actions (the notice to RU among them)
    recorder = Recorder(failures=1)
    first = deliver_due(adopted, now=T + HOUR, worker="w1", senders={"webhook": recorder})
    assert (first.delivered, first.failed) == (3, 1)
    waiting = [r for r in rows(adopted) if r.delivered_at is None]
    assert [r.attempts for r in waiting] == [1]
    assert waiting[0].next_attempt_at == T + HOUR + timedelta(seconds=10)
    assert "receiver down" in waiting[0].last_error
    assert (
        deliver_due(adopted, now=T + HOUR, worker="w1", senders={"webhook": recorder}).delivered
        == 0
    )
    later = deliver_due(adopted, now=T + HOUR + HOUR, worker="w1", senders={"webhook": recorder})
    assert later.delivered == 1
    ids = [r["event_id"] for r in recorder.sent]
    assert len(ids) == len(set(ids)) == 4
    # A second step queues nothing new: one event per decision.
    assert step(adopted, now=T + HOUR, clock=lambda: T + HOUR, remind_every=HOUR).queued == 0


def test_a_send_cut_off_before_it_was_marked_is_sent_again_with_the_same_id(
    adopted: Engine, tmp_path: Path
) -> None:
    channel(adopted, events=["phase", "action"])
    ingest(adopted, tmp_path, strike("a", 0), T + HOUR)
    step(adopted, now=T + HOUR, clock=lambda: T + HOUR, remind_every=HOUR)

    def dies(_channel: Channel, _row: Mapping[str, Any]) -> None:
        raise SystemExit  # the process dies mid-send: nothing is marked

    with pytest.raises(SystemExit):
        deliver_due(adopted, now=T + HOUR, worker="w1", senders={"webhook": dies})
    recorder = Recorder()
    # what the dead worker claimed waits for its lease to run out, then goes again
    early = deliver_due(adopted, now=T + HOUR, worker="w2", senders={"webhook": recorder})
    assert early.delivered == 0
    resumed = deliver_due(
        adopted, now=T + HOUR + 2 * timedelta(minutes=1), worker="w2", senders={"webhook": recorder}
    )
    assert resumed.delivered == 4
    assert len({r["event_id"] for r in recorder.sent}) == 4


def test_acknowledged_actions_are_not_reminded(adopted: Engine, tmp_path: Path) -> None:
    channel(adopted, events=["reminder"])
    ingest(adopted, tmp_path, strike("a", 0), T + HOUR)
    now = T + 30 * HOUR  # the 24 h deadline has passed: reminders
    result = step(adopted, now=now, clock=lambda: now, remind_every=HOUR)
    assert result.queued == 3  # the notice to RU, the warning (US), stopping them (UA)
    with writing(adopted) as connection:
        waiting = connection.execute(select(outbox.c.decision_id, outbox.c.actor)).all()
        acknowledge(connection, waiting[0][0], waiting[0][1], "done", clock=lambda: now)
    recorder = Recorder()
    sent = deliver_due(adopted, now=now, worker="w", senders={"webhook": recorder})
    assert (sent.delivered, sent.cancelled) == (2, 1)


def test_cap_alerts_validate_against_the_oasis_schema(adopted: Engine, tmp_path: Path) -> None:
    channel(adopted, fmt="cap")
    ingest(adopted, tmp_path, strike("b", 30), T + 31 * HOUR)
    step(adopted, now=T + 31 * HOUR, clock=lambda: T + 31 * HOUR, remind_every=HOUR)
    ingest(adopted, tmp_path, strike("a", 0), T + 50 * HOUR)  # late: withdraws and corrects
    step(adopted, now=T + 80 * HOUR, clock=lambda: T + 80 * HOUR, remind_every=HOUR)
    bodies = [r.body for r in rows(adopted)]
    assert len(bodies) >= 6
    kinds = set()
    for body in bodies:
        CAP.validate(body)
        alert = CAP.to_dict(body)
        kinds.add(alert["msgType"])
        polygon = alert["info"][0]["area"][0]["polygon"][0].split()
        assert polygon[0] == polygon[-1]
        assert len(polygon) >= 4
        if alert["msgType"] != "Alert":
            assert alert["references"].count(",") == 2
    assert {"Alert", "Cancel", "Update"} <= kinds


class _Receiver(BaseHTTPRequestHandler):
    got: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.got.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.got = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def test_webhooks_are_signed(adopted: Engine, tmp_path: Path, receiver: str) -> None:
    channel(adopted, target=receiver, secret="s3cret", events=["phase"])
    ingest(adopted, tmp_path, strike("a", 0), T + HOUR)
    step(adopted, now=T + HOUR, clock=lambda: T + HOUR, remind_every=HOUR)
    assert deliver_due(adopted, now=T + HOUR, worker="w").delivered == 1
    ((headers, body),) = _Receiver.got
    assert headers["X-Ceasefire-Signature"] == signature("s3cret", body)
    assert json.loads(body)["id"] == headers["X-Ceasefire-Event"]
    assert json.loads(body)["decision"]["kind"] == "phase_entered"


class _Inbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def handle_message(self, message: Any) -> None:
        self.messages.append(message)


def test_email_through_a_real_smtp_server(adopted: Engine, tmp_path: Path) -> None:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        channel(
            adopted,
            kind="email",
            target="ops@example.org",
            smtp=f"smtp://127.0.0.1:{port}",
            fmt="cap",
            events=["action"],
        )
        ingest(adopted, tmp_path, strike("a", 0), T + HOUR)
        step(adopted, now=T + HOUR, clock=lambda: T + HOUR, remind_every=HOUR)
        assert deliver_due(adopted, now=T + HOUR, worker="w").delivered == 3
    finally:
        controller.stop()
    assert len(inbox.messages) == 3
    message = inbox.messages[0]
    assert message["To"] == "ops@example.org"
    assert "@ceasefire.invalid>" in message["Message-ID"]
    attachment = next(p for p in message.walk() if p.get_filename() == "alert.xml")
    CAP.validate(attachment.get_payload(decode=True).decode())
