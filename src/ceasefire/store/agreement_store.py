"""Agreements in the record: each load of changed content is a new version and a ledger entry."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ceasefire.domain.canonical import canonical_json, sha256_hex
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement, loaded
from ceasefire.store.ledger_store import append_entry, lock_head
from ceasefire.store.schema import agreement_choices, agreements

AGREEMENT_LOADED = "AgreementLoaded"
AGREEMENT_CHOSEN = "AgreementChosen"


def store_agreement(
    connection: Connection,
    name: str,
    document: dict[str, Any],
    *,
    clock: Callable[[], datetime],
) -> tuple[int, bool]:
    """(version, whether it is new). Loading unchanged content again adds nothing."""
    lock_head(connection)  # hold appends off while the versions are compared
    payload = canonical_json(document)
    digest = sha256_hex(payload)
    latest = connection.execute(
        select(agreements.c.version, agreements.c.document_sha256)
        .where(agreements.c.name == name)
        .order_by(agreements.c.version.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.document_sha256 == digest:
        return int(latest.version), False
    version = 1 if latest is None else int(latest.version) + 1
    seq, recorded_at = append_entry(
        connection, clock, AGREEMENT_LOADED, f"{name}@{version}", payload
    )
    connection.execute(
        agreements.insert().values(
            name=name,
            version=version,
            document=payload,
            document_sha256=digest,
            loaded_at=recorded_at,
            ledger_seq=seq,
        )
    )
    return version, True


# Agreements rebuilt from the record, by (name, version, document hash): rebuilding one (its
# geometries in metres, the classifier's trees) takes seconds, and a stored version never
# changes, so a process builds each once. The hash guards against two databases that hold
# different documents under the same name and version.
_BUILT: dict[tuple[str, int, str], LoadedAgreement] = {}
_BUILT_LOCK = threading.Lock()


def latest_agreements(connection: Connection) -> list[LoadedAgreement]:
    newest = (
        select(agreements.c.name, func.max(agreements.c.version).label("version"))
        .group_by(agreements.c.name)
        .subquery()
    )
    query = (
        select(agreements.c.name, agreements.c.version, agreements.c.document_sha256)
        .join(
            newest,
            (newest.c.name == agreements.c.name) & (newest.c.version == agreements.c.version),
        )
        .order_by(agreements.c.name)
    )
    return [
        _built(connection, row.name, int(row.version), row.document_sha256)
        for row in connection.execute(query)
    ]


def _built(connection: Connection, name: str, version: int, sha256: str) -> LoadedAgreement:
    key = (name, version, sha256)
    with _BUILT_LOCK:
        found = _BUILT.get(key)
    if found is not None:
        return found
    document = connection.execute(
        select(agreements.c.document).where(
            agreements.c.name == name, agreements.c.version == version
        )
    ).scalar_one()
    agreement = loaded(name, version, json.loads(document))
    with _BUILT_LOCK:
        return _BUILT.setdefault(key, agreement)


def agreement_named(connection: Connection, name: str) -> LoadedAgreement | None:
    return next((a for a in latest_agreements(connection) if a.name == name), None)


class AgreementChoiceError(LookupError):
    """No agreement by that name, or several in the record and none named or in use."""


def choice_content(name: str, chosen_by: str) -> dict[str, str]:
    """What the ledger entry of a choice commits to (and `verify` recomputes from its row)."""
    return {"agreement": name, "chosen_by": chosen_by}


def choose_agreement(
    connection: Connection, name: str, chosen_by: str, *, clock: Callable[[], datetime]
) -> bool:
    """Make `name` the agreement commands mean when none is named: a ledger entry and a row.
    False (nothing written) when it already is."""
    lock_head(connection)
    if agreement_in_use(connection) == name:
        return False
    payload = canonical_json(choice_content(name, chosen_by))
    seq, recorded_at = append_entry(connection, clock, AGREEMENT_CHOSEN, name, payload)
    connection.execute(
        agreement_choices.insert().values(
            ledger_seq=seq, name=name, chosen_by=chosen_by, chosen_at=recorded_at
        )
    )
    return True


def agreement_in_use(connection: Connection) -> str | None:
    """The agreement last chosen with `agreement use`, if any (one indexed row)."""
    return connection.execute(
        select(agreement_choices.c.name).order_by(agreement_choices.c.ledger_seq.desc()).limit(1)
    ).scalar_one_or_none()


def default_name(connection: Connection) -> str | None:
    """The agreement a command means when it names none: the one chosen with `ceasefire
    agreement use`, else the record's only one; None when it holds none, or several and
    none was chosen."""
    names = [a.name for a in latest_agreements(connection)]
    chosen = agreement_in_use(connection) if len(names) > 1 else None
    if chosen in names:
        return chosen
    return names[0] if len(names) == 1 else None


def default_agreement(connection: Connection) -> LoadedAgreement | None:
    """`default_name`'s agreement; None when the record holds none, an error when it holds
    several and none was chosen."""
    loaded = latest_agreements(connection)
    name = default_name(connection)
    found = next((a for a in loaded if a.name == name), None)
    if found is None and loaded:
        names = ", ".join(a.name for a in loaded)
        raise AgreementChoiceError(
            f"the record holds several agreements ({names}): name one with --agreement, or "
            "set the default with `ceasefire agreement use NAME`"
        )
    return found


def named_or_only(connection: Connection, name: str | None) -> LoadedAgreement | None:
    """The named agreement, else the default (`default_agreement`); None when none is held."""
    if name is not None:
        found = agreement_named(connection, name)
        if found is None:
            raise AgreementChoiceError(f"--agreement: no agreement {name!r} in the record")
        return found
    return default_agreement(connection)


def commitments_first_recorded(connection: Connection, name: str) -> dict[str, datetime]:
    """When each commitment id first appeared in a loaded version of the agreement (a
    commitment added by an amendment is known from the amendment, not the first version)."""
    first: dict[str, datetime] = {}
    query = (
        select(agreements.c.document, agreements.c.loaded_at)
        .where(agreements.c.name == name)
        .order_by(agreements.c.version)
    )
    for row in connection.execute(query):
        listed = json.loads(row.document)["agreement"].get("commitments") or []
        for item in listed:
            if isinstance(item, dict) and "id" in item:
                first.setdefault(str(item["id"]), row.loaded_at)
    return first


def agreement_version_at(connection: Connection, name: str, at: datetime) -> LoadedAgreement | None:
    """The version of the agreement the record held at `at` (None before its first load), so
    a question about a past moment is answered with the terms in force in the record then."""
    row = connection.execute(
        select(agreements.c.version, agreements.c.document_sha256)
        .where(agreements.c.name == name, agreements.c.loaded_at <= at)
        .order_by(agreements.c.version.desc())
        .limit(1)
    ).first()
    return None if row is None else _built(connection, name, int(row.version), row.document_sha256)
