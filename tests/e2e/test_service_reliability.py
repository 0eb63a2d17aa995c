"""The service under load and crashes, on PostgreSQL and SQLite: 50 clients filing reports with
retries while the server is killed with SIGKILL and restarted, and two servers sharing one
database; every report acknowledged is stored exactly once and the record verifies."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from sqlalchemy import text

from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.services.live import adopt
from ceasefire.services.notify import add_channel
from ceasefire.services.users import add_user
from ceasefire.store.db import make_engine, reading, snapshot, writing
from ceasefire.store.incident_check import membership_problem
from ceasefire.store.migrate import upgrade
from ceasefire.store.verify import verify

from ..conftest import free_port

CLIENTS = 50
PER_CLIENT = 12


class Server:
    def __init__(self, db: str, port: int, log: Path, *extra: str) -> None:
        self.db, self.port, self.log, self.extra = db, port, log, extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ceasefire",
                "--db",
                self.db,
                "serve",
                "--port",
                str(self.port),
                "--clock-interval",
                "0.5",
                *self.extra,
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                httpx.get(f"{self.base}/openapi.json", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError(f"server on {self.port} did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=20)


def _token(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    with writing(engine) as connection:
        token = add_user(connection, "field", Role.MONITOR, None, clock=utc_now)
    engine.dispose()
    return token


START = datetime.now(UTC) - timedelta(hours=2)


def report(client: int, n: int) -> dict[str, object]:
    observed = START + timedelta(minutes=client, seconds=n)
    return {
        "source_id": f"monitor-{client}",
        "source_kind": "monitor_patrol",
        "external_id": f"{client}-{n}",
        "observed_start": observed.isoformat(),
        "lon": 36.0 + client * 0.05,
        "lat": 47.5 + n * 0.05,
        "category": "artillery",
        "alleged_party": "RU",
    }


def file_with_retries(
    bases: list[str], token: str, client: int, acked: set[str], errors: list[str]
) -> None:
    """A field monitor on a bad link: each report is retried (same body, same Idempotency-Key)
    until a 2xx; a 4xx would be a bug of ours, so it is noted and the report given up."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=10) as http:
        for n in range(PER_CLIENT):
            key, body = f"{client}-{n}", report(client, n)
            for attempt in range(400):
                base = bases[(client + attempt) % len(bases)]
                try:
                    answer = http.post(
                        f"{base}/api/reports", json=body, headers=headers | {"Idempotency-Key": key}
                    )
                except httpx.TransportError:
                    errors.append("")  # the link (or the server) went down: try again
                    time.sleep(0.05)
                    continue
                if answer.status_code < 300:
                    acked.add(key)
                    break
                if answer.status_code < 500:
                    errors.append(f"{key}: {answer.status_code} {answer.text}")
                    break
                time.sleep(0.05)


class Load:
    """CLIENTS threads filing PER_CLIENT reports each, from now until `join`."""

    def __init__(self, bases: list[str], token: str) -> None:
        self.acked: set[str] = set()
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(
                target=file_with_retries, args=(bases, token, c, self.acked, self.errors)
            )
            for c in range(CLIENTS)
        ]
        for t in self.threads:
            t.start()

    def join(self) -> set[str]:
        for t in self.threads:
            t.join(timeout=120)
        assert [e for e in self.errors if e] == []
        assert len(self.acked) == CLIENTS * PER_CLIENT
        return self.acked

    def wait_until_acked(self, count: int, timeout: float = 60.0) -> None:
        """Until `count` reports are acknowledged: the load is then surely under way, however
        fast the server is, and (with `count` well below the total) not yet over."""
        deadline = time.monotonic() + timeout
        while len(self.acked) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.acked) >= count, f"only {len(self.acked)} acknowledged in {timeout} s"

    def wait_until_cut_off(self, timeout: float = 30.0) -> None:
        """Until some client has found the server down (a request with no answer)."""
        deadline = time.monotonic() + timeout
        while not self.cut_off and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.cut_off, f"no request went unanswered in {timeout} s"

    @property
    def cut_off(self) -> int:
        """Requests that got no answer at all (the server was down)."""
        return self.errors.count("")


def check_record(url: str, acked: set[str]) -> None:
    engine = make_engine(url)
    with snapshot(engine) as connection:  # the servers' clocks may still be appending
        stored = connection.execute(text("select external_id from reports")).scalars().all()
        assert verify(connection).first_break is None
        assert membership_problem(connection) is None
    engine.dispose()
    assert len(stored) == len(set(stored))  # exactly once
    assert acked <= set(stored)  # every acknowledged report is there


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    made: list[Server] = []
    yield made
    for server in made:
        server.stop()


def test_kill_9_under_load_loses_no_acknowledged_report(
    db_url: str, tmp_path: Path, servers: list[Server]
) -> None:
    """On PostgreSQL and on SQLite (one server process, WAL, full fsync)."""
    token = _token(db_url)
    server = Server(db_url, free_port(), tmp_path / "serve.log")
    servers.append(server)
    server.start()
    load = Load([server.base], token)
    load.wait_until_acked(CLIENTS * PER_CLIENT // 4)
    server.kill()  # mid-load, no chance to clean up
    load.wait_until_cut_off()  # the clients find it down
    server.start()
    check_record(db_url, load.join())
    assert load.cut_off > 0  # the kill did land in the middle of the load


class _Receiver(BaseHTTPRequestHandler):
    events: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.events.append(self.headers["X-Ceasefire-Event"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.mark.postgres
def test_two_servers_on_one_database_are_one_service(
    pg_url: str, tmp_path: Path, servers: list[Server]
) -> None:
    """Reports go to either server; both run clocks and deliver the outbox. One chain, each
    decision recorded once, each notification delivered once."""
    token = _token(pg_url)
    _Receiver.events = []
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    engine = make_engine(pg_url)
    adopt(engine, "coalition-three-phase", counting="reported", clock=utc_now)
    with writing(engine) as connection:
        add_channel(
            connection,
            "webhook",
            f"http://127.0.0.1:{receiver.server_address[1]}/hook",
            events=["phase", "action"],
            clock=utc_now,
        )
    for k in range(2):
        servers.append(Server(pg_url, free_port(), tmp_path / f"serve{k}.log"))
        servers[-1].start()
    load = Load([s.base for s in servers], token)
    check_record(pg_url, load.join())  # one hash chain, though two processes appended to it
    # The clocks go on recording decisions for a step or two after the last report: wait
    # until the outbox has stopped growing and everything in it is delivered.
    deadline, settled, last = time.monotonic() + 30, 0, -1
    while time.monotonic() < deadline and settled < 4:
        with reading(engine) as connection:
            queued, waiting = connection.execute(
                text("select count(*), count(*) - count(delivered_at) from outbox")
            ).one()
        settled = settled + 1 if queued == last and queued and not waiting else 0
        last = queued
        time.sleep(0.5)
    receiver.shutdown()
    with reading(engine) as connection:
        events = connection.execute(text("select event_id from outbox")).scalars().all()
        decisions = connection.execute(text("select count(*) from decisions")).scalar_one()
    engine.dispose()
    assert settled >= 4, "the outbox did not settle"
    assert decisions >= 3
    assert len(events) >= 3
    assert sorted(_Receiver.events) == sorted(events)  # each delivered, and only once


@pytest.mark.postgres
def test_when_the_server_running_the_clock_is_killed_another_takes_it_over(
    pg_url: str, tmp_path: Path, servers: list[Server]
) -> None:
    """Of two servers one runs the clock, the other stands by (neither reads the record's
    changes twice). `kill -9` the one running it: PostgreSQL ends its session and lets its
    lock go, and a report that opens phase 1 afterwards is decided by the other."""
    token = _token(pg_url)
    engine = make_engine(pg_url)
    adopt(engine, "coalition-three-phase", counting="reported", clock=utc_now)
    for k in range(2):
        servers.append(Server(pg_url, free_port(), tmp_path / f"serve{k}.log"))
        servers[-1].start()

    def says(server: Server, text: str) -> bool:
        return text in server.log.read_text(encoding="utf-8", errors="replace")

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(
        says(s, "this server runs the clock") for s in servers
    ):
        time.sleep(0.05)
    leader, other = sorted(servers, key=lambda s: not says(s, "this server runs the clock"))
    assert says(leader, "this server runs the clock")
    while time.monotonic() < deadline and not says(other, "stands by"):
        time.sleep(0.05)
    assert says(other, "stands by")
    assert not says(other, "this server runs the clock")
    leader.kill()
    now = utc_now()
    body = report(0, 0) | {"observed_start": (now - timedelta(minutes=1)).isoformat()}
    answer = httpx.post(
        f"{other.base}/api/reports",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "after-the-kill"},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    entered = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not entered:
        with reading(engine) as connection:
            entered = connection.execute(
                text(
                    "select count(*) from decisions where kind = 'phase_entered' "
                    "and phase = 1 and effective_at >= :t"
                ),
                {"t": now - timedelta(minutes=2)},
            ).scalar_one()
        time.sleep(0.1)
    engine.dispose()
    assert entered == 1
    assert says(other, "this server runs the clock")


@pytest.mark.postgres
def test_several_worker_processes_serve_one_database(
    pg_url: str, tmp_path: Path, servers: list[Server]
) -> None:
    token = _token(pg_url)
    server = Server(pg_url, free_port(), tmp_path / "workers.log", "--workers", "2")
    servers.append(server)
    server.start()
    load = Load([server.base], token)
    check_record(pg_url, load.join())
