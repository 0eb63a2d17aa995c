"""Incidents, reviews, the parties' replies, violations and the public summary."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from ceasefire.api.params import Page, incident_window, page_params, parse_bbox
from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission, Principal, Role
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.incidents.assessment import IncidentStatus
from ceasefire.domain.incidents.book import incident_label, incident_number
from ceasefire.domain.incidents.disclosure import (
    concerns_party,
    incident_detail,
    incident_summary,
)
from ceasefire.domain.incidents.review import Action, Basis, Confidence, Review
from ceasefire.domain.incidents.selection import Selection, newest_first
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.domain.taxonomy import Severity
from ceasefire.services.incidents import (
    IncidentFilter,
    ReviewError,
    current_incident,
    incident_stories,
    record_review,
    source_map,
    terms_of,
)
from ceasefire.services.violations import violation_count, violation_rows
from ceasefire.speed.stories import cached_incident_stories
from ceasefire.store.agreement_store import (
    AgreementChoiceError,
    agreement_named,
    default_agreement,
)
from ceasefire.store.db import reading, writing

router = APIRouter(tags=["incidents"])

AgreementQuery = Annotated[
    str | None,
    Query(description="Whose clauses, parties and sectors (default: the one in use)."),
]


def agreement_for(connection: Connection, name: str | None) -> LoadedAgreement | None:
    if name is not None:
        loaded = agreement_named(connection, name)
        if loaded is None:
            raise HTTPException(404, f"no agreement {name!r} in the record")
        return loaded
    try:
        return default_agreement(connection)
    except AgreementChoiceError as exc:
        raise HTTPException(422, f"agreement: {exc}") from None


def concerns(story: IncidentStory, principal: Principal) -> bool:
    """A liaison sees only what is alleged against, or attributed to, its own party."""
    if principal.role is not Role.LIAISON:
        return True
    return principal.party is not None and concerns_party(story, principal.party)


def _number(text: str) -> int:
    number = incident_number(text)
    if number is None:
        raise HTTPException(404, f"{text!r} is not an incident id (like INC-42)")
    return number


@router.get("/incidents", summary="Incidents, newest first", **needs(Permission.INCIDENTS_READ))
def list_incidents(
    request: Request,
    since: Annotated[str | None, Query(description="Observed at or after.")] = None,
    until: Annotated[str | None, Query(description="Observed before.")] = None,
    status: IncidentStatus | None = None,
    sector: str | None = None,
    party: Annotated[str | None, Query(description="Attributed to this party.")] = None,
    min_severity: Severity | None = None,
    overdue: Annotated[bool, Query(description="Only replies overdue.")] = False,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    agreement: AgreementQuery = None,
    page: Page = page_params,
) -> dict[str, Any]:
    principal = principal_of(request)
    state = request.app.state
    window = incident_window(since, until, state.zone)
    selection = Selection(status, sector, party, min_severity, overdue, parse_bbox(bbox))
    now = state.clock()
    with reading(state.engine) as connection:
        stories = cached_incident_stories(connection, agreement_for(connection, agreement), window)
    chosen = newest_first((s for s in stories if concerns(s, principal)), selection, now)
    items = [incident_summary(s, principal.disclosure, now) for s in page.cut(chosen)]
    return {"items": items, "total": len(chosen), **page.echo()}


@router.get(
    "/incidents/{incident}",
    summary="One incident: reports, status history, attribution, clauses, replies",
    **needs(Permission.INCIDENTS_READ),
)
def show_incident(request: Request, incident: str, agreement: AgreementQuery = None) -> Any:
    principal = principal_of(request)
    state = request.app.state
    asked = _number(incident)
    with reading(state.engine) as connection:
        number = current_incident(connection, asked)
        if number is None:
            raise HTTPException(404, f"{incident_label(asked)}: no such incident")
        (story,) = incident_stories(
            connection,
            agreement_for(connection, agreement),
            IncidentFilter(numbers=frozenset({number})),
        )
        sources = source_map(connection, {r.source_id for r in story.members})
    if not concerns(story, principal):
        raise HTTPException(404, f"{incident_label(asked)}: no such incident")
    detail = incident_detail(story, sources, principal.disclosure, state.clock())
    if number != asked:
        detail["asked_as"] = incident_label(asked)
    return detail


class ReviewIn(BaseModel):
    action: Action = Field(description="verify, dispute, reject, attribute, merge or split")
    reason: str = Field("", max_length=4000)
    party: str = Field("", max_length=16, description="attribute: the party held responsible")
    basis: Basis | None = None
    confidence: Confidence | None = None
    other: str | None = Field(None, max_length=32, description="merge: the other incident")
    reports: list[str] = Field(default_factory=list, max_length=10_000, description="split")


@router.post(
    "/incidents/{incident}/reviews",
    status_code=201,
    summary="An analyst's review, recorded in the tamper-evident log",
    **needs(Permission.REVIEWS_CREATE),
)
def post_review(
    request: Request, incident: str, body: ReviewIn, agreement: AgreementQuery = None
) -> dict[str, Any]:
    principal = principal_of(request)
    if body.action is Action.RESPOND:
        raise HTTPException(422, "action: a party's reply goes to /incidents/{id}/replies")
    draft = Review(
        seq=0,
        incident=_number(incident),
        action=body.action,
        reviewer=principal.name,
        at=request.app.state.clock(),
        reason=body.reason,
        party=body.party,
        basis=body.basis,
        confidence=body.confidence,
        other=None if body.other is None else _number(body.other),
        reports=tuple(sorted(set(body.reports))),
    )
    return _record(request, draft, agreement)


class ReplyIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000, description="The party's reply")


@router.post(
    "/incidents/{incident}/replies",
    status_code=201,
    summary="A party's reply to what is alleged against it",
    **needs(Permission.REPLIES_CREATE),
)
def post_reply(
    request: Request, incident: str, body: ReplyIn, agreement: AgreementQuery = None
) -> dict[str, Any]:
    principal = principal_of(request)
    number = _number(incident)
    state = request.app.state
    with reading(state.engine) as connection:
        current = current_incident(connection, number)
        stories = (
            incident_stories(
                connection,
                agreement_for(connection, agreement),
                IncidentFilter(numbers=frozenset({current})),
            )
            if current is not None
            else []
        )
    if not stories or not concerns(stories[0], principal):
        raise HTTPException(404, f"{incident_label(number)}: no such incident")
    draft = Review(
        seq=0,
        incident=number,
        action=Action.RESPOND,
        reviewer=principal.name,
        at=state.clock(),
        party=principal.party or "",
        text=body.text,
    )
    return _record(request, draft, agreement)


def _record(request: Request, draft: Review, agreement: str | None) -> dict[str, Any]:
    state = request.app.state
    try:
        with writing(state.engine) as connection:
            terms = terms_of(agreement_for(connection, agreement))
            if not terms.parties and draft.action in (Action.ATTRIBUTE, Action.RESPOND):
                raise ReviewError("the record holds no agreement, so no parties: load one first")
            outcome = record_review(connection, draft, terms, clock=state.clock)
    except ReviewError as exc:
        raise HTTPException(422, str(exc)) from None
    return {
        "incident": incident_label(outcome.incident),
        "note": outcome.note,
        "ledger_seq": outcome.review.seq,
        "recorded_at": outcome.review.recorded_at.isoformat(),
        "by": outcome.review.reviewer,
    }


@router.get(
    "/violations",
    summary="Breaches of the agreement's clauses",
    **needs(Permission.VIOLATIONS_READ),
)
def list_violations(
    request: Request,
    since: str | None = None,
    until: str | None = None,
    party: str | None = None,
    clause: str | None = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    agreement: AgreementQuery = None,
    page: Page = page_params,
) -> dict[str, Any]:
    principal = principal_of(request)
    state = request.app.state
    box = parse_bbox(bbox)
    window = incident_window(since, until, state.zone)
    if principal.role is Role.LIAISON:
        party = principal.party
    with reading(state.engine) as connection:
        stories = cached_incident_stories(connection, agreement_for(connection, agreement), window)
    where = Selection(bbox=box)
    rows = violation_rows([s for s in stories if where.keeps(s, state.clock())])
    rows = [
        r
        for r in rows
        if (party is None or r["party"] == party) and (clause is None or r["clause"] == clause)
    ]
    return {
        "items": page.cut(rows),
        "total": len(rows),
        "violations": violation_count(rows),
        **page.echo(),
    }


@router.get(
    "/summary",
    summary="The public summary: incidents by status, sector and attributed party; no places",
    **needs(Permission.SUMMARY_READ),
)
def summary(
    request: Request,
    since: str | None = None,
    until: str | None = None,
    agreement: AgreementQuery = None,
) -> dict[str, Any]:
    state = request.app.state
    window = incident_window(since, until, state.zone)
    with reading(state.engine) as connection:
        stories = cached_incident_stories(connection, agreement_for(connection, agreement), window)
    verified = [s for s in stories if s.status is IncidentStatus.VERIFIED]
    violations = [s for s in stories if s.is_violation]
    return {
        "incidents": len(stories),
        "violations": len(violations),
        "violations_by_party": dict(Counter(s.violator for s in violations)),
        "by_status": dict(Counter(s.status.value for s in stories)),
        "by_sector": dict(Counter(s.sector or "none" for s in stories)),
        "verified_by_party": dict(
            Counter(
                s.attribution.party
                for s in verified
                if s.attribution is not None and not s.attribution.proposed
            )
        ),
    }
