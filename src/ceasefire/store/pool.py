"""How many database connections a serving process keeps: plain values, without SQLAlchemy,
so that `ceasefire serve --help` can show the default without loading the database layer.
`db` re-exports them."""

from __future__ import annotations

from typing import Any

SERVER_CONNECTIONS = 20  # per serving process; PostgreSQL allows 100 by default


def server_pool(connections: int = SERVER_CONNECTIONS) -> dict[str, Any]:
    """Pool options for a serving process: `connections` kept open and no more.

    SQLAlchemy's default (5 kept, 10 more opened on demand and closed on return) made a busy
    server open and close a PostgreSQL connection for most requests, a new backend process
    each time: a quarter of the request threads' time. With the pool this size, a request
    beyond it waits for a connection to come back, which takes milliseconds."""
    return {"pool_size": connections, "max_overflow": 0, "pool_timeout": 60}
