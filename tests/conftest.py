"""Shared fixtures: a migrated database on SQLite and on the real PostgreSQL.

PostgreSQL tests each get a schema of their own in the `test` database, dropped afterwards, so
they never touch anything else there. When PostgreSQL cannot be reached they are skipped with
the reason, except under CI (CI=true), where that is a failure: CI must test both databases.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from ceasefire.domain.validation import IngestRules
from ceasefire.store.db import make_engine
from ceasefire.store.migrate import upgrade

# Hypothesis profiles, each a scale on the examples a property runs. The counts written in the
# tests (and 150 where none is written) are what CI runs: `ci`, chosen when CI=true. `quick`,
# everywhere else by default, runs a fifth of them for a loop in seconds; `deep`
# (HYPOTHESIS_PROFILE=deep) fifteen times as many, to look for trouble. No profile has a
# deadline: a slow example on a busy machine is no failure.
EXAMPLES = 150
SCALES = {"quick": 0.2, "ci": 1.0, "deep": 15.0}
for _name, _scale in SCALES.items():
    settings.register_profile(
        _name, max_examples=round(EXAMPLES * _scale), deadline=None, print_blob=_name != "quick"
    )
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "quick")
)


def examples(count: int) -> int:
    """A property's own example count (what CI runs) scaled by the profile in force; never
    below ten unless the count itself is."""
    scale = SCALES.get(settings.get_current_profile_name(), 1.0)
    return max(min(count, 10), round(count * scale))


PG_URL = os.environ.get("CEASEFIRE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


# Ports for the servers tests start (ceasefire serve, SMTP). Each xdist worker (gw0, gw1, ...)
# takes them in turn from a range of its own, below the kernel's ephemeral ports (32768 and
# up): a port probed free here cannot be handed, before the server binds it, to another worker
# or to any outgoing connection, as a probe of port 0 could be. There are 12 such ranges: past
# 12 workers, two share one (each port is still checked free when taken).
_PORTS_PER_WORKER = 1000
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 12
_PORT_BASE = 20000 + _WORKER * _PORTS_PER_WORKER
_PORT_STEPS = itertools.count(random.randrange(_PORTS_PER_WORKER))  # two runs at once differ


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on, for a server this worker is to start."""
    for _ in range(_PORTS_PER_WORKER):
        port = _PORT_BASE + next(_PORT_STEPS) % _PORTS_PER_WORKER
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or lingering from a server just stopped
            return port
    raise RuntimeError(f"no free port in {_PORT_BASE}-{_PORT_BASE + _PORTS_PER_WORKER - 1}")


def wait_until_serving(base: str, server: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """Until the server started as `server` answers at `base`; fails at once if it has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server for {base} ended ({server.returncode}) unanswered")
        try:
            httpx.get(f"{base}/openapi.json", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError(f"nothing answered at {base} within {timeout:g} s")


@pytest.fixture(autouse=True)
def _log_key_per_test(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test's log key in a folder of its own: a PostgreSQL record's key would otherwise
    be written to the working folder (the project), shared by every test."""
    folder = tmp_path_factory.mktemp("log-key")
    monkeypatch.setenv("CEASEFIRE_LOG_KEY", str(folder / "test.log-key"))


@pytest.fixture
def rules() -> IngestRules:
    return IngestRules(now=NOW, zone=ZoneInfo("Europe/Kyiv"))


def _pg_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except OperationalError as exc:
        return str(exc.orig).strip().splitlines()[0]
    return None


@pytest.fixture(scope="session")
def pg_available() -> None:
    problem = _pg_reachable()
    if problem is None:
        return
    message = f"PostgreSQL at {PG_URL} unreachable: {problem}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI must test PostgreSQL; .ci/run starts it)")
    pytest.skip(message)


@pytest.fixture
def pg_url(pg_available: None) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema."""
    schema = f"cf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ceasefire.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def shared_file(relative: str) -> Path:
    """A file from ../shared/data, or a skip that says what is missing."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: clone the project beside shared/ to run this test")
    return path


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()
