"""A party's witness as its liaison runs it: `ceasefire witness run` against a running
`ceasefire serve`, cosigning the honest log and refusing it once its administrator rewrote
history and signed over the rewrite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
from sqlalchemy import text

from ceasefire.store.db import make_engine

from ..conftest import FIXTURES, free_port, wait_until_serving
from ..integration.test_transparency_log import _rebuild_tree, _rewrite_and_rehash


def _cf(*args: str, db: Path | None = None) -> subprocess.CompletedProcess[str]:
    where = ["--db", str(db)] if db else []
    return subprocess.run(
        [sys.executable, "-m", "ceasefire", *where, *args],
        capture_output=True,
        text=True,
        env=os.environ | {"CI": "true"},
        timeout=120,
        check=False,
    )


def _size(base: str, token: str) -> int:
    status = httpx.get(f"{base}/api/log/status", headers={"Authorization": f"Bearer {token}"})
    return int(status.json()["checkpoint"]["size"])


def _until_signed(base: str, token: str, size: int) -> None:
    """Wait for the server's clock to sign a checkpoint of at least `size` entries."""
    deadline = time.monotonic() + 60
    while _size(base, token) < size:
        assert time.monotonic() < deadline, f"no checkpoint of {size} entries within a minute"
        time.sleep(0.2)


@contextmanager
def _receiver(received: list[dict[str, object]]) -> Iterator[str]:
    """A party's own alert endpoint: keeps each JSON body it is sent."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/alerts"
    finally:
        server.shutdown()


def test_a_witness_process_cosigns_and_then_refuses_a_rewritten_history(tmp_path: Path) -> None:
    db = tmp_path / "mission.db"
    assert _cf("init", db=db).returncode == 0
    assert _cf("ingest", str(FIXTURES / "reports_good.csv"), db=db).returncode == 0
    made = _cf("witness", "init", "--name", "ru.example/witness", "--key", str(tmp_path / "w.key"))
    assert made.returncode == 0, made.stderr
    vkey = made.stdout.strip()
    assert _cf("log", "witness", "add", vkey, "--for", "RU", db=db).returncode == 0
    token = _cf("users", "add", "ru", "--role", "liaison", "--party", "RU", db=db).stdout
    token = token.strip().splitlines()[-1]
    log_key = _cf("log", "key", db=db).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ceasefire",
            "--db",
            str(db),
            "serve",
            "--port",
            str(port),
            "--clock-interval",
            "0.5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"CI": "true"},
    )
    witness = [
        "witness",
        "run",
        base,
        "--key",
        str(tmp_path / "w.key"),
        "--state",
        str(tmp_path / "w.json"),
        "--token",
        token,
        "--once",
    ]
    try:
        wait_until_serving(base, server)
        entries = 10  # the log's key, four reports, their three sources, the witness, the user
        _until_signed(base, token, entries)
        first = _cf(*witness, "--log-key", log_key)
        assert first.returncode == 0, first.stderr
        assert "cosigned the checkpoint" in first.stdout
        cosigned = _size(base, token)
        assert _cf("ingest", str(FIXTURES / "reports.geojson"), db=db).returncode in (0, 1)
        _until_signed(base, token, cosigned + 1)
        second = _cf(*witness)
        assert second.returncode == 0, second.stderr
        assert "extends the last cosigned checkpoint" in second.stdout
        # the administrator rewrites a report, re-hashes the chain, rebuilds the tree,
        # removes the checkpoints and signs over the rewritten history with the log's key
        engine = make_engine(f"sqlite:///{db}")
        with engine.connect() as connection:
            seq = connection.execute(
                text("SELECT ledger_seq FROM reports ORDER BY ledger_seq LIMIT 1")
            ).scalar_one()
        _rewrite_and_rehash(engine, int(seq), "somewhere else")
        _rebuild_tree(engine)
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM log_cosignatures"))
            connection.execute(text("DELETE FROM log_checkpoints"))
        engine.dispose()
        assert _cf("log", "checkpoint", "--sign", db=db).returncode == 0
        alerts: list[dict[str, object]] = []
        with _receiver(alerts) as hook:
            third = _cf(*witness, "--alert-webhook", hook)
        assert [a["event"] for a in alerts] == ["log_refused"]
        assert third.returncode == 1
        assert "REFUSED" in third.stderr
        assert "two different roots for the same" in third.stderr  # rewritten, not grown
        kept = list((tmp_path / "w.json.evidence").iterdir())
        assert len(kept) == 1
        assert json.loads(kept[0].read_text())["cosigned_before"]
        # the witness's state, held against the database, names the rewrite
        checked = _cf("verify", "--checkpoint", str(tmp_path / "w.json"), db=db)
        assert checked.returncode == 1
        assert "no longer hash to the checkpoint in" in checked.stderr
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=20)
    assert b"Traceback" not in err
