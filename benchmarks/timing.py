"""What the benchmarks share: timing a function over repeats, a server to measure, a record
with the demo agreement and the escalation scenario's profile."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import httpx
from sqlalchemy import Engine

from ceasefire.clock import utc_now
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.scenario import Profile, parse_profile
from ceasefire.services.agreements import load_into_record
from ceasefire.services.yaml_files import find, read_yaml
from ceasefire.store.agreement_store import agreement_named
from ceasefire.store.db import make_engine, reading
from ceasefire.store.migrate import upgrade


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Seconds for each of `repeat` calls."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


@contextmanager
def serving(db: str, *options: str, log: IO[bytes] | None = None) -> Iterator[str]:
    """`ceasefire serve` on a free port until the block ends; yields its address."""
    port = free_port()
    command = [sys.executable, "-m", "ceasefire", "--db", db, "serve", "--port", str(port)]
    with running([*command, "--clock-interval", "0", *options], port, log) as base:
        yield base


@contextmanager
def running(command: list[str], port: int, log: IO[bytes] | None = None) -> Iterator[str]:
    """A server started by `command` on `port`, once it answers; stopped when the block ends."""
    server = subprocess.Popen(
        command,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def new_record(url: str, agreement: str) -> tuple[Engine, LoadedAgreement]:
    """The database at `url` brought to the current schema with the bundled `agreement`
    loaded; its engine and the agreement as loaded (for placing generated reports)."""
    engine = make_engine(url)
    upgrade(engine)
    load_into_record(engine, agreement, clock=utc_now)
    with reading(engine) as connection:
        loaded = agreement_named(connection, agreement)
    assert loaded is not None
    return engine, loaded


def escalation() -> Profile:
    """The bundled `escalation` scenario's profile (OSCE SMM peak-day traffic)."""
    data, _ = read_yaml("scenarios", find("scenarios", "escalation"))
    profile = parse_profile(data, "escalation")
    assert not isinstance(profile, list)
    return profile
