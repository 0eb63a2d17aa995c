"""Checking the whole record: the hash chain, and every read table against the log.

One pass in log order, so the first problem found is the earliest entry that no longer
matches, whether the log itself or a read row derived from it was changed. Times are read as
stored and parsed here, so a value someone garbled is reported at its entry, not as a crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Label,
    Table,
    Text,
    or_,
    select,
    type_coerce,
)

from ceasefire.domain.canonical import canonical_json, sha256_hex, source_content, utc_iso
from ceasefire.domain.intake import REPORT_RECEIVED, SOURCE_REGISTERED
from ceasefire.domain.ledger import Break, ChainCheck, LedgerEntry
from ceasefire.store.agreement_store import AGREEMENT_CHOSEN, AGREEMENT_LOADED, choice_content
from ceasefire.store.commitment_store import RECORD_KINDS, SUBJECT_FIELD, persons_problem
from ceasefire.store.config_log import ConfigCheck
from ceasefire.store.enforcement_store import (
    ACTION_ACKNOWLEDGED,
    DECISION_RECORDED,
    PHASE_ANSWERED,
    PLAN_ADOPTED,
    PLAN_MIGRATED,
    AnswerRecord,
    MigrationRecord,
    answer_content,
    migration_content,
)
from ceasefire.store.extraction_store import REPORT_EXTRACTED
from ceasefire.store.incident_store import INCIDENT_REVIEWED
from ceasefire.store.ledger_store import entry_count
from ceasefire.store.log_check import (
    HeldCheckpoint,
    TreeCheck,
    TreeReport,
    cosignature_problem,
    log_verifiers,
    stored_checkpoints,
)
from ceasefire.store.report_rows import row_content, source_from_row
from ceasefire.store.schema import (
    acknowledgements,
    agreement_choices,
    agreements,
    commitment_records,
    decisions,
    ledger,
    log_keys,
    log_witnesses,
    phase_answers,
    plan_migrations,
    plans,
    report_extractions,
    reports,
    reviews,
    sources,
)
from ceasefire.store.transparency_store import (
    LOG_KEY_ADOPTED,
    WITNESS_ADDED,
    entry_leaf_hash,
    key_content,
    witness_content,
)
from ceasefire.store.types import UtcDateTime

_PAGE = 5_000
_REPORT_PREFIX = "r_"
_SOURCE_PREFIX = "s_"
_AGREEMENT_PREFIX = "a_"
_PLAN_PREFIX = "p_"
_DECISION_PREFIX = "d_"
_ACK_PREFIX = "k_"
_REVIEW_PREFIX = "v_"
_COMMITMENT_PREFIX = "c_"
_EXTRACTION_PREFIX = "x_"
_CHOICE_PREFIX = "ac_"
_MIGRATION_PREFIX = "pm_"
_ANSWER_PREFIX = "pa_"
_KEY_PREFIX = "lk_"
_WITNESS_PREFIX = "lw_"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    entries_checked: int
    first_break: Break | None
    head_seq: int = 0
    head_hash: str = ""
    tree: TreeReport | None = None  # the Merkle tree's root, and the checkpoints it matched


def verify(
    connection: Connection,
    on_progress: Callable[[int, int], None] | None = None,
    held_outside: Sequence[HeldCheckpoint] = (),
) -> VerifyResult:
    """Check every entry; `on_progress(done, total)` is called after each page. The tree the
    entries make is held against every checkpoint the server signed and `held_outside` (a
    checkpoint a party kept): a history rewritten and re-hashed after a checkpoint, or cut
    short of it, is caught there. Run it in a `store.db.snapshot` when others may be
    appending: it compares tables read in many statements."""
    total = entry_count(connection)
    check = ChainCheck()
    done, head = 0, (0, "")
    held, found = stored_checkpoints(connection, log_verifiers(connection))
    if found:
        return VerifyResult(0, found)
    tree = TreeCheck(connection, [*held, *held_outside])
    config = ConfigCheck()
    for page in _pages(connection):
        for row in page:
            found = _entry_problem(check, tree, config, row)
            if found:
                return VerifyResult(done, found, *head)
            done += 1
            head = (int(row["seq"]), str(row["entry_hash"]))
        if on_progress:
            on_progress(done, total)
    found = (
        tree.finish()
        or cosignature_problem(connection)
        or config.finish(connection)
        or _orphan_row(connection)
    )
    return VerifyResult(done, found, *head, tree=tree.report)


def _entry_problem(
    check: ChainCheck, tree: TreeCheck, config: ConfigCheck, row: Mapping[str, Any]
) -> Break | None:
    values = {c.name: row[c.name] for c in ledger.columns}
    try:
        values["recorded_at"] = _moment(values["recorded_at"])
    except ValueError as exc:
        return Break(int(row["seq"]), str(row["subject_id"]), f"recorded_at unreadable ({exc})")
    entry = LedgerEntry(**values)
    return (
        check.feed(entry)
        or _projection_problem(entry, row)
        or config.feed(entry)
        or tree.feed(entry.seq, entry_leaf_hash(entry))
    )


def _moment(value: object) -> datetime:
    """A stored time as a UTC datetime, whether the driver gave text (SQLite) or a datetime."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value!r} has no time zone")
        return value.astimezone(UTC)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def _raw(column: Column[Any], label: str) -> Label[Any]:
    """Time columns come back as stored; everything else as usual."""
    if isinstance(column.type, UtcDateTime):
        return type_coerce(column, Text).label(label)
    return column.label(label)


_PROJECTIONS = (
    (_REPORT_PREFIX, reports),
    (_SOURCE_PREFIX, sources),
    (_AGREEMENT_PREFIX, agreements),
    (_PLAN_PREFIX, plans),
    (_DECISION_PREFIX, decisions),
    (_ACK_PREFIX, acknowledgements),
    (_REVIEW_PREFIX, reviews),
    (_COMMITMENT_PREFIX, commitment_records),
    (_EXTRACTION_PREFIX, report_extractions),
    (_CHOICE_PREFIX, agreement_choices),
    (_MIGRATION_PREFIX, plan_migrations),
    (_ANSWER_PREFIX, phase_answers),
    (_KEY_PREFIX, log_keys),
    (_WITNESS_PREFIX, log_witnesses),
)


def _pages(connection: Connection) -> Iterator[list[dict[str, Any]]]:
    """The log with the read rows each entry produced, a page at a time: the page's entries,
    then each read table's rows for that range of entries, one query a table (joining the
    fourteen tables to every entry cost more than everything else `verify` does)."""
    base = select(*[_raw(c, c.name) for c in ledger.columns]).order_by(ledger.c.seq).limit(_PAGE)
    projections = [
        (prefix, table, select(*[_raw(c, prefix + c.name) for c in table.columns]))
        for prefix, table in _PROJECTIONS
    ]
    after = 0
    while True:
        rows: list[dict[str, Any]] = [
            dict(row._mapping) for row in connection.execute(base.where(ledger.c.seq > after))
        ]
        if not rows:
            return
        by_seq = {row["seq"]: row for row in rows}
        first, last = rows[0]["seq"], rows[-1]["seq"]
        for prefix, table, query in projections:
            in_page = query.where(table.c.ledger_seq >= first, table.c.ledger_seq <= last)
            for found in connection.execute(in_page):
                values = found._mapping
                row = by_seq.get(values[prefix + "ledger_seq"])
                if row is not None:
                    row.update(values)
        yield rows
        after = last


def _unprefixed(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    values = {k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)}
    return None if all(v is None for v in values.values()) else values


def _projection_problem(entry: LedgerEntry, row: Mapping[str, Any]) -> Break | None:
    problem: str | None = None
    try:
        if entry.kind == REPORT_RECEIVED:
            problem = _report_problem(entry, _unprefixed(row, _REPORT_PREFIX))
        elif entry.kind == SOURCE_REGISTERED:
            problem = _source_problem(entry, _unprefixed(row, _SOURCE_PREFIX))
        elif entry.kind == AGREEMENT_LOADED:
            problem = _agreement_problem(entry, _unprefixed(row, _AGREEMENT_PREFIX))
        elif entry.kind == PLAN_ADOPTED:
            problem = _plan_problem(entry, _unprefixed(row, _PLAN_PREFIX))
        elif entry.kind == DECISION_RECORDED:
            problem = _decision_problem(entry, _unprefixed(row, _DECISION_PREFIX))
        elif entry.kind == ACTION_ACKNOWLEDGED:
            problem = _ack_problem(entry, _unprefixed(row, _ACK_PREFIX))
        elif entry.kind == INCIDENT_REVIEWED:
            problem = _review_problem(entry, _unprefixed(row, _REVIEW_PREFIX))
        elif entry.kind == REPORT_EXTRACTED:
            problem = _extraction_problem(entry, _unprefixed(row, _EXTRACTION_PREFIX))
        elif entry.kind == AGREEMENT_CHOSEN:
            problem = _choice_problem(entry, _unprefixed(row, _CHOICE_PREFIX))
        elif entry.kind == PLAN_MIGRATED:
            problem = _migration_problem(entry, _unprefixed(row, _MIGRATION_PREFIX))
        elif entry.kind == PHASE_ANSWERED:
            problem = _answer_problem(entry, _unprefixed(row, _ANSWER_PREFIX))
        elif entry.kind == WITNESS_ADDED:
            problem = _witness_problem(entry, _unprefixed(row, _WITNESS_PREFIX))
        elif entry.kind == LOG_KEY_ADOPTED:
            problem = _key_problem(entry, _unprefixed(row, _KEY_PREFIX))
        elif entry.kind in RECORD_KINDS:
            problem = _commitment_problem(entry, _unprefixed(row, _COMMITMENT_PREFIX))
    except (ValueError, KeyError, TypeError) as exc:
        problem = f"its row no longer reads as what the log recorded ({exc})"
    return Break(entry.seq, entry.subject_id, problem) if problem else None


def _report_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its report row is missing from the reports table (deleted)"
    if row["report_id"] != entry.subject_id:
        return f"the reports row for this entry is {row['report_id']!r}, not the entry's report"
    for name in ("observed_start", "observed_end", "received_at"):
        row[name] = _moment(row[name])
    content = row_content(row)
    if sha256_hex(canonical_json(content)) != entry.payload_sha256:
        return "its report row differs from the log: " + _differences(entry.payload, content)
    if row["received_at"] != entry.recorded_at:
        return (
            f"its report row says received at {row['received_at'].isoformat()}, "
            f"the log says {entry.recorded_at.isoformat()}"
        )
    return None


def _source_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its source row is missing from the sources table (deleted)"
    if row["source_id"] != entry.subject_id:
        return f"the sources row for this entry is {row['source_id']!r}, not the entry's source"
    content = source_content(source_from_row(row))
    if sha256_hex(canonical_json(content)) != entry.payload_sha256:
        return "its source row differs from the log: " + _differences(entry.payload, content)
    return None


def _agreement_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its agreement row is missing from the agreements table (deleted)"
    label = f"{row['name']}@{row['version']}"
    if label != entry.subject_id:
        return f"the agreements row for this entry is {label}, not {entry.subject_id}"
    if sha256_hex(row["document"]) != entry.payload_sha256:
        return f"agreement {label} differs from the log"
    if _moment(row["loaded_at"]) != entry.recorded_at:
        logged = entry.recorded_at.isoformat()
        return f"agreement {label} says loaded at {row['loaded_at']}, the log says {logged}"
    return None


def _plan_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its plans row is missing (deleted)"
    label = f"{row['name']}@{row['version']}"
    content = {
        "plan": row["name"],
        "version": row["version"],
        "content_sha256": row["content_sha256"],
        "document": json.loads(row["document"]),
    }
    if label != entry.subject_id or sha256_hex(canonical_json(content)) != entry.payload_sha256:
        return f"plan {label} differs from what the log recorded"
    return None


def _migration_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its plan_migrations row is missing (deleted)"
    record = MigrationRecord(
        row["party"], _moment(row["t0"]), int(row["from_version"]), int(row["to_version"])
    )
    content = migration_content(row["plan"], record, row["reason"], row["migrated_by"])
    if _migrated(row) != entry.subject_id or (
        sha256_hex(canonical_json(content)) != entry.payload_sha256
    ):
        return f"migration {_migrated(row)} differs from what the log recorded"
    return None


def _answer_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its phase_answers row is missing (deleted)"
    record = AnswerRecord(
        row["party"],
        int(row["phase"]),
        _moment(row["t0"]),
        bool(row["confirmed"]),
        row["answered_by"],
        row["reason"],
    )
    content = answer_content(row["plan"], record)
    if _answered(row) != entry.subject_id or (
        sha256_hex(canonical_json(content)) != entry.payload_sha256
    ):
        return f"answer {_answered(row)} differs from what the log recorded"
    return None


def _answered(row: Mapping[str, Any]) -> str:
    return f"{row['plan']}/{row['party']}/{row['phase']}"


def _migrated(row: Mapping[str, Any]) -> str:
    return f"{row['plan']}/{row['party']}@{row['to_version']}"


def _choice_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its agreement_choices row is missing (deleted)"
    content = choice_content(row["name"], row["chosen_by"])
    if (
        row["name"] != entry.subject_id
        or sha256_hex(canonical_json(content)) != entry.payload_sha256
    ):
        return "the agreement in use differs from what the log recorded: " + _differences(
            entry.payload, content
        )
    if _moment(row["chosen_at"]) != entry.recorded_at:
        return "its agreement_choices row's time differs from the log's"
    return None


def _decision_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its decisions row is missing (deleted)"
    if row["decision_id"] != entry.subject_id or sha256_hex(row["content"]) != entry.payload_sha256:
        return "its decisions row differs from the log: " + _differences(
            entry.payload, json.loads(row["content"])
        )
    content = json.loads(row["content"])
    for column in ("party", "kind", "phase", "action", "revises"):
        if row[column] != content[column]:
            return f"its decisions row says {column} {row[column]!r}, the log {content[column]!r}"
    if utc_iso(_moment(row["effective_at"])) != content["effective_at"]:
        logged = content["effective_at"]
        return f"its decisions row says effective at {row['effective_at']}, the log {logged}"
    return None


def _ack_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its acknowledgements row is missing (deleted)"
    content = {"decision_id": row["decision_id"], "actor": row["actor"], "note": row["note"]}
    if f"{row['decision_id']}/{row['actor']}" != entry.subject_id:
        return "its acknowledgements row is for another action or actor"
    if sha256_hex(canonical_json(content)) != entry.payload_sha256:
        return "its acknowledgements row differs from the log: " + _differences(
            entry.payload, content
        )
    return None


def _review_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its reviews row is missing (deleted)"
    if _reviewed(row) != entry.subject_id:
        return f"its reviews row is {_reviewed(row)}, not {entry.subject_id}"
    changed = _stored_content_problem("reviews", entry, row)
    if changed:
        return changed
    content = json.loads(row["content"])
    if row["reviewer"] != content["reviewer"]:
        logged = content["reviewer"]
        return f"its reviews row names {row['reviewer']!r} as reviewer, the log {logged!r}"
    return _recorded_at_problem("reviews", entry, row)


def _commitment_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its commitment_records row is missing (deleted)"
    if row["record_id"] != entry.subject_id or row["kind"] != entry.kind:
        return f"its commitment_records row is {row['kind']} {row['record_id']}, not the entry's"
    subject = json.loads(entry.payload).get(SUBJECT_FIELD[entry.kind])
    if row["subject"] != subject:
        return f"its commitment_records row is filed under {row['subject']!r}, the log {subject!r}"
    return _stored_content_problem("commitment_records", entry, row) or _recorded_at_problem(
        "commitment_records", entry, row
    )


def _extraction_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its report_extractions row is missing (deleted)"
    if row["report_id"] != entry.subject_id:
        return f"its report_extractions row is for {row['report_id']}, not {entry.subject_id}"
    return _stored_content_problem("report_extractions", entry, row) or _recorded_at_problem(
        "report_extractions", entry, row
    )


def _key_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its log_keys row is missing (deleted)"
    content = key_content(row["origin"], row["vkey"], row["reason"], row["adopted_by"])
    return _registered_problem("log_keys", entry, content, row["origin"], row, "adopted_at")


def _witness_problem(entry: LedgerEntry, row: dict[str, Any] | None) -> str | None:
    if row is None:
        return "its log_witnesses row is missing (deleted)"
    content = witness_content(row["name"], row["vkey"], row["party"], row["added_by"])
    return _registered_problem("log_witnesses", entry, content, row["name"], row, "added_at")


def _registered_problem(
    table: str,
    entry: LedgerEntry,
    content: dict[str, str],
    name: str,
    row: dict[str, Any],
    time_column: str,
) -> str | None:
    """A registered key's row (the log's, a witness's) against its entry: its content, its
    `name+id` subject and its time."""
    if sha256_hex(canonical_json(content)) != entry.payload_sha256:
        return f"its {table} row differs from the log: " + _differences(entry.payload, content)
    if f"{name}+{row['key_id']}" != entry.subject_id:
        return f"its {table} row names {name}+{row['key_id']}, not {entry.subject_id}"
    if _moment(row[time_column]) != entry.recorded_at:
        return f"its {table} row says {time_column} {row[time_column]}, the log otherwise"
    return None


def _stored_content_problem(table: str, entry: LedgerEntry, row: dict[str, Any]) -> str | None:
    """For rows that keep the entry's payload as their `content`: whether it still hashes to
    what the log recorded, and if not, which fields differ."""
    if sha256_hex(row["content"]) == entry.payload_sha256:
        return None
    return f"its {table} row differs from the log: " + _differences(
        entry.payload, json.loads(row["content"])
    )


def _recorded_at_problem(table: str, entry: LedgerEntry, row: dict[str, Any]) -> str | None:
    if _moment(row["recorded_at"]) == entry.recorded_at:
        return None
    logged = entry.recorded_at.isoformat()
    return f"its {table} row says recorded at {row['recorded_at']}, the log {logged}"


def _differences(payload: str, content: dict[str, Any]) -> str:
    logged = json.loads(payload)
    changed = [
        f"{key} is {content.get(key)!r} in the table, {logged.get(key)!r} in the log"
        for key in sorted(set(logged) | set(content))
        if logged.get(key) != content.get(key)
    ]
    return "; ".join(changed) or "the encodings differ"


def _orphan_row(connection: Connection) -> Break | None:
    """A read row that no log entry accounts for (inserted behind the log's back)."""
    for table, key, kind in (
        (reports, reports.c.report_id, REPORT_RECEIVED),
        (sources, sources.c.source_id, SOURCE_REGISTERED),
    ):
        query = (
            select(key, table.c.ledger_seq)
            .select_from(table.outerjoin(ledger, ledger.c.seq == table.c.ledger_seq))
            .where(or_(ledger.c.seq.is_(None), ledger.c.subject_id != key, ledger.c.kind != kind))
            .limit(1)
        )
        row = connection.execute(query).first()
        if row is not None:
            return _orphan(table.name, str(row[0]), int(row[1]))
    for table, kind, subject in _FACT_TABLES:
        link = table.outerjoin(ledger, ledger.c.seq == table.c.ledger_seq)
        entry_subject, entry_kind = (
            ledger.c.subject_id.label("e_subject"),
            ledger.c.kind.label("e_kind"),
        )
        query = select(table, entry_subject, entry_kind).select_from(link)
        for row in connection.execute(query):
            label = subject(dict(row._mapping))
            if row.e_subject != label or row.e_kind != kind:
                return _orphan(table.name, label, int(row.ledger_seq))
    return _commitment_orphan(connection)


def _commitment_orphan(connection: Connection) -> Break | None:
    link = commitment_records.outerjoin(ledger, ledger.c.seq == commitment_records.c.ledger_seq)
    query = select(
        commitment_records.c.record_id,
        commitment_records.c.kind,
        commitment_records.c.ledger_seq,
        ledger.c.subject_id,
        ledger.c.kind.label("e_kind"),
    ).select_from(link)
    for row in connection.execute(query):
        if row.subject_id != row.record_id or row.e_kind != row.kind:
            return _orphan("commitment_records", row.record_id, int(row.ledger_seq))
    found = persons_problem(connection)
    return None if found is None else Break(*found)


def _versioned(row: Mapping[str, Any]) -> str:
    return f"{row['name']}@{row['version']}"


def _decision(row: Mapping[str, Any]) -> str:
    return str(row["decision_id"])


def _acknowledgement(row: Mapping[str, Any]) -> str:
    return f"{row['decision_id']}/{row['actor']}"


def _reviewed(row: Mapping[str, Any]) -> str:
    return f"INC-{row['incident_no']}/{row['action']}"


# Tables whose every row a ledger entry of a kind records, and the entry's subject for a row.
_FACT_TABLES: tuple[tuple[Table[Any], str, Callable[[Mapping[str, Any]], str]], ...] = (
    (agreements, AGREEMENT_LOADED, _versioned),
    (plans, PLAN_ADOPTED, _versioned),
    (decisions, DECISION_RECORDED, _decision),
    (acknowledgements, ACTION_ACKNOWLEDGED, _acknowledgement),
    (reviews, INCIDENT_REVIEWED, _reviewed),
    (report_extractions, REPORT_EXTRACTED, lambda row: str(row["report_id"])),
    (agreement_choices, AGREEMENT_CHOSEN, lambda row: str(row["name"])),
    (plan_migrations, PLAN_MIGRATED, _migrated),
    (phase_answers, PHASE_ANSWERED, _answered),
    (log_keys, LOG_KEY_ADOPTED, lambda row: f"{row['origin']}+{row['key_id']}"),
    (log_witnesses, WITNESS_ADDED, lambda row: f"{row['name']}+{row['key_id']}"),
)


def _orphan(table: str, key: str, seq: int) -> Break:
    reason = f"{table} row {key!r} is not what ledger entry {seq} recorded (added outside the log)"
    return Break(seq, key, reason)
