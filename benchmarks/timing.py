"""What the benchmarks share: timing a function over repeats, a server to measure."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

import httpx


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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "ceasefire", "--db", db, "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--clock-interval", "0", *options],
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
