"""The audit trail's writer: each request's row, committed before its answer leaves, with the
rows of the other requests in flight in the same transaction.

A commit per request (a connection, a transaction, a wait for the disk) cost the service as
much as the request itself under load. Rows queue here and a thread writes whatever has
gathered in one transaction; each request still waits for its own row to be committed, so an
answer never leaves without its audit row, as before.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Engine

from ceasefire.store.db import writing
from ceasefire.store.schema import audit

log = logging.getLogger("ceasefire.audit")
MAX_ROWS = 1_000  # per transaction


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.Queue[tuple[dict[str, Any], Future[None]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def record(self, row: dict[str, Any]) -> Future[None]:
        """Queue a row; the future is done once it is committed (or its write failed, which
        is logged: the answer stands without it)."""
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="audit", daemon=True)
                self._thread.start()
        done: Future[None] = Future()
        self._queue.put((row, done))
        return done

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_ROWS:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[tuple[dict[str, Any], Future[None]]]) -> None:
        try:
            with writing(self.engine) as connection:
                connection.execute(audit.insert(), [row for row, _ in batch])
        except Exception:
            log.exception("could not write %d audit row(s)", len(batch))
        for _, done in batch:
            done.set_result(None)
