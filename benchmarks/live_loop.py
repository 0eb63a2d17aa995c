"""The live loop on a year's record: report -> decision -> webhook -> screen, at 1M reports.

*Build* (once per size; kept as a PostgreSQL database `cf_live_<N>` for later runs): the
bundled `escalation` scenario along the real line (OSCE SMM peak-day traffic, its rate scaled
so a year holds N reports), imported a few weeks of it at a time, ending `GAP_DAYS` before
now (so every track has stood down by the time the load comes); the default agreement and the
default plan (`coalition-three-phase`, counting reported incidents) adopted; one clock step.

*Run* (each `--repeat`; on a fresh copy of that database, `CREATE DATABASE ... TEMPLATE`):
a local webhook receiver subscribed to `phase` and `action`, then `--servers` `ceasefire
serve` processes with their clocks on. Then the figures:

- server start: process start to its first answer; the dashboard's first map answer after it;
- dashboard: navigation to every incident of the map's default window drawn (headless
  Chromium), and the server's answer to the map and to `/api/tracks` after one new report;
- the load: an open-loop generator offering `--rate` reports a second for `--seconds`, one
  report per POST, spread over the servers; the reports are the scenario's own (new ids, the
  time of sending), so they open phase 1, enter phase 2 (escalation) and set the 72 h clock
  (a broader attack) as the real traffic would. Every POST's latency is measured from the
  moment it was due (open loop: a slow answer does not slow the offer). Each decision recorded
  during the load is timed from the acknowledgement of the report that completed its grounds
  (the latest first-report of the incidents it cites) to its `recorded_at`, and each webhook
  from the decision's `recorded_at` to its arrival;
- one clock step at N against one at `--small` (the servers' own steps during the load,
  from their logs).

Usage: .venv/bin/python benchmarks/live_loop.py [--reports 1000000] [--small 10000]
       [--rate 200] [--seconds 60] [--servers 2] [--repeat 3]
       [--db postgresql+psycopg://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import csv
import dataclasses
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from playwright.sync_api import sync_playwright
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, func, select, text

from api_load import api_load
from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.domain.scenario import generate
from ceasefire.domain.validation import REPORT_FIELDS, IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.services.live import adopt
from ceasefire.services.notify import add_channel
from ceasefire.services.users import add_user
from ceasefire.speed.clock_loop import catch_up, one_step
from ceasefire.store.agreement_store import agreement_named
from ceasefire.store.db import make_engine, reading, writing
from ceasefire.store.schema import decisions, outbox
from timing import escalation, free_port, new_record, running

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
AGREEMENT = "korea-model-demo"
PLAN = "coalition-three-phase"
YEAR_DAYS = 365
GAP_DAYS = 10  # the record ends this long before now: every track has stood down (168 h)
ROWS_PER_FILE = 50_000
console = Console(width=150)  # the table whole, in a terminal or piped to a file


class Records:
    """Where the built records are kept and how a run gets a fresh copy of one: PostgreSQL
    databases `cf_live_<N>` (a copy is `CREATE DATABASE ... TEMPLATE`), or SQLite files in
    the temporary folder (a copy is a file copy)."""

    def __init__(self, server: str, sqlite: bool) -> None:
        self.server = server
        self.sqlite = sqlite
        self.folder = Path(tempfile.gettempdir()) / "cf-live"
        self.folder.mkdir(exist_ok=True)

    def name(self, size: int, suffix: str = "") -> str:
        return f"cf_live_{size}{suffix}"

    def url(self, name: str) -> str:
        if self.sqlite:
            return f"sqlite:///{self.folder / name}.db"
        return f"{self.server}/{name}"

    def exists(self, size: int) -> bool:
        if self.sqlite:
            return (self.folder / f"{self.name(size)}.db").exists()
        with self._admin() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.name(size)}
            ).first()
        return found is not None

    def create(self, name: str, template: str | None = None) -> str:
        """A new database `name` (empty, or a copy of `template`); its URL."""
        if self.sqlite:
            path = self.folder / f"{name}.db"
            for old in self.folder.glob(f"{name}.db*"):
                old.unlink()
            if template is not None:
                shutil.copyfile(self.folder / f"{template}.db", path)
            return self.url(name)
        with self._admin() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            like = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{like}'))
        return self.url(name)

    def settle(self, name: str) -> None:
        """As a running site's maintenance would have: statistics and the visibility map
        (autovacuum is off on this machine), the SQLite write-ahead log folded in."""
        if self.sqlite:
            engine = make_engine(self.url(name))
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.exec_driver_sql("ANALYZE")
            engine.dispose()
            return
        engine = create_engine(self.url(name), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()

    def drop(self, name: str) -> None:
        if self.sqlite:
            for old in self.folder.glob(f"{name}.db*"):
                old.unlink()
            return
        with self._admin() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def rename(self, old: str, new: str) -> None:
        if self.sqlite:
            (self.folder / f"{old}.db").replace(self.folder / f"{new}.db")
            return
        with self._admin() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{new}" WITH (FORCE)'))
            connection.execute(text(f'ALTER DATABASE "{old}" RENAME TO "{new}"'))

    @contextmanager
    def _admin(self) -> Iterator[Any]:
        admin = create_engine(f"{self.server}/postgres", isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                yield connection
        finally:
            admin.dispose()


def build(records: Records, size: int) -> None:
    """The record of `size` reports (about) over a year ending GAP_DAYS ago, in its own
    database, imported in files of about ROWS_PER_FILE rows; the plan adopted and stepped."""
    name = records.name(size)
    started = time.perf_counter()
    url = records.create(records.name(size, "_building"))
    engine, loaded = new_record(url, AGREEMENT)
    end = utc_now() - timedelta(days=GAP_DAYS)
    start = end - timedelta(days=YEAR_DAYS)
    profile = escalation()
    probe = generate(
        profile, loaded.geography, loaded.classifier, start, start + timedelta(days=2), 1, UTC
    )
    per_day = len(probe) / 2
    profile = dataclasses.replace(
        profile, violations_per_day=profile.violations_per_day * size / YEAR_DAYS / per_day
    )
    days = max(1.0, YEAR_DAYS * ROWS_PER_FILE / size)
    stored = 0
    chunk = 0
    at = start
    with tempfile.TemporaryDirectory() as folder:
        while at < end:
            until = min(end, at + timedelta(days=days))
            rows = generate(profile, loaded.geography, loaded.classifier, at, until, chunk, UTC)
            path = Path(folder) / f"chunk-{chunk}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(REPORT_FIELDS)
                for row in rows:
                    row["external_id"] = f"y{chunk}-{row['external_id']}"
                    writer.writerow([row.get(field, "") for field in REPORT_FIELDS])
            outcome = ingest_files(
                engine, [path], rules=IngestRules(now=utc_now(), zone=UTC), clock=utc_now
            )
            if not outcome.ok:
                raise SystemExit(f"chunk {chunk} was not stored whole: {outcome}")
            stored += outcome.added
            path.unlink()
            console.print(
                f"  build {name}: {stored:,} reports to {until:%Y-%m-%d} "
                f"({time.perf_counter() - started:,.0f} s)"
            )
            at, chunk = until, chunk + 1
    adopt(engine, PLAN, counting="reported", clock=utc_now)
    engine.dispose()
    records.settle(records.name(size, "_building"))
    stepped = time.perf_counter()
    clock_once(url)
    console.print(f"  build {name}: first clock step {time.perf_counter() - stepped:,.0f} s")
    records.rename(records.name(size, "_building"), name)
    console.print(f"built {name}: {stored:,} reports in {time.perf_counter() - started:,.0f} s")


def clock_once(url: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "ceasefire", "--db", url, "clock", "--once"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


# The webhook receiver, a process of its own: in the load generator's process it waited for
# the interpreter lock behind thousands of requests in flight (one delivery "took" 7 s).
RECEIVER = """
import sys, time
from aiohttp import web
out = open(sys.argv[2], "a", buffering=1)
async def hook(request):
    await request.read()
    out.write(f"{request.headers['X-Ceasefire-Delivery']} {time.time()}\\n")
    return web.Response(status=204)
app = web.Application()
app.router.add_post("/hook", hook)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


class Hooks:
    """A webhook receiver in a process of its own: each delivery's id and arrival time."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.file = folder / "webhooks.txt"
        self.file.touch()
        command = [sys.executable, "-c", RECEIVER, str(self.port), str(self.file)]
        self._process = subprocess.Popen(command)
        for _ in range(300):
            try:
                httpx.get(self.url, timeout=1)  # answered 405: it listens
                break
            except httpx.TransportError:
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def arrivals(self) -> list[tuple[int, float]]:
        found = []
        for line in self.file.read_text(encoding="utf-8").splitlines():
            delivery, at = line.split()
            found.append((int(delivery), float(at)))
        return found

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)


@dataclasses.dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]
    started: float  # time.perf_counter() at launch
    answered: float = 0.0  # seconds to its first answer
    map_first: float = 0.0  # seconds to its first answer of the map's default window
    tracks_ready: float = 0.0  # seconds until /api/tracks answers (its first read of the record)


@contextmanager
def servers(url: str, count: int, clock_interval: float, logs: Path) -> Iterator[list[Server]]:
    """`count` `ceasefire serve` processes on the record, each with its clock, started
    together; yields once each answers."""
    started: list[Server] = []
    try:
        for k in range(count):
            port = free_port()
            log = (logs / f"serve-{k}.log").open("wb")
            command = [sys.executable, "-m", "ceasefire", "--db", url, "serve"]
            command += ["--port", str(port), "--clock-interval", str(clock_interval)]
            command += ["--log-level", "debug"]  # every clock step: when it read, how long
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            started.append(Server(f"http://127.0.0.1:{port}", process, time.perf_counter()))
        for server in started:
            while True:
                try:
                    httpx.get(f"{server.base}/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    if server.process.poll() is not None:
                        raise SystemExit(f"serve ended: see {logs}") from None
                    time.sleep(0.05)
            server.answered = time.perf_counter() - server.started
        yield started
    finally:
        for server in started:
            server.process.terminate()
        for server in started:
            server.process.wait(timeout=60)


def first_answers(found: list[Server], analyst: str) -> None:
    """Each server's first map answer and the moment its tracks answer (polling, as the
    dashboard does after a 503)."""
    headers = {"Authorization": f"Bearer {analyst}"}
    for server in found:
        httpx.get(
            f"{server.base}/api/map/incidents?days=7", headers=headers, timeout=600
        ).raise_for_status()
        server.map_first = time.perf_counter() - server.started
    for server in found:
        while True:
            answer = httpx.get(f"{server.base}/api/tracks", headers=headers, timeout=600)
            if answer.status_code == 200:
                break
            if answer.status_code != 503:
                answer.raise_for_status()
            time.sleep(0.2)
        server.tracks_ready = time.perf_counter() - server.started


def navigation(base: str, token: str, repeat: int) -> tuple[int, list[float]]:
    """Seconds from navigation to every incident of the default window drawn, headless."""
    columns = httpx.get(
        f"{base}/api/map/incidents?days=7",
        headers={"Authorization": f"Bearer {token}"},
        timeout=600,
    ).json()
    expected = sum(1 for lon in columns["lon"] if lon is not None)
    seconds = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.add_init_script(f"sessionStorage.setItem('ceasefire-token', {token!r});")
            page.goto(base)
            page.wait_for_function(
                f"Number(document.body.dataset.drawn) >= {expected}", timeout=300_000
            )
            seconds.append(page.evaluate("performance.now()") / 1000)
            page.close()
        browser.close()
    return expected, seconds


def load_rows(url: str, count: int, seed: int) -> list[dict[str, Any]]:
    """`count` reports of the scenario's own traffic (peak-day rate, along the whole line),
    to be sent with new ids and the time of sending."""
    engine = make_engine(url)
    with reading(engine) as connection:
        loaded = agreement_named(connection, AGREEMENT)
    engine.dispose()
    assert loaded is not None
    rows: list[dict[str, Any]] = []
    at = utc_now() - timedelta(days=60)
    while len(rows) < count:
        more = generate(
            escalation(), loaded.geography, loaded.classifier, at, at + timedelta(days=1), seed, UTC
        )
        rows.extend(more)
        at, seed = at + timedelta(days=1), seed + 1
    return rows[:count]


@dataclasses.dataclass
class Load:
    offered: int
    latencies: list[float]  # seconds from when each POST was due to its answer
    failed: int
    acknowledged: dict[str, float]  # external id -> time.time() of its 201
    started_at: float  # time.time() when the load began
    seconds: float


async def offer(
    bases: list[str], token: str, rows: list[dict[str, Any]], rate: float, tag: str
) -> Load:
    """Open loop: report k is due at start + k / rate whatever the answers before it."""
    acknowledged: dict[str, float] = {}
    latencies: list[float] = []
    failed = 0
    headers = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def post(k: int, due: float) -> None:
            nonlocal failed
            external = f"{tag}-{k}"
            sent = datetime.now(UTC) - timedelta(seconds=30)
            body = rows[k] | {"external_id": external, "observed_start": sent.isoformat()}
            try:
                async with session.post(
                    f"{bases[k % len(bases)]}/api/reports",
                    json=body,
                    headers=headers | {"Idempotency-Key": external},
                ) as answer:
                    await answer.read()
                    ok = answer.status == 201
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            latencies.append(time.perf_counter() - due)
            if ok:
                acknowledged[external] = time.time()
            else:
                failed += 1

        started_at = time.time()
        start = time.perf_counter()
        tasks = []
        for k in range(len(rows)):
            due = start + k / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(post(k, due)))
        await asyncio.gather(*tasks)
        seconds = time.perf_counter() - start
    return Load(len(rows), latencies, failed, acknowledged, started_at, seconds)


STEP_LINE = re.compile(r"clock step at (\S+) (?:took ([0-9.]+) s|skipped)")  # Stepped.line


@dataclasses.dataclass(frozen=True)
class Step:
    start: float  # time.time() of the step's `now`: it read every report acknowledged before
    end: float


def steps_logged(logs: Path) -> list[Step]:
    """The clock steps the servers took (not those they skipped), from their logs
    (`serve --log-level debug`), in order."""
    found = []
    for log in logs.glob("serve-*.log"):
        for match in STEP_LINE.finditer(log.read_text(encoding="utf-8", errors="replace")):
            if match.group(2) is not None:
                start = datetime.fromisoformat(match.group(1)).timestamp()
                found.append(Step(start, start + float(match.group(2))))
    return sorted(found, key=lambda s: s.start)


def report_latencies(load: Load, steps: list[Step]) -> list[float]:
    """For each acknowledged report: until the end of the first step that began after its
    acknowledgement (that step read it, so every decision it brings was recorded by then)."""
    starts = [s.start for s in steps]
    out = []
    for acked in load.acknowledged.values():
        k = bisect.bisect_left(starts, acked)
        if k < len(steps):
            out.append(steps[k].end - acked)
    return out


def decision_latencies(url: str, load: Load, steps: list[Step]) -> tuple[list[float], int]:
    """For each decision recorded during the load (withdrawals aside: they come with the
    decision that replaces them), an upper bound of its report's acknowledgement to its
    `recorded_at`: the step before the one that recorded it read every report acknowledged
    before it began and did not decide it, so the report that brought it was acknowledged
    after that step began. And how many decisions were recorded in all."""
    engine = make_engine(url)
    since = datetime.fromtimestamp(load.started_at, UTC)
    with reading(engine) as connection:
        decided = connection.execute(
            select(decisions.c.kind, decisions.c.known_at, decisions.c.recorded_at).where(
                decisions.c.recorded_at >= since
            )
        ).all()
    engine.dispose()
    starts = [s.start for s in steps]
    out = []
    for kind, known_at, recorded_at in decided:
        if kind == "withdrawn":
            continue
        k = bisect.bisect_left(starts, known_at.timestamp() - 1e-6)  # the step that decided
        if k > 0:
            out.append(recorded_at.timestamp() - starts[k - 1])
    return out, len(decided)


def webhook_latencies(url: str, hooks: Hooks, since: float) -> tuple[list[float], int, int]:
    """Decision recorded -> webhook received, for every delivery of a decision recorded since
    `since`; the deliveries received more than once; the deliveries queued but not received."""
    engine = make_engine(url)
    with reading(engine) as connection:
        rows = connection.execute(
            select(outbox.c.id, decisions.c.recorded_at)
            .join(decisions, decisions.c.decision_id == outbox.c.decision_id)
            .where(decisions.c.recorded_at >= datetime.fromtimestamp(since, UTC))
        ).all()
    engine.dispose()
    recorded = {int(i): at.timestamp() for i, at in rows}
    arrivals = Counter(i for i, _ in hooks.arrivals)
    first: dict[int, float] = {}
    for delivery, at in hooks.arrivals:
        first.setdefault(delivery, at)
    latencies = [first[i] - at for i, at in recorded.items() if i in first]
    twice = sum(1 for i, n in arrivals.items() if n > 1 and i in recorded)
    missing = sum(1 for i in recorded if i not in first)
    return latencies, twice, missing


def update_answers(
    base: str, monitor: str, analyst: str, rows: list[dict[str, Any]], tag: str, rounds: int
) -> tuple[list[float], list[float]]:
    """After each of `rounds` new reports: the map's default window and the tracks, as the
    dashboard refetches them (seconds, on loopback: the server's time to answer)."""
    maps, tracks = [], []
    reader = {"Authorization": f"Bearer {analyst}"}
    with httpx.Client(base_url=base, timeout=600) as http:
        for k in range(rounds):
            body = rows[k] | {
                "external_id": f"{tag}-update-{k}",
                "observed_start": (datetime.now(UTC) - timedelta(seconds=30)).isoformat(),
            }
            http.post(
                "/api/reports",
                json=body,
                headers={"Authorization": f"Bearer {monitor}", "Idempotency-Key": f"{tag}-u{k}"},
            ).raise_for_status()
            started = time.perf_counter()
            http.get("/api/map/incidents?days=7", headers=reader).raise_for_status()
            maps.append(time.perf_counter() - started)
            started = time.perf_counter()
            http.get("/api/tracks", headers=reader).raise_for_status()
            tracks.append(time.perf_counter() - started)
    return maps, tracks


def clock_steps(
    url: str, rows: list[dict[str, Any]], tag: str, rounds: int, batch: int
) -> tuple[float, list[float]]:
    """As a server's clock runs it, in this process: the first step (reading the record), then
    `rounds` of `batch` new reports (a monitor's import) and one step: seconds of each."""
    engine = make_engine(url)
    started = time.perf_counter()
    catch_up(engine, utc_now(), None)
    first = time.perf_counter() - started
    steps = []
    with tempfile.TemporaryDirectory() as folder:
        for k in range(rounds):
            path = Path(folder) / f"more-{k}.csv"
            with path.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(REPORT_FIELDS)
                for j, row in enumerate(rows[k * batch : (k + 1) * batch]):
                    more = row | {
                        "external_id": f"{tag}-step-{k}-{j}",
                        "observed_start": (utc_now() - timedelta(minutes=1)).isoformat(),
                    }
                    writer.writerow([more.get(field, "") for field in REPORT_FIELDS])
            ingest_files(engine, [path], rules=IngestRules(now=utc_now(), zone=UTC))
            started = time.perf_counter()
            one_step(engine, remind_every=timedelta(hours=1), agreement=None, worker="bench")
            steps.append(time.perf_counter() - started)
    engine.dispose()
    return first, steps


@dataclasses.dataclass
class Ceiling:
    latencies: list[float]  # the same open-loop offer, against the HTTP stack alone
    most: float  # requests a second the stack alone answers, 32 clients, closed loop


def ceiling(args: argparse.Namespace, rows: list[dict[str, Any]]) -> Ceiling:
    """The HTTP stack alone (`http_ceiling.py`: uvicorn, FastAPI, parse the body, 201): the
    load's own offer against it, then as many requests as 32 clients can make for 10 s."""
    port = free_port()
    here = str(Path(__file__).parent)
    command = [sys.executable, "-m", "uvicorn", "--app-dir", here, "http_ceiling:app"]
    with running([*command, "--port", str(port), "--log-level", "warning"], port) as base:
        offered = asyncio.run(offer([base], "none", rows, args.rate, "ceiling"))
        stored, _, _ = asyncio.run(api_load(base, "none", 32, 10, 1, "aiohttp"))
    return Ceiling(offered.latencies, stored / 10)


@dataclasses.dataclass
class Figures:
    size: int
    reports: int = 0
    start: list[float] = dataclasses.field(default_factory=list)
    map_first: list[float] = dataclasses.field(default_factory=list)
    tracks_ready: list[float] = dataclasses.field(default_factory=list)
    drawn: int = 0
    navigation: list[float] = dataclasses.field(default_factory=list)
    map_update: list[float] = dataclasses.field(default_factory=list)
    tracks_update: list[float] = dataclasses.field(default_factory=list)
    post: list[float] = dataclasses.field(default_factory=list)
    achieved: list[float] = dataclasses.field(default_factory=list)
    failed: int = 0
    to_step: list[float] = dataclasses.field(default_factory=list)
    to_decision: list[float] = dataclasses.field(default_factory=list)
    decisions: int = 0
    to_webhook: list[float] = dataclasses.field(default_factory=list)
    twice: int = 0
    missing: int = 0
    first_step: list[float] = dataclasses.field(default_factory=list)
    step: list[float] = dataclasses.field(default_factory=list)


def one_run(
    args: argparse.Namespace, records: Records, size: int, k: int, figures: Figures
) -> None:
    """One run on a fresh copy of the record of `size` reports."""
    # A name of its own each run: this process keeps what it read of each record by its URL.
    url = records.create(records.name(size, f"_run{k}"), template=records.name(size))
    engine = make_engine(url)
    with writing(engine) as connection:
        monitor = add_user(connection, "bench-monitor", Role.MONITOR, None, clock=utc_now)
        analyst = add_user(connection, "bench-analyst", Role.ANALYST, None, clock=utc_now)
        figures.reports = int(connection.execute(text("SELECT count(*) FROM reports")).scalar_one())
    logs = Path(tempfile.mkdtemp(prefix=f"cf-live-{size}-"))
    hooks = Hooks(logs)
    with writing(engine) as connection:
        add_channel(connection, "webhook", hooks.url, events=["phase", "action"], clock=utc_now)
    engine.dispose()
    tag = f"load{k}"
    offered = int(args.rate * args.seconds)
    rows = load_rows(url, offered + args.rounds * args.batch + 10, seed=1000 + k)
    console.print(f"[{size:,}] run {k + 1}: {args.servers} server(s) starting ...")
    with servers(url, args.servers, args.clock_interval, logs) as found:
        first_answers(found, analyst)
        for server in found:
            figures.start.append(server.answered)
            figures.map_first.append(server.map_first)
            figures.tracks_ready.append(server.tracks_ready)
        if not args.no_browser:
            figures.drawn, seconds = navigation(found[0].base, analyst, 1)
            figures.navigation.extend(seconds)
        maps, tracks = update_answers(found[0].base, monitor, analyst, rows[offered:], tag, 5)
        figures.map_update.extend(maps)
        figures.tracks_update.extend(tracks)
        console.print(f"[{size:,}] run {k + 1}: {args.rate:g} reports/s for {args.seconds:g} s ...")
        load = asyncio.run(offer([s.base for s in found], monitor, rows[:offered], args.rate, tag))
        figures.post.extend(load.latencies)
        figures.achieved.append(len(load.acknowledged) / load.seconds)
        figures.failed += load.failed
        # every notification of the load delivered (or a minute has passed)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            _, _, missing = webhook_latencies(url, hooks, load.started_at)
            if not missing:
                break
            time.sleep(0.5)
    hooks.stop()
    steps = steps_logged(logs)
    figures.to_step.extend(report_latencies(load, steps))
    to_decision, decided = decision_latencies(url, load, steps)
    figures.to_decision.extend(to_decision)
    figures.decisions += decided
    to_webhook, twice, missing = webhook_latencies(url, hooks, load.started_at)
    figures.to_webhook.extend(to_webhook)
    figures.twice += twice
    figures.missing += missing
    first, steps = clock_steps(url, rows[offered:], tag, args.rounds, args.batch)
    figures.first_step.append(first)
    figures.step.extend(steps)
    records.drop(records.name(size, f"_run{k}"))


def takeover(args: argparse.Namespace, records: Records, size: int) -> None:
    """Two servers on a fresh copy of the record, each done reading it; `kill -9` the one
    running the clock, file five reports that open phase 1 at the other, and time the first
    decision from the kill (the other took over and read only what it had not yet)."""
    url = records.create(records.name(size, "_takeover"), template=records.name(size))
    engine = make_engine(url)
    with writing(engine) as connection:
        monitor = add_user(connection, "bench-monitor", Role.MONITOR, None, clock=utc_now)
        analyst = add_user(connection, "bench-analyst", Role.ANALYST, None, clock=utc_now)
    logs = Path(tempfile.mkdtemp(prefix=f"cf-takeover-{size}-"))
    console.print(f"[{size:,}] takeover: 2 servers starting ...")
    with servers(url, 2, args.clock_interval, logs) as found:
        first_answers(found, analyst)
        said = [(logs / f"serve-{k}.log").read_text(encoding="utf-8") for k in range(2)]
        leader = next(k for k in range(2) if "this server runs the clock" in said[k])
        found[leader].process.kill()
        found[leader].process.wait()
        killed = time.time()
        with httpx.Client(base_url=found[1 - leader].base, timeout=60) as http:
            for k in range(5):  # a defending party's complaints of shelling, naming RU
                observed = datetime.now(UTC) - timedelta(seconds=30)
                body = {
                    "source_id": "ua-liaison",
                    "source_kind": "party_complaint",
                    "external_id": f"takeover-{k}",
                    "observed_start": observed.isoformat(),
                    "lon": 37.9,
                    "lat": 48.3 + k * 0.01,
                    "category": "artillery",
                    "alleged_party": "RU",
                }
                headers = {"Authorization": f"Bearer {monitor}", "Idempotency-Key": f"t{k}"}
                http.post("/api/reports", json=body, headers=headers).raise_for_status()
        acked = time.time()
        first = None
        while first is None and time.time() < killed + 300:
            with reading(engine) as connection:
                first = connection.execute(
                    select(func.min(decisions.c.recorded_at)).where(
                        decisions.c.recorded_at >= datetime.fromtimestamp(killed, UTC)
                    )
                ).scalar_one()
            time.sleep(0.1)
    engine.dispose()
    records.drop(records.name(size, "_takeover"))
    if first is None:
        console.print(f"[{size:,}] takeover: no decision within 300 s of the kill")
        return
    console.print(
        f"[{size:,}] takeover: the server running the clock killed; reports acknowledged by "
        f"the other {acked - killed:.2f} s later; the first decision recorded "
        f"{first.timestamp() - killed:.2f} s after the kill"
    )


def pct(values: list[float], q: int, scale: float = 1.0) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0] * scale:,.2f}"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[q - 1] * scale:,.2f}"


def both(values: list[float], scale: float = 1.0) -> str:
    return f"{pct(values, 50, scale)} / {pct(values, 99, scale)}"


def med(values: list[float], scale: float = 1.0) -> str:
    return f"{statistics.median(values) * scale:,.2f}" if values else "-"


def table(args: argparse.Namespace, small: Figures, large: Figures, stack: Ceiling) -> Table:
    database = "SQLite" if args.sqlite else "PostgreSQL"
    out = Table(
        title=f"The live loop: {args.servers} x serve on {database}, {args.rate:g} reports/s "
        f"offered for {args.seconds:g} s, {args.repeat} run(s) per size",
        title_justify="left",
    )
    out.add_column("figure")
    out.add_column(f"{small.reports:,} reports", justify="right")
    out.add_column(f"{large.reports:,} reports", justify="right")
    out.add_column("goal")
    out.add_row(
        "report acknowledged -> decision recorded (at most), p50 / p99 s",
        both(small.to_decision),
        both(large.to_decision),
        "p99 < 2 s",
    )
    out.add_row(
        "  decisions timed / recorded during the loads (withdrawals not timed)",
        f"{len(small.to_decision)} / {small.decisions}",
        f"{len(large.to_decision)} / {large.decisions}",
        "",
    )
    out.add_row(
        "  every report: acknowledged -> a clock step that read it done, p50 / p99 s",
        both(small.to_step),
        both(large.to_step),
        "",
    )
    out.add_row(
        "decision recorded -> webhook received, p50 / p99 s",
        both(small.to_webhook),
        both(large.to_webhook),
        "p99 < 2 s",
    )
    out.add_row(
        "  webhooks received / twice / never",
        f"{len(small.to_webhook)} / {small.twice} / {small.missing}",
        f"{len(large.to_webhook)} / {large.twice} / {large.missing}",
        "once each",
    )
    out.add_row(
        f"POST /api/reports at {args.rate:g}/s offered, p50 / p99 ms",
        both(small.post, 1000),
        both(large.post, 1000),
        "p99 < 250 ms",
    )
    out.add_row(
        "  the HTTP stack alone, same offer, p50 / p99 ms",
        both(stack.latencies, 1000),
        "",
        "the floor",
    )
    out.add_row(
        "  the HTTP stack alone, most requests/s (32 clients, closed loop)",
        f"{stack.most:,.0f}",
        "",
        "",
    )
    out.add_row(
        "  acknowledged per second (failed)",
        f"{med(small.achieved)} ({small.failed})",
        f"{med(large.achieved)} ({large.failed})",
        "",
    )
    ratio = statistics.median(large.step) / statistics.median(small.step)
    out.add_row(
        f"one clock step after {args.batch} new reports, median ms",
        med(small.step, 1000),
        med(large.step, 1000),
        f"ratio {ratio:.2f} < 2",
    )
    out.add_row(
        "  a process's first step (reading the whole record), s",
        med(small.first_step),
        med(large.first_step),
        "",
    )
    out.add_row(
        "dashboard: navigation to every incident of the default window drawn, s",
        med(small.navigation),
        med(large.navigation),
        "< 2 s at 1M",
    )
    out.add_row("  incidents drawn", f"{small.drawn:,}", f"{large.drawn:,}", "")
    out.add_row(
        "dashboard: answer after one new report, map / tracks, median ms",
        f"{med(small.map_update, 1000)} / {med(small.tracks_update, 1000)}",
        f"{med(large.map_update, 1000)} / {med(large.tracks_update, 1000)}",
        "< 100 ms at 1M",
    )
    out.add_row(
        "serve start: first answer / first map / tracks ready, median s",
        f"{med(small.start)} / {med(small.map_first)} / {med(small.tracks_ready)}",
        f"{med(large.start)} / {med(large.map_first)} / {med(large.tracks_ready)}",
        "first map < 5 s at 1M",
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--clock-interval", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5, help="Clock steps timed per run.")
    parser.add_argument("--batch", type=int, default=20, help="New reports before each step.")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--db", default=SERVER, help="The PostgreSQL server (no database).")
    parser.add_argument(
        "--sqlite", action="store_true", help="SQLite files instead (one server; try 100000)."
    )
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--takeover",
        action="store_true",
        help="Only the kill -9 of the clock's server, at each size.",
    )
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    records = Records(args.db, args.sqlite)
    if args.sqlite:
        args.servers = 1  # SQLite has one writing process
    for size in (args.small, args.reports):
        if args.rebuild or not records.exists(size):
            build(records, size)
    if args.build_only:
        return
    if args.takeover:
        for size in (args.small, args.reports):
            takeover(args, records, size)
        return
    small, large = Figures(args.small), Figures(args.reports)
    for k in range(args.repeat):  # alternating sizes, run by run
        one_run(args, records, args.small, k, small)
        one_run(args, records, args.reports, k, large)
    console.print("the HTTP stack alone ...")
    stack = ceiling(args, load_rows(records.url(records.name(args.small)), 1000, 0))
    console.print(table(args, small, large, stack))
    console.print(
        f"{os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}; "
        "the sizes alternate run by run, each run on a fresh copy of its record."
    )


if __name__ == "__main__":
    main()
