"""Reports written in prose: read by the extractor, stored as reports with how each field was
read, or only read (`store=false`) for an analyst to check first."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, tzinfo
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission, Role
from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.extraction.extract import Context
from ceasefire.domain.validation import Accepted, IngestRules, parse_report
from ceasefire.ingest.text_reader import TextOptions, paragraphs, read_paragraph, reference_time
from ceasefire.services.appender import Submission
from ceasefire.services.extraction import extraction_context
from ceasefire.store.db import reading
from ceasefire.store.extraction_store import extraction_of
from ceasefire.store.schema import report_submitters

router = APIRouter(tags=["reports"])
MAX_TEXT = 200_000  # characters: a day's field reports, not a book


class TextIn(BaseModel):
    """Prose, one report per paragraph, and who wrote it when."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    reference_time: str | None = Field(
        None, description="When it was written, for 'yesterday' (ISO 8601)."
    )
    lang: Literal["en", "uk", "ru"] = "en"
    source_id: str = "free-text"
    source_kind: str = "news_osint"
    source_org: str = ""
    source_reliability: str = "F"


@router.post(
    "/reports/text",
    summary="File reports written in prose: each paragraph read into a report's fields",
    **needs(Permission.REPORTS_CREATE),
)
def post_text(
    request: Request,
    body: TextIn,
    store: Annotated[bool, Query(description="false: only read, store nothing")] = True,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> JSONResponse:
    """Each paragraph comes back with what was read (value, words, rule, confidence) and the
    fields flagged for the analyst. Paragraphs that lack a date, a place or a category are
    not stored (their `problems` say why); the rest are stored as one submission."""
    state = request.app.state
    reference = _reference(body.reference_time, state.zone)
    options = TextOptions(
        body.source_id,
        body.source_kind,
        body.source_org,
        body.source_reliability,
        body.lang,
        reference,
    )
    rules = IngestRules(now=state.clock(), zone=state.zone)
    items, accepted, extractions = _read(
        body.text, options, extraction_context(state.zone, reference), rules
    )
    if not items:
        raise HTTPException(422, "text: no paragraph with words in it")
    if not accepted:
        problems = [
            {"field": f"paragraphs[{item['paragraph'] - 1}].{p['field']}", "reason": p["reason"]}
            for item in items
            for p in item["problems"]
        ]
        detail = "no paragraph could be read into a report"
        refused = {"detail": detail, "problems": problems, "paragraphs": items}
        return JSONResponse(refused, status_code=422 if store else 200)
    if not store:
        return JSONResponse({"stored": False, "paragraphs": items}, status_code=200)
    sha = hashlib.sha256(canonical_json(body.model_dump()).encode()).hexdigest()
    answer = state.appender.submit(
        Submission(
            principal_of(request).name,
            accepted,
            idempotency_key,
            sha,
            batch=True,
            extractions=extractions,
        )
    )
    if answer.status >= 400:  # a conflict with the record: nothing stored, the reasons given
        numbers = [item["paragraph"] for item in items if "report_id" in item]
        refused = answer.body | {"paragraphs": items}
        refused["problems"] = [_by_paragraph(p, numbers) for p in answer.body.get("problems", [])]
        return JSONResponse(refused, status_code=answer.status)
    body_out = {"stored": True, "paragraphs": items, "answer": answer.body}
    return JSONResponse(body_out, status_code=answer.status)


def _read(
    text: str, options: TextOptions, context: Context, rules: IngestRules
) -> tuple[list[dict[str, Any]], list[Accepted], dict[str, dict[str, Any]]]:
    """Each paragraph read and validated: what the client is shown, the reports to store and
    how each was read."""
    items: list[dict[str, Any]] = []
    accepted: list[Accepted] = []
    extractions: dict[str, dict[str, Any]] = {}
    for number, (line, paragraph) in enumerate(paragraphs(text), start=1):
        record = read_paragraph(f"line {line}", paragraph, number, options, context)
        item: dict[str, Any] = {"paragraph": number, "line": line, "extraction": record.extraction}
        result = None if record.problem else parse_report(record.fields, rules)
        if isinstance(result, Accepted):
            item["report_id"] = result.report.report_id
            accepted.append(result)
            extractions.setdefault(result.report.report_id, dict(record.extraction or {}))
        else:
            errors = [record.problem] if record.problem else (result or [])
            item["problems"] = [{"field": e.field, "reason": e.reason} for e in errors]
        items.append(item)
    return items, accepted, extractions


_REPORT_INDEX = re.compile(r"^reports\[(\d+)\]")


def _by_paragraph(problem: dict[str, str], numbers: list[int]) -> dict[str, str]:
    """The writer numbers the reports it was given; the client sent paragraphs."""
    field = _REPORT_INDEX.sub(
        lambda m: f"paragraphs[{numbers[int(m[1])] - 1}]", problem.get("field", "")
    )
    return problem | {"field": field}


def _reference(text: str | None, zone: tzinfo) -> datetime | None:
    try:
        return reference_time(text, zone)
    except ValueError as exc:
        raise HTTPException(422, f"reference_time: {exc}") from None


@router.get(
    "/reports/{report_id}/extraction",
    summary="How a report filed in prose was read: per field the words, rule and confidence",
    **needs(Permission.REPORTS_READ),
)
def get_extraction(request: Request, report_id: str) -> dict[str, Any]:
    principal = principal_of(request)
    with reading(request.app.state.engine) as connection:
        if principal.role is Role.MONITOR:
            mine = connection.execute(
                select(report_submitters.c.report_id).where(
                    report_submitters.c.report_id == report_id,
                    report_submitters.c.user == principal.name,
                )
            ).first()
            if mine is None:
                raise HTTPException(404, f"no report {report_id!r} filed by you")
        found = extraction_of(connection, report_id)
    if found is None:
        raise HTTPException(404, f"no report {report_id!r} read from prose")
    return found
