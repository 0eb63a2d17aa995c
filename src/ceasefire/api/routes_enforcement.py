"""The plan's tracks, decisions and actions; acknowledgements; agreements and their zones."""

from __future__ import annotations

import json
from functools import partial
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from ceasefire.api.params import Page, page_params, parse_time
from ceasefire.api.security import needs, principal_of
from ceasefire.domain.access import Permission, Role
from ceasefire.services.geography import held_area_features, place_labels, zone_features
from ceasefire.services.live import (
    AcknowledgementError,
    AdoptionError,
    acknowledge_action,
    action_view,
    answer_phase_gate,
    open_actions,
    statuses,
)
from ceasefire.speed.clock_loop import catch_up_in_background, caught_up
from ceasefire.speed.plan_runs import kept_timeline
from ceasefire.speed.stories import StillTelling
from ceasefire.speed.violations import violations_now
from ceasefire.store.agreement_store import agreement_named, default_name, latest_agreements
from ceasefire.store.db import reading, writing
from ceasefire.store.enforcement_store import acknowledged, decision_rows

router = APIRouter(tags=["enforcement"])
TRACKS_WAIT_SECONDS = 2.0  # how long /api/tracks waits for a first telling of the record
STILL_READING = "the server is reading the record; try again in a few seconds"


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()


@router.get("/tracks", summary="Each party's phase, T0 and clocks", **needs(Permission.ENGINE_READ))
def tracks(request: Request, agreement: str | None = None) -> dict[str, Any]:
    state = request.app.state
    # A server starting reads every incident and replays each plan once (a minute at a
    # million reports), on a thread of its own, not this request's: until then, say so.
    ready = caught_up(state.engine)
    if not ready.is_set():
        catch_up_in_background(state.engine)
        if not ready.wait(TRACKS_WAIT_SECONDS):
            raise HTTPException(503, STILL_READING, headers={"Retry-After": "5"})
    try:
        # From what this process keeps between steps (the clock's violations and runs): the
        # dashboard asks after every change, and folding the record each time grows with it.
        found = statuses(
            state.engine,
            state.clock(),
            agreement,
            violations=partial(violations_now, wait=TRACKS_WAIT_SECONDS),
            decided_by=partial(kept_timeline, wait=TRACKS_WAIT_SECONDS),
        )
    except AdoptionError as exc:
        raise HTTPException(422, str(exc)) from None
    except StillTelling as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
    return {
        plan: [
            {
                "party": t.party,
                "phase": t.phase,
                "phase_name": t.phase_name,
                "since": _iso(t.since),
                "t0": _iso(t.t0),
                "rule": t.rule,
                "entered_by": t.entered_by,
                "clocks": [{"what": what, "at": when.isoformat()} for what, when in t.clocks],
                "awaiting": None
                if t.awaiting is None
                else {
                    "phase": t.awaiting[0],
                    "confirm_by": list(t.awaiting[1]),
                    "since": t.awaiting[2].isoformat(),
                },
            }
            for t in items
        ]
        for plan, items in found.items()
    }


@router.get("/decisions", summary="Recorded decisions", **needs(Permission.ENGINE_READ))
def decisions(
    request: Request,
    plan: str | None = None,
    since: Annotated[str | None, Query(description="Taking effect at or after.")] = None,
    until: Annotated[str | None, Query(description="Taking effect before.")] = None,
    page: Page = page_params,
) -> dict[str, Any]:
    state = request.app.state
    start = parse_time("since", since, state.zone, end=False)
    end = parse_time("until", until, state.zone, end=True)
    with reading(state.engine) as connection:
        rows = decision_rows(connection, plan)
        acks = acknowledged(connection)
    rows = [
        r
        for r in rows
        if (start is None or r["effective_at"] >= start)
        and (end is None or r["effective_at"] < end)
    ]
    items = [
        json.loads(r["content"])
        | {
            "decision_id": r["decision_id"],
            "recorded_at": r["recorded_at"].isoformat(),
            "acknowledged_by": {
                a: t.isoformat() for a, t in acks.get(r["decision_id"], {}).items()
            },
        }
        for r in page.cut(rows)
    ]
    return {"items": items, "total": len(rows), **page.echo()}


@router.get(
    "/actions",
    summary="Open actions, overdue ones marked, with who has acknowledged and who still owes",
    **needs(Permission.ACTIONS_READ),
)
def actions(
    request: Request,
    actor: Annotated[
        str | None, Query(description="Only what this actor still owes (GB, US, RU, ...).")
    ] = None,
    page: Page = page_params,
) -> dict[str, Any]:
    """A party's liaison sees only what is addressed to its party (a notice, a warning)."""
    principal = principal_of(request)
    state = request.app.state
    if principal.role is Role.LIAISON:
        actor = principal.party
    with reading(state.engine) as connection:
        found = open_actions(connection, state.clock(), actor=actor)
    items = [action_view(a) for a in page.cut(found)]
    return {"items": items, "total": len(found), **page.echo()}


class AckIn(BaseModel):
    note: str = Field("", max_length=4000, description="What the actor says")


@router.post(
    "/actions/{decision_id}/ack",
    status_code=201,
    summary="A guarantor acknowledges its action, or a liaison a notice to its party; "
    "that actor's reminders stop",
    **needs(Permission.ACTIONS_ACK),
)
def ack(request: Request, decision_id: str, body: AckIn) -> dict[str, Any]:
    principal = principal_of(request)
    state = request.app.state
    try:
        with writing(state.engine) as connection:
            when = acknowledge_action(
                connection, decision_id, principal.party or "", body.note, clock=state.clock
            )
    except AcknowledgementError as exc:
        code = 404 if "not a recorded action" in str(exc) else 422
        raise HTTPException(code, str(exc)) from None
    return {"decision_id": decision_id, "actor": principal.party, "at": when.isoformat()}


class AnswerIn(BaseModel):
    phase: int = Field(ge=2, le=3, description="The phase awaiting confirmation")
    confirm: bool = Field(description="true: enter it; false: decline (recorded)")
    reason: str = Field(min_length=1, max_length=4000, description="Why (recorded)")


@router.post(
    "/tracks/{party}/answer",
    status_code=201,
    summary="A confirmer the plan names confirms or declines a gated phase of a track",
    **needs(Permission.ACTIONS_ACK),
)
def answer(request: Request, party: str, body: AnswerIn, plan: str | None = None) -> dict[str, Any]:
    principal = principal_of(request)
    state = request.app.state
    try:
        name, record = answer_phase_gate(
            state.engine,
            party.upper(),
            body.phase,
            confirmed=body.confirm,
            by=principal.party or "",
            reason=body.reason,
            clock=state.clock,
            plan=plan,
            violations=partial(violations_now, wait=TRACKS_WAIT_SECONDS),
            decided_by=partial(kept_timeline, wait=TRACKS_WAIT_SECONDS),
        )
    except AdoptionError as exc:
        raise HTTPException(422, str(exc)) from None
    except StillTelling as exc:
        raise HTTPException(503, str(exc), headers={"Retry-After": "5"}) from None
    return {
        "plan": name,
        "party": record.party,
        "phase": record.phase,
        "t0": record.t0.isoformat(),
        "confirmed": record.confirmed,
        "by": record.by,
    }


_BASEMAP: dict[str, Any] = {}


@router.get(
    "/basemap",
    summary="The bundled boundaries for an offline map: countries and Ukraine's oblasts",
    **needs(Permission.GEOGRAPHY_READ),
)
def basemap() -> dict[str, Any]:
    """Natural Earth countries and geoBoundaries oblasts (© OpenStreetMap contributors, ODbL),
    as shipped with the package: no tile server needed."""
    if not _BASEMAP:
        folder = resources.files("ceasefire.data") / "geo"
        _BASEMAP["countries"] = json.loads((folder / "countries.geojson").read_text("utf-8"))
        _BASEMAP["admin_areas"] = json.loads(
            (folder / "ukraine_oblasts.geojson").read_text("utf-8")
        )
    return _BASEMAP


@router.get("/agreements", summary="Agreements in the record", **needs(Permission.GEOGRAPHY_READ))
def agreements(request: Request) -> list[dict[str, Any]]:
    with reading(request.app.state.engine) as connection:
        found = latest_agreements(connection)
        in_use = default_name(connection)
    return [
        {
            "name": a.name,
            "in_use": a.name == in_use,  # what a request naming no agreement means
            "version": a.version,
            "title": a.spec.title,
            "parties": a.spec.parties,
            "effective_from": a.spec.effective_from.isoformat(),
            "effective_until": _iso(a.spec.effective_until),
            "dmz_half_width_km": a.spec.dmz_half_width_km,
            "clauses": [
                {"id": c.clause_id, "kind": c.kind.value, "text": c.text} for c in a.spec.clauses
            ],
            "reply_period_hours": a.spec.reply_period.total_seconds() / 3600,
        }
        for a in found
    ]


@router.get(
    "/agreements/{name}/zones",
    summary="The line, the DMZ, withdrawal zones and sectors as GeoJSON (RFC 7946)",
    **needs(Permission.GEOGRAPHY_READ),
)
def zones(request: Request, name: str) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": zone_features(_agreement(request, name))}


def _agreement(request: Request, name: str) -> Any:
    """The named agreement as the record holds it, or 404."""
    with reading(request.app.state.engine) as connection:
        loaded = agreement_named(connection, name)
    if loaded is None:
        raise HTTPException(404, f"no agreement {name!r} in the record")
    return loaded


@router.get(
    "/agreements/{name}/control",
    summary="Who holds what: the area the agreement's first control rule gives a party (GeoJSON)",
    **needs(Permission.GEOGRAPHY_READ),
)
def control(request: Request, name: str) -> dict[str, Any]:
    features = held_area_features(_agreement(request, name))
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/places",
    summary="Town names for the map, from the bundled gazetteer (GeoNames, CC BY 4.0)",
    **needs(Permission.GEOGRAPHY_READ),
)
def places(
    min_population: Annotated[
        int, Query(ge=500, description="Towns of at least this many")
    ] = 10_000,
) -> list[dict[str, Any]]:
    return place_labels(min_population)
