"""Sustained report filing through the API against the plain-psycopg floor, on PostgreSQL.

*api*: `ceasefire serve` (one process, as a site would run it; the clock off so it does not
compete) on a fresh PostgreSQL schema with the demo agreement loaded, and `--clients`
concurrent clients (asyncio + aiohttp, in this process) each POSTing one new report at a time
with an Idempotency-Key for `--seconds`. Every request goes the whole way: token check,
validation, the ledger entry under the chain's lock, placement against the agreement, grouping
into incidents, the idempotency record, the audit row.

*floor*: the same number of threads, each with its own psycopg connection, INSERTing the same
report bodies into one table with a primary key, one autocommit statement per report.

*http ceiling*: the same clients against the same server software (uvicorn with httptools and
uvloop, FastAPI, one process, the access log on) serving one route that parses the body and
answers 201 (`http_ceiling.py`): no token, no validation, no database. No service built on this
stack files more requests a second than that. `--no-ceiling` leaves it out.

With `--preload N` the record already holds N reports from the same monitors over the 30
days before the load (a service that has been running a while), so the cost of filing one more
shows whether it grows with the record.

Both print requests/s and latency percentiles. Usage:
    .venv/bin/python benchmarks/api_load.py [--seconds 60] [--clients 32] [--preload 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.domain.validation import REPORT_FIELDS, IngestRules
from ceasefire.services.agreements import load_into_record
from ceasefire.services.ingest import ingest_files
from ceasefire.services.users import add_user
from ceasefire.store.db import make_engine, writing
from ceasefire.store.migrate import upgrade
from timing import free_port, running, serving

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
START = datetime.now(UTC) - timedelta(days=1)


def report(worker: int, n: int) -> dict[str, Any]:
    return {
        "source_id": f"monitor-{worker}",
        "source_kind": "monitor_patrol",
        "external_id": f"{worker}-{n}",
        "observed_start": (START + timedelta(seconds=n * 7 + worker)).isoformat(),
        "lon": 36.0 + (worker % 50) * 0.07,
        "lat": 47.4 + (n % 40) * 0.03,
        "uncertainty_m": 300,
        "category": "artillery",
        "alleged_party": "RU",
    }


def preload(engine: Any, count: int, clients: int) -> None:
    """`count` reports from the benchmark's monitors and places, spread over the 30 days
    before the load, imported as one file (placed and grouped like any other)."""
    step = timedelta(days=30) / max(count, 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "earlier.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(REPORT_FIELDS)
            for k in range(count):
                row = report(k % clients, k // clients) | {
                    "external_id": f"earlier-{k}",
                    "observed_start": (START - timedelta(days=30) + k * step).isoformat(),
                }
                writer.writerow([row.get(name, "") for name in REPORT_FIELDS])
        outcome = ingest_files(engine, [path], rules=IngestRules(now=utc_now(), zone=UTC))
    if not outcome.ok or outcome.added != count:
        raise SystemExit(f"the preload was not stored whole: {outcome.added:,} of {count:,}")


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    if len(latencies) < 2:
        return (0.0, 0.0, 0.0)
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return q[49] * 1000, q[94] * 1000, q[98] * 1000


Post = Callable[[Any, dict[str, str]], Awaitable[bool]]  # (body, headers) -> stored?


async def api_load(
    base: str, token: str, clients: int, seconds: float, batch: int = 1, client: str = "aiohttp"
) -> tuple[int, int, list[float]]:
    """Reports stored, failed requests, and each request's latency. aiohttp's client spends
    about a third of httpx's CPU per request: on two cores shared with the server, the load
    generator's own cost counts."""
    if client == "httpx":
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:

            async def post_httpx(body: Any, headers: dict[str, str]) -> bool:
                try:
                    answer = await http.post("/api/reports", json=body, headers=headers)
                except httpx.HTTPError:
                    return False
                return answer.status_code == 201

            return await _load(post_httpx, token, clients, seconds, batch)
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base, connector=connector, timeout=timeout) as session:

        async def post_aiohttp(body: Any, headers: dict[str, str]) -> bool:
            try:
                async with session.post("/api/reports", json=body, headers=headers) as answer:
                    await answer.read()
                    return answer.status == 201
            except (aiohttp.ClientError, TimeoutError):
                return False

        return await _load(post_aiohttp, token, clients, seconds, batch)


async def _load(
    post: Post, token: str, clients: int, seconds: float, batch: int
) -> tuple[int, int, list[float]]:
    latencies: list[float] = []
    errors = 0
    stored = 0
    stop = time.monotonic() + seconds

    async def worker(w: int) -> None:
        nonlocal errors, stored
        n = 0
        headers = {"Authorization": f"Bearer {token}"}
        while time.monotonic() < stop:
            body: Any = report(w, n) if batch == 1 else [report(w, n + k) for k in range(batch)]
            started = time.perf_counter()
            ok = await post(body, headers | {"Idempotency-Key": f"{w}-{n}"})
            latencies.append(time.perf_counter() - started)
            errors += not ok
            stored += batch if ok else 0
            n += batch

    await asyncio.gather(*(worker(w) for w in range(clients)))
    return stored, errors, latencies


def http_ceiling(clients: int, seconds: float, client: str) -> tuple[int, int, list[float]]:
    """The load against `http_ceiling.py`, one report per request, as the api side runs."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(Path(__file__).parent),
        "http_ceiling:app",
        "--port",
        str(port),
        "--log-level",
        "info",
    ]
    with running(command, port) as base:
        return asyncio.run(api_load(base, "none", clients, seconds, 1, client))


def floor_load(url: str, schema: str, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE TABLE "{schema}".floor (id text PRIMARY KEY, body jsonb)')
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(w: int) -> None:
        mine: list[float] = []
        with psycopg.connect(dsn, autocommit=True) as connection:
            n = 0
            while time.monotonic() < stop:
                body = report(w, n)
                started = time.perf_counter()
                try:
                    connection.execute(
                        f'INSERT INTO "{schema}".floor VALUES (%s, %s)',
                        (body["external_id"], json.dumps(body)),
                    )
                except psycopg.Error:
                    with lock:
                        errors[0] += 1
                mine.append(time.perf_counter() - started)
                n += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) - errors[0], errors[0], latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--db", default=PG)
    parser.add_argument("--workers", type=int, default=1, help="`serve --workers`.")
    parser.add_argument(
        "--batch", type=int, default=1, help="Reports per request (the floor stays one per row)."
    )
    parser.add_argument(
        "--client",
        choices=("aiohttp", "httpx"),
        default="aiohttp",
        help="The load generator's HTTP client (httpx: the figures before 2026-11-25 evening).",
    )
    parser.add_argument(
        "--preload", type=int, default=0, help="Reports already in the record (30 days' worth)."
    )
    parser.add_argument(
        "--no-ceiling", action="store_true", help="Skip the HTTP stack's own ceiling."
    )
    args = parser.parse_args()
    console = Console()
    schema = f"cf_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.db)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{args.db}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    load_into_record(engine, "korea-model-demo", clock=utc_now)
    if args.preload:
        console.print(f"preload: {args.preload:,} reports over the 30 days before ...")
        preload(engine, args.preload, args.clients)
    with writing(engine) as connection:
        token = add_user(connection, "bench", Role.MONITOR, None, clock=utc_now)
        reader = add_user(connection, "bench-analyst", Role.ANALYST, None, clock=utc_now)
    engine.dispose()
    log = Path(f"/tmp/{schema}.log")
    with log.open("wb") as output, serving(url, "--workers", str(args.workers), log=output) as base:
        # Measure the steady state: the server tells the record's incidents as it starts;
        # the map's answer waits for that.
        httpx.get(
            f"{base}/api/map/incidents", headers={"Authorization": f"Bearer {reader}"}, timeout=600
        ).raise_for_status()
        console.print(f"api: {args.clients} clients for {args.seconds:g} s ...")
        api = asyncio.run(
            api_load(base, token, args.clients, args.seconds, args.batch, args.client)
        )
    ceiling = None
    if not args.no_ceiling:
        console.print(f"http ceiling: {args.clients} clients for {args.seconds:g} s ...")
        ceiling = http_ceiling(args.clients, args.seconds, args.client)
    console.print(f"floor: {args.clients} threads for {args.seconds:g} s ...")
    floor = floor_load(args.db, schema, args.clients, args.seconds)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    table = Table("side", "reports/s", "p50 ms", "p95 ms", "p99 ms", "failed", "what")
    rows = [
        (
            "api",
            api,
            f"serve --workers {args.workers}, {args.batch} report(s) per POST, "
            f"{args.preload:,} reports before, {args.client}",
        ),
        ("floor", floor, "psycopg INSERT, one row each, autocommit"),
    ]
    if ceiling is not None:
        rows.append(("http ceiling", ceiling, "uvicorn + FastAPI, parse the body, answer 201"))
    for name, (ok, errors, latencies), what in rows:
        p50, p95, p99 = percentiles(latencies)
        table.add_row(
            name,
            f"{ok / args.seconds:,.0f}",
            f"{p50:.1f}",
            f"{p95:.1f}",
            f"{p99:.1f}",
            str(errors),
            what,
        )
    console.print(table)
    ratio = (api[0] / args.seconds) / max(floor[0] / args.seconds, 1e-9)
    console.print(
        f"api / floor = {ratio:.2f}; goal: >= 1,000 reports/s, p99 < 100 ms, >= 0.5 of the floor. "
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}"
    )


if __name__ == "__main__":
    main()
