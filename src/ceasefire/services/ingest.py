"""Importing report files: read, validate, store what is new in one transaction, and account
for every record (added, repeated, skipped, rejected with its reason).

Every input record ends up in exactly one of those counts. Rejected originals are written to a
rejects file in the input's own format beside it, so they can be fixed and imported again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from ceasefire.domain.incidents.book import IncidentBook
from ceasefire.domain.intake import IntakePlan
from ceasefire.domain.validation import Accepted, FieldError, IngestRules, parse_report
from ceasefire.ingest.formats import detect_format, open_file
from ceasefire.ingest.records import FileProblem, ParsedFile, RawRecord, read_text
from ceasefire.ingest.text_reader import TextOptions, TextReading
from ceasefire.services.extraction import extraction_context
from ceasefire.services.incidents import Grouping, group_new_reports
from ceasefire.speed.collector import collector_paused
from ceasefire.store.agreement_store import latest_agreements
from ceasefire.store.db import ANALYZE_AFTER_ROWS, refresh_statistics, writing
from ceasefire.store.extraction_store import append_new_extractions
from ceasefire.store.geography_store import classify_and_store
from ceasefire.store.ledger_store import ChainHead
from ceasefire.store.report_store import append_reports

Progress = Callable[[str, int, int], None]  # (file, position, total)


@dataclass(frozen=True, slots=True)
class Rejection:
    where: str
    errors: tuple[FieldError, ...]

    def lines(self) -> list[str]:
        return [f"{self.where}: {error}" for error in self.errors]


@dataclass(slots=True)
class FileOutcome:
    path: Path
    format_name: str = ""
    records: int = 0
    accepted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    rejections: list[Rejection] = field(default_factory=list)
    rejected_originals: list[Any] = field(default_factory=list)
    problem: FileProblem | None = None
    rejects_path: Path | None = None
    writer: ParsedFile | None = None


@dataclass(slots=True)
class IngestOutcome:
    files: list[FileOutcome]
    added: int = 0
    repeats: int = 0
    sources_added: int = 0
    stored: bool = True
    grouping: Grouping | None = None

    @property
    def rejected(self) -> int:
        return sum(len(f.rejections) for f in self.files)

    @property
    def failed_files(self) -> int:
        return sum(1 for f in self.files if f.problem is not None)

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.failed_files == 0


@dataclass(frozen=True, slots=True)
class _Pending:
    accepted: Accepted
    outcome: FileOutcome
    record: RawRecord


def ingest_files(
    engine: Engine,
    paths: Sequence[Path],
    *,
    rules: IngestRules,
    format_name: str | None = None,
    all_or_nothing: bool = False,
    rejects_dir: Path | None = None,
    progress: Progress | None = None,
    clock: Callable[[], datetime] | None = None,
    text: TextOptions | None = None,
) -> IngestOutcome:
    """Import the files as one transaction. With `all_or_nothing`, any rejected record or
    unreadable file means nothing at all is stored. `clock` stamps the record time once the
    write lock is held (default: the validation time, `rules.now`). `text`: who prose files
    come from and when they were written (default: an unjudged news source, no reference)."""
    options = _Options(
        format_name,
        all_or_nothing,
        rejects_dir,
        progress,
        clock or (lambda: rules.now),
        text or TextOptions(),
    )
    with collector_paused():
        return _ingest(engine, paths, rules, options)


@dataclass(frozen=True, slots=True)
class _Options:
    format_name: str | None
    all_or_nothing: bool
    rejects_dir: Path | None
    progress: Progress | None
    clock: Callable[[], datetime]
    text: TextOptions = field(default_factory=TextOptions)


def _ingest(
    engine: Engine, paths: Sequence[Path], rules: IngestRules, options: _Options
) -> IngestOutcome:
    outcomes: list[FileOutcome] = []
    pending: list[_Pending] = []
    for path in paths:
        outcome, accepted = _read_file(
            path, rules, options.format_name, options.progress, options.text
        )
        outcomes.append(outcome)
        pending.extend(accepted)
    result = IngestOutcome(outcomes)
    if options.all_or_nothing and not result.ok:
        result.stored = False
    elif pending:
        _store(engine, pending, result, options)
    _write_all_rejects(outcomes, options.rejects_dir)
    return result


def read_reports(
    path: Path, rules: IngestRules, format_name: str | None = None
) -> tuple[FileOutcome, list[Accepted]]:
    """Read and validate one file without storing anything (for `classify`)."""
    outcome, pending = _read_file(path, rules, format_name, None)
    return outcome, [item.accepted for item in pending]


def _read_file(
    path: Path,
    rules: IngestRules,
    format_name: str | None,
    progress: Progress | None,
    text_options: TextOptions | None = None,
) -> tuple[FileOutcome, list[_Pending]]:
    outcome = FileOutcome(path)
    pending: list[_Pending] = []
    try:
        text = read_text(path)
        name = format_name or detect_format(path, text)
        reading = None
        if name == "text":
            prose = text_options or TextOptions()
            reading = TextReading(prose, extraction_context(rules.zone, prose.reference))
        parsed = open_file(path, text, name, reading)
        outcome.format_name, outcome.writer = parsed.format_name, parsed
        for record in parsed.records:
            outcome.records += 1
            accepted = _validate(record, rules, outcome)
            if accepted is not None:
                pending.append(_Pending(accepted, outcome, record))
            if progress and outcome.records % 1000 == 0:
                progress(str(path), record.position, parsed.total)
        if progress:
            progress(str(path), parsed.total, parsed.total)
    except FileProblem as problem:
        # A file that breaks part-way (bad CSV quoting) is refused whole: storing its first
        # half would leave the user to work out where to resume.
        outcome.problem = problem
        return outcome, []
    outcome.accepted = len(pending)
    return outcome, pending


def _validate(record: RawRecord, rules: IngestRules, outcome: FileOutcome) -> Accepted | None:
    if record.skip_reason:
        outcome.skipped[record.skip_reason] = outcome.skipped.get(record.skip_reason, 0) + 1
        return None
    if record.problem:
        _reject(outcome, record, [record.problem])
        return None
    result = parse_report(record.fields, rules)
    if isinstance(result, Accepted):
        return result
    named = [FieldError(record.column_names.get(e.field, e.field), e.reason) for e in result]
    _reject(outcome, record, named)
    return None


def _reject(outcome: FileOutcome, record: RawRecord, errors: Sequence[FieldError]) -> None:
    outcome.rejections.append(Rejection(record.where, tuple(errors)))
    outcome.rejected_originals.append(record.original)


class _Rollback(Exception):
    pass


# The tables an import adds a row to for each report.
GROWN_BY_IMPORT = (
    "ledger",
    "reports",
    "report_geography",
    "report_submitters",
    "incident_members",
    "incident_links",
)


def _store(
    engine: Engine, pending: list[_Pending], result: IngestOutcome, options: _Options
) -> None:
    try:
        with writing(engine) as connection:
            plan, grouping = store_accepted(
                connection, [p.accepted for p in pending], clock=options.clock
            )
            append_new_extractions(
                connection,
                options.clock,
                (prepared.report.report_id for prepared in plan.reports),
                (
                    (p.accepted.report.report_id, p.record.extraction)
                    for p in pending
                    if p.record.extraction is not None
                ),
            )
            for conflict in plan.conflicts:
                item = pending[conflict.index]
                name = item.record.column_names.get(conflict.field, conflict.field)
                _reject(item.outcome, item.record, [FieldError(name, conflict.reason)])
                item.outcome.accepted -= 1
            if options.all_or_nothing and plan.conflicts:
                raise _Rollback
    except _Rollback:
        result.stored = False
        return
    result.added, result.repeats = len(plan.reports), plan.repeats
    result.grouping = grouping
    result.sources_added = len(plan.sources)
    if result.added >= ANALYZE_AFTER_ROWS:
        refresh_statistics(engine, GROWN_BY_IMPORT)


def store_accepted(
    connection: Connection,
    batch: Sequence[Accepted],
    *,
    clock: Callable[[], datetime],
    head: ChainHead | None = None,
    book: IncidentBook | None = None,
) -> tuple[IntakePlan, Grouping]:
    """Record what is new in a validated batch, place it against every agreement and group it
    into incidents, all inside the caller's transaction (files and the API share this).
    `head`: as `append_reports` takes it; `book`: as `group_new_reports` takes it."""
    plan, seqs = append_reports(connection, batch, clock=clock, head=head)
    new_reports = [prepared.report for prepared in plan.reports]
    for agreement in latest_agreements(connection):
        classify_and_store(connection, agreement, new_reports)
    grouping = group_new_reports(connection, list(zip(new_reports, seqs, strict=True)), book)
    return plan, grouping


def _write_all_rejects(outcomes: Sequence[FileOutcome], rejects_dir: Path | None) -> None:
    """Write each file's rejects beside it (or in `rejects_dir`). Two inputs whose rejects
    would share a name get numbered names rather than overwrite each other; a stale rejects
    file is removed only when no input of this run claims it."""
    targets: dict[Path, list[FileOutcome]] = {}
    for outcome in outcomes:
        if outcome.writer is not None:
            folder = rejects_dir or outcome.path.parent
            target = folder / (outcome.path.stem + outcome.writer.rejects_suffix)
            targets.setdefault(target, []).append(outcome)
    for target, claimants in targets.items():
        with_rejects = [o for o in claimants if o.rejected_originals]
        for number, outcome in enumerate(with_rejects):
            name = target if len(with_rejects) == 1 else _numbered(target, number + 1)
            assert outcome.writer is not None
            outcome.writer.write_rejects(name, outcome.rejected_originals)
            outcome.rejects_path = name
        if not with_rejects and target.exists():
            target.unlink()


def _numbered(target: Path, number: int) -> Path:
    """reports.rejects.csv -> reports.rejects.2.csv"""
    return target.with_name(f"{target.stem}.{number}{target.suffix}")
