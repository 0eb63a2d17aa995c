"""Reports: filed one at a time or in batches, with retries made safe; listed with filters."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, create_model
from starlette.concurrency import run_in_threadpool

from ceasefire.api.params import Page, page_params, parse_bbox, parse_time
from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission, Role
from ceasefire.domain.canonical import canonical_json
from ceasefire.domain.taxonomy import categories_matching
from ceasefire.domain.validation import (
    REPORT_FIELDS,
    Accepted,
    IngestRules,
    Value,
    parse_report,
    unrepresentable,
)
from ceasefire.export.report_formats import to_json
from ceasefire.services.appender import Submission, field_path
from ceasefire.store.db import reading
from ceasefire.store.report_store import ReportFilter, count_reports, list_reports
from ceasefire.store.report_summary import load_sources

router = APIRouter(tags=["reports"])


def _needs_and_repeats(permission: Permission) -> dict[str, Any]:
    """The permission, and 200 for a batch of reports all already recorded."""
    route = needs(permission)
    route["responses"] = route["responses"] | {
        200: {"description": "Nothing new: every report was already in the record"}
    }
    return route


# One report, in the same fields as our CSV and JSON Lines formats (docs/records.md); the values are
# checked by the same validation as a file import, which names every problem.
ReportIn: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "ReportIn",
    __config__=ConfigDict(extra="forbid"),
    **dict.fromkeys(REPORT_FIELDS, (Value, None)),
)
MAX_BATCH = 5_000
# Up to this many reports are checked on the event loop (about 50 us each); a larger batch
# goes to a worker thread, so that one big batch does not hold up every other request.
CHECKED_INLINE = 20


@router.post(
    "/reports",
    status_code=201,
    summary="File one report or a batch (all or nothing); safe to retry",
    **_needs_and_repeats(Permission.REPORTS_CREATE),
)
async def post_reports(
    request: Request,
    body: ReportIn | list[ReportIn],  # type: ignore[valid-type]
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> JSONResponse:
    """A batch is stored whole or not at all. Reports already recorded with the same content
    are repeats (never stored twice); with other content, a conflict (409). With an
    `Idempotency-Key`, a retry of the same body gets the first answer again."""
    principal = principal_of(request)
    single = not isinstance(body, list)
    items: list[BaseModel] = list(body) if isinstance(body, list) else [body]
    if not items:
        raise HTTPException(422, "body: send at least one report")
    if len(items) > MAX_BATCH:
        raise HTTPException(413, f"at most {MAX_BATCH:,} reports in one request")
    state = request.app.state
    rules = IngestRules(now=state.clock(), zone=state.zone)
    if len(items) <= CHECKED_INLINE:
        request_sha, accepted, problems = _checked(items, rules, single)
    else:
        request_sha, accepted, problems = await run_in_threadpool(_checked, items, rules, single)
    if problems:
        return JSONResponse({"detail": "invalid reports", "problems": problems}, status_code=422)
    answer = await state.appender.submit_async(
        Submission(
            principal.name,
            accepted,
            idempotency_key,
            request_sha,
            batch=not single,
        )
    )
    return JSONResponse(answer.body, status_code=answer.status)


def _checked(
    items: list[BaseModel], rules: IngestRules, single: bool
) -> tuple[str, list[Accepted], list[dict[str, str]]]:
    """The body's digest (what a retry with the same key must match), the reports it holds,
    and every problem with their field paths."""
    payloads = [item.model_dump(exclude_unset=True) for item in items]
    unusable = [
        {"field": field_path(e.field, index, batch=not single), "reason": e.reason}
        for index, payload in enumerate(payloads)
        for e in unrepresentable(payload)
    ]
    if unusable:  # NaN or a lone surrogate: not even the body's digest can be written
        return "", [], unusable
    request_sha = hashlib.sha256(canonical_json({"reports": payloads}).encode()).hexdigest()
    return (request_sha, *_validate(payloads, rules, single))


def _validate(
    payloads: list[dict[str, Any]], rules: IngestRules, single: bool
) -> tuple[list[Accepted], list[dict[str, str]]]:
    accepted: list[Accepted] = []
    problems: list[dict[str, str]] = []
    for index, payload in enumerate(payloads):
        result = parse_report(payload, rules)
        if isinstance(result, Accepted):
            accepted.append(result)
        else:
            problems += [
                {"field": field_path(e.field, index, batch=not single), "reason": e.reason}
                for e in result
            ]
    return accepted, problems


@router.get(
    "/reports",
    summary="Reports, with the command line's filters (monitors see their own)",
    **needs(Permission.REPORTS_READ),
)
def get_reports(
    request: Request,
    since: Annotated[str | None, Query(description="Observed at or after (ISO 8601).")] = None,
    until: Annotated[str | None, Query(description="Observed before.")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    category: Annotated[str | None, Query(description="A category or family.")] = None,
    page: Page = page_params,
) -> dict[str, Any]:
    principal = principal_of(request)
    zone = request.app.state.zone
    categories = None
    if category is not None:
        try:
            categories = categories_matching(category)
        except ValueError as exc:
            raise HTTPException(422, f"category: {exc}") from None
    report_filter = ReportFilter(
        since=parse_time("since", since, zone, end=False),
        until=parse_time("until", until, zone, end=True),
        bbox=parse_bbox(bbox),
        categories=categories,
        submitted_by=principal.name if principal.role is Role.MONITOR else None,
        limit=page.limit,
        offset=page.offset,
    )
    with reading(request.app.state.engine) as connection:
        found = list_reports(connection, report_filter)
        total = count_reports(connection, _unpaged(report_filter))
        sources = load_sources(connection, {r.source_id for r in found})
    return {"items": to_json(found, sources), "total": total, **page.echo()}


def _unpaged(f: ReportFilter) -> ReportFilter:
    return replace(f, limit=None, offset=0)
