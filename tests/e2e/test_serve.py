"""`ceasefire serve` as a real process: it starts, answers, and its clock runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.services.users import add_user
from ceasefire.store.db import make_engine, writing
from ceasefire.store.migrate import upgrade

from ..conftest import free_port, wait_until_serving


def test_serve_answers_with_tokens_and_docs(tmp_path: Path) -> None:
    db = tmp_path / "serve.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    with writing(engine) as connection:
        token = add_user(connection, "ann", Role.ANALYST, None, clock=utc_now)
    engine.dispose()
    port = free_port()
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
            "--token-recheck-seconds",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ | {"CI": "true"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, server)
        assert httpx.get(f"{base}/api/me").status_code == 401
        me = httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json() == {"name": "ann", "role": "analyst", "party": None}
        assert "x-permission" in httpx.get(f"{base}/openapi.json").text
        assert httpx.get(f"{base}/docs").status_code == 200
        # The option reaches the server: a token revoked from the command line is trusted for
        # up to a minute here (the default second would be over by the time `revoke` is done).
        revoke = [sys.executable, "-m", "ceasefire", "--db", str(db), "users", "revoke", "ann"]
        subprocess.run(revoke, check=True, capture_output=True, env=os.environ | {"CI": "true"})
        again = httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=20)
    assert b"one `ceasefire serve` process is the limit" in err
    assert b"Traceback" not in err
