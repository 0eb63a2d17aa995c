"""Who may do what, and where alerts go, on the record: every change to the service's users
and notification channels is a ledger entry, and `verify` holds the two tables to them.

Neither table is a report or a decision, but both decide what happens: a user's role decides
what it may read and record, a channel decides where a phase alert goes. An administrator who
could edit them unseen could make a monitor an analyst or point the guarantors' webhook
elsewhere. Their rows change (a revocation, a removal), so `verify` replays the entries into
the state the tables must be in and compares, rather than checking row by row. A channel's
secret is logged as its hash only; a token only ever was.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ceasefire.domain.canonical import utc_iso
from ceasefire.domain.ledger import Break, LedgerEntry
from ceasefire.store.schema import notify_channels, users

USER_ADDED = "UserAdded"
USER_REVOKED = "UserRevoked"
CHANNEL_ADDED = "ChannelAdded"
CHANNEL_REMOVED = "ChannelRemoved"
CONFIG_KINDS = frozenset({USER_ADDED, USER_REVOKED, CHANNEL_ADDED, CHANNEL_REMOVED})

_USER_FIELDS = ("name", "role", "party", "token_id", "token_sha256", "created_at", "revoked_at")
_CHANNEL_FIELDS = (
    "id",
    "kind",
    "target",
    "format",
    "events",
    "actors",
    "smtp",
    "secret_sha256",
    "created_at",
    "removed_at",
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc_iso(value)


def secret_digest(secret: str | None) -> str | None:
    return None if secret is None else hashlib.sha256(secret.encode()).hexdigest()


def user_content(row: Mapping[str, Any]) -> dict[str, Any]:
    """A user as the log records it (never a token: its secret's hash, as the table keeps)."""
    return {
        "name": row["name"],
        "role": row["role"],
        "party": row["party"],
        "token_id": row["token_id"],
        "token_sha256": row["token_sha256"],
        "created_at": _iso(row["created_at"]),
    }


def revocation_content(token_id: str, name: str, revoked_at: datetime) -> dict[str, Any]:
    return {"token_id": token_id, "name": name, "revoked_at": _iso(revoked_at)}


def channel_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "kind": row["kind"],
        "target": row["target"],
        "format": row["format"],
        "events": row["events"],
        "actors": row["actors"] or "",
        "smtp": row["smtp"],
        "secret_sha256": secret_digest(row["secret"]),
        "created_at": _iso(row["created_at"]),
    }


def removal_content(channel_id: int, removed_at: datetime) -> dict[str, Any]:
    return {"id": channel_id, "removed_at": _iso(removed_at)}


class ConfigCheck:
    """Replays user and channel entries as `verify` streams the log, then compares."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}  # by token id
        self.channels: dict[int, dict[str, Any]] = {}
        self._seq: dict[tuple[str, object], int] = {}

    def feed(self, entry: LedgerEntry) -> Break | None:
        if entry.kind not in CONFIG_KINDS:
            return None
        content = json.loads(entry.payload)
        if entry.kind == USER_ADDED:
            self.users[content["token_id"]] = content | {"revoked_at": None}
            self._seq[("user", content["token_id"])] = entry.seq
        elif entry.kind == USER_REVOKED:
            user = self.users.get(content["token_id"])
            if user is None:
                return Break(entry.seq, entry.subject_id, "revokes a user the log never added")
            user.update(name=content["name"], revoked_at=content["revoked_at"])
        elif entry.kind == CHANNEL_ADDED:
            self.channels[int(content["id"])] = content | {"removed_at": None}
            self._seq[("channel", int(content["id"]))] = entry.seq
        else:
            channel = self.channels.get(int(content["id"]))
            if channel is None:
                return Break(entry.seq, entry.subject_id, "removes a channel the log never added")
            channel["removed_at"] = content["removed_at"]
        return None

    def finish(self, connection: Connection) -> Break | None:
        have_users = {
            row.token_id: user_content(dict(row._mapping)) | {"revoked_at": _iso(row.revoked_at)}
            for row in connection.execute(select(users))
        }
        found = self._compare("users", "user", self.users, have_users, _USER_FIELDS)
        if found:
            return found
        have_channels = {
            int(row.id): channel_content(dict(row._mapping)) | {"removed_at": _iso(row.removed_at)}
            for row in connection.execute(select(notify_channels))
        }
        return self._compare(
            "notify_channels", "channel", self.channels, have_channels, _CHANNEL_FIELDS
        )

    def _compare(
        self,
        table: str,
        what: str,
        want: Mapping[Any, dict[str, Any]],
        have: Mapping[Any, dict[str, Any]],
        fields: tuple[str, ...],
    ) -> Break | None:
        for key in sorted(set(want) | set(have), key=str):
            logged, stored = want.get(key), have.get(key)
            seq = self._seq.get((what, key), 0)
            if logged is None:
                assert stored is not None
                label = stored.get("name") or stored.get("target")
                return Break(
                    0, table, f"{table} row {label!r} is not in the log (added outside it)"
                )
            label = logged.get("name") or logged.get("target")
            if stored is None:
                return Break(
                    seq, table, f"the {what} {label!r} the log holds is missing from {table}"
                )
            changed = [
                f"{name} is {stored.get(name)!r} in the table, {logged.get(name)!r} in the log"
                for name in fields
                if stored.get(name) != logged.get(name)
            ]
            if changed:
                return Break(
                    seq,
                    table,
                    f"{table} row {label!r} was changed outside the log: " + "; ".join(changed),
                )
        return None


def log_configuration(connection: Connection) -> int:
    """Enter the users and channels a record already holds into its log (a record migrating
    from before they were logged), each as it stands, revocations and removals included.
    Returns the number of entries written."""
    from ceasefire.clock import utc_now
    from ceasefire.domain.canonical import canonical_json
    from ceasefire.store.ledger_store import append_entry

    written = 0
    for row in connection.execute(select(users).order_by(users.c.created_at, users.c.token_id)):
        stored = dict(row._mapping)
        payload = canonical_json(user_content(stored))
        append_entry(connection, utc_now, USER_ADDED, stored["name"], payload)
        written += 1
        if stored["revoked_at"] is not None:
            content = revocation_content(stored["token_id"], stored["name"], stored["revoked_at"])
            append_entry(connection, utc_now, USER_REVOKED, stored["name"], canonical_json(content))
            written += 1
    for row in connection.execute(select(notify_channels).order_by(notify_channels.c.id)):
        stored = dict(row._mapping)
        subject = f"channel {stored['id']}"
        payload = canonical_json(channel_content(stored))
        append_entry(connection, utc_now, CHANNEL_ADDED, subject, payload)
        written += 1
        if stored["removed_at"] is not None:
            content = removal_content(int(stored["id"]), stored["removed_at"])
            append_entry(connection, utc_now, CHANNEL_REMOVED, subject, canonical_json(content))
            written += 1
    return written
