"""`ceasefire incidents list|show|rebuild`, `review`, `violations list`."""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import replace
from datetime import tzinfo
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from ceasefire.cli.context import AppState, err, fail, out, require_agreement, styled, time_zone
from ceasefire.clock import utc_now
from ceasefire.domain.incidents.vocabulary import Action, Basis, Confidence, IncidentStatus, Role
from ceasefire.domain.taxonomy import Severity

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
    from ceasefire.domain.incidents.review import Review
    from ceasefire.services.incidents import IncidentFilter
    from ceasefire.store.incident_check import Regrouping

app = typer.Typer(help="Incidents: reports of one event, grouped, reviewed.", no_args_is_help=True)
violations_app = typer.Typer(help="Violations of the agreement's clauses.", no_args_is_help=True)

AgreementOption = Annotated[
    str | None,
    typer.Option(
        help="Agreement whose clauses, parties and sectors apply (default: the agreement in use)."
    ),
]
RoleOption = Annotated[
    Role,
    typer.Option("--as", help="Show what this role may see: non-analysts never see sources."),
]
TzOption = Annotated[str, typer.Option("--tz", help="Zone for times given without an offset.")]


def agreement_or_only(engine: Engine, name: str | None) -> LoadedAgreement | None:
    """The named agreement, the record's default one, or None when it holds none."""
    from ceasefire.store.agreement_store import AgreementChoiceError, default_agreement
    from ceasefire.store.db import reading

    if name is not None:
        return require_agreement(engine, name)
    with reading(engine) as connection:
        try:
            return default_agreement(connection)
        except AgreementChoiceError as exc:
            raise fail(str(exc)) from None


def _window(since: str | None, until: str | None, zone: tzinfo) -> IncidentFilter:
    from ceasefire.cli.reports_cmd import parse_time
    from ceasefire.services.incidents import IncidentFilter

    return IncidentFilter(
        parse_time("--since", since, zone, end=False), parse_time("--until", until, zone, end=True)
    )


def _number(text: str, what: str = "incident") -> int:
    from ceasefire.domain.incidents.book import incident_number

    number = incident_number(text)
    if number is None:
        raise fail(f"{what}: {text!r} is not an incident id (like INC-42)")
    return number


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    status: Annotated[IncidentStatus | None, typer.Option(help="Only this status.")] = None,
    sector: Annotated[str | None, typer.Option(help="Only incidents in this sector.")] = None,
    party: Annotated[str | None, typer.Option(help="Only incidents attributed to it.")] = None,
    min_severity: Annotated[Severity | None, typer.Option(help="This severity or graver.")] = None,
    since: Annotated[str | None, typer.Option(help="Observed at or after.")] = None,
    until: Annotated[str | None, typer.Option(help="Observed before.")] = None,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only those whose party's reply is overdue.")
    ] = False,
    agreement: AgreementOption = None,
    role: RoleOption = Role.ANALYST,
    tz: TzOption = "Europe/Kyiv",
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table|json|geojson")] = "table",
) -> None:
    """List incidents, newest first."""
    from ceasefire.domain.incidents.disclosure import incident_summary
    from ceasefire.domain.incidents.selection import Selection, newest_first
    from ceasefire.export.report_formats import dump_json, point_feature
    from ceasefire.services.incidents import incident_stories
    from ceasefire.store.db import reading

    if output_format not in ("table", "json", "geojson"):
        raise fail(f"--format: {output_format!r} is not one of table, json, geojson")
    state: AppState = ctx.obj
    engine = state.engine()
    zone = time_zone(tz)
    window = _window(since, until, zone)
    loaded = agreement_or_only(engine, agreement)
    now = utc_now()
    with reading(engine) as connection:
        stories = incident_stories(connection, loaded, window)

    selection = Selection(status, sector, party, min_severity, overdue)
    chosen = newest_first(stories, selection, now)
    total = len(chosen)
    chosen = chosen[:limit] if limit else chosen
    rows = [incident_summary(s, role, now) for s in chosen]
    if output_format == "json":
        dump_json(rows, sys.stdout)
    elif output_format == "geojson":
        features = [point_feature(dict(row), row["incident"]) for row in rows]
        dump_json({"type": "FeatureCollection", "features": features}, sys.stdout)
    else:
        _table(rows, total)


def _table(rows: list[dict[str, Any]], total: int) -> None:
    table = Table(
        "incident",
        "start (UTC)",
        "category",
        "severity",
        "status",
        "reports",
        "sector",
        "party",
        "clauses",
    )
    for row in rows:
        party = row["party"] or ""
        if party and row["attribution"] == "proposed":
            party += " (proposed)"
        if row["reply_overdue"]:
            party += ", reply overdue"
        table.add_row(
            row["incident"],
            (row["start"] or "")[:16].replace("T", " "),
            row["category"],
            row["severity"],
            row["status"],
            str(row["reports"]),
            row["sector"] or "",
            party,
            ", ".join(row["clauses"]),
        )
    out.print(table)
    out.print(f"{len(rows)} of {total} incidents")


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="An incident id, e.g. INC-42.")],
    agreement: AgreementOption = None,
    role: RoleOption = Role.ANALYST,
    output_format: Annotated[str, typer.Option("--format", help="text|json")] = "text",
) -> None:
    """One incident: its reports (sources for analysts only), classification, status history,
    attribution and its basis, clauses breached, the party's reply."""
    from ceasefire.domain.incidents.book import incident_label
    from ceasefire.domain.incidents.disclosure import incident_detail
    from ceasefire.export.report_formats import dump_json
    from ceasefire.services.incidents import (
        IncidentFilter,
        current_incident,
        incident_stories,
        source_map,
    )
    from ceasefire.store.db import reading

    if output_format not in ("text", "json"):
        raise fail(f"--format: {output_format!r} is not one of text, json")
    state: AppState = ctx.obj
    engine = state.engine()
    asked = _number(incident)
    loaded = agreement_or_only(engine, agreement)
    with reading(engine) as connection:
        number = current_incident(connection, asked)
        if number is None:
            raise fail(f"{incident_label(asked)}: no such incident")
        stories = incident_stories(connection, loaded, IncidentFilter(numbers=frozenset({number})))
        story = stories[0]
        sources = source_map(connection, {r.source_id for r in story.members})
    detail = incident_detail(story, sources, role, utc_now())
    if number != asked:
        detail["asked_as"] = incident_label(asked)
    if output_format == "json":
        dump_json(detail, sys.stdout)
        return
    _print_detail(detail)


def _print_detail(d: dict[str, Any]) -> None:
    if "asked_as" in d:
        out.print(f"{d['asked_as']} is now {d['incident']} (merged or renumbered)")
    out.print(styled("bold", d["incident"], f"  {d['category']}, {d['severity']}, {d['status']}"))
    out.print(f"  when: {d['start']} to {d['end']}")
    where = "no coordinates" if d["lon"] is None else f"{d['lat']:.4f}N {d['lon']:.4f}E"
    out.print(f"  where: {where}; sector: {d['sector'] or 'none'}")
    if d["severity_reasons"]:
        out.print(f"  severity raised by: {', '.join(d['severity_reasons'])}")
    a = d["attribution_detail"]
    if a is None:
        out.print("  attribution: none (no analyst has attributed it; no rule proposes one)")
    else:
        kind = "PROPOSED by the rules, not confirmed" if a["proposed"] else f"by {a['by']}"
        out.print(
            f"  attribution: {a['party']} ({kind}; basis {a['basis']}, confidence "
            f"{a['confidence']}): {a['why']}"
        )
    for b in d["breaches"]:
        out.print(f"  breaches {b['clause']} ({b['kind']}): {b['why']}")
    out.print("  status history:")
    for h in d["history"]:
        out.print(f"    {h['at']}  {h['status']:<12} by {h['by']}: {h['reason']}")
    if d["reviews"]:
        out.print("  reviews:")
        for r in d["reviews"]:
            extra = " ".join(
                f"{k}={v if not isinstance(v, list) else ','.join(v)}"
                for k, v in r.items()
                if k in ("party", "other", "reports")
            )
            named = f"{r['action']} by {r['by']} on {r['as_named']} {extra}"
            out.print(f"    {r['at']}  {named}: {r['reason']}")
    if d["reply_due"]:
        state = "OVERDUE" if d["reply_overdue"] else "due"
        out.print(f"  reply from {d['party']}: {state} by {d['reply_due']}")
    for reply in d["replies"]:
        out.print(f"  reply from {reply['party']} at {reply['at']}: {reply['text']}")
    out.print(f"  reports ({len(d['members'])}):")
    for m in d["members"]:
        source = m["source_id"]
        if "organisation" in m:
            source = (
                f"{m['source_id']} ({m['organisation'] or 'no organisation'}, {m['reliability']})"
            )
        where = "" if m["lon"] is None else f" at {m['lat']}N {m['lon']}E"
        if m["geo_precision"]:
            where += f" ({m['geo_precision']})"
        out.print(
            f"    {m['report_id']}  {m['observed_start']}  {m['category']}{where}  source {source}"
        )


@app.command("rebuild")
def rebuild_cmd(ctx: typer.Context) -> None:
    """Recompute every report's incident from the log (after `verify` reports a difference);
    a record grouped under the earlier rule is regrouped, and the log records it."""
    from ceasefire.speed.collector import collector_paused
    from ceasefire.store.db import writing
    from ceasefire.store.incident_check import needs_regroup, rebuild, regroup

    state: AppState = ctx.obj
    with collector_paused(), writing(state.engine()) as connection:
        if needs_regroup(connection):
            done = regroup(connection, utc_now)
            out.print(regrouped_note(done), highlight=False)
            return
        count = rebuild(connection)
    out.print(f"incident membership rebuilt from the log: {count} incidents")


def regrouped_note(done: Regrouping) -> str:
    return (
        f"incidents regrouped under the first-report rule (one event per incident, one report "
        f"per source): {done.incidents_before:,} incidents before, {done.incidents_after:,} "
        f"after; the reports each of {done.reviews:,} reviews judged are in log entry "
        f"{done.seq}, so reviews stay with those events and old numbers still resolve"
    )


@app.command("review")
def review_cmd(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="The incident reviewed, e.g. INC-42.")],
    action: Annotated[Action, typer.Argument(help="What the review does.")],
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="attribute: the party; merge: the other incident; split: the report ids "
            "to move out."
        ),
    ] = None,
    reason: Annotated[str, typer.Option(help="Why (required to verify, dispute, reject).")] = "",
    basis: Annotated[Basis | None, typer.Option(help="attribute: how it was established.")] = None,
    confidence: Annotated[Confidence | None, typer.Option(help="attribute: how sure.")] = None,
    party: Annotated[str, typer.Option(help="respond: the party replying.")] = "",
    text: Annotated[str, typer.Option(help="respond: the party's reply.")] = "",
    by: Annotated[
        str | None, typer.Option(help="Who is reviewing (default: $CEASEFIRE_USER, else login).")
    ] = None,
    agreement: AgreementOption = None,
) -> None:
    """Review an incident: verify, dispute, reject, attribute, merge, split, or record a party's
    reply. Each review is a ledger entry with the reviewer's name; nothing is overwritten."""
    from ceasefire.domain.incidents.book import incident_label
    from ceasefire.domain.incidents.review import Review
    from ceasefire.services.incidents import ReviewError, record_review, terms_of
    from ceasefire.store.db import writing

    state: AppState = ctx.obj
    engine = state.engine()
    given = list(targets or [])
    number = _number(incident)
    draft = Review(
        seq=0,
        incident=number,
        action=action,
        reviewer=by or os.environ.get("CEASEFIRE_USER") or getpass.getuser(),
        at=utc_now(),
        reason=reason,
        party=party,
        basis=basis,
        confidence=confidence,
        text=text,
    )
    draft = _with_targets(draft, given)
    loaded = agreement_or_only(engine, agreement)
    terms = terms_of(loaded)
    if loaded is None and action in (Action.ATTRIBUTE, Action.RESPOND):
        raise fail("attribute and respond need the agreement's parties: load an agreement first")
    try:
        with writing(engine) as connection:
            outcome = record_review(connection, draft, terms, clock=utc_now)
    except ReviewError as exc:
        raise fail(str(exc)) from None
    stored = outcome.review
    out.print(
        f"{outcome.note} (ledger entry {stored.seq}, by {stored.reviewer}, "
        f"{stored.recorded_at:%Y-%m-%d %H:%M:%S} UTC); now {incident_label(outcome.incident)}"
    )


def _with_targets(draft: Review, given: list[str]) -> Review:
    if draft.action is Action.ATTRIBUTE:
        if len(given) != 1:
            raise fail(
                "attribute takes one party, e.g. `incidents review INC-42 attribute RU --basis ...`"
            )
        return replace(draft, party=given[0])
    if draft.action is Action.MERGE:
        if len(given) != 1:
            raise fail(
                "merge takes one other incident, e.g. `incidents review INC-42 merge INC-57`"
            )
        return replace(draft, other=_number(given[0], "merge"))
    if draft.action is Action.SPLIT:
        ids = sorted({part for g in given for part in g.split(",") if part})
        return replace(draft, reports=tuple(ids))
    if given:
        raise fail(f"{draft.action.value} takes no further arguments (got {' '.join(given)})")
    return draft


@violations_app.command("list")
def violations_list_cmd(
    ctx: typer.Context,
    party: Annotated[str | None, typer.Option(help="Only violations by this party.")] = None,
    clause: Annotated[str | None, typer.Option(help="Only breaches of this clause id.")] = None,
    since: Annotated[str | None, typer.Option(help="Observed at or after.")] = None,
    until: Annotated[str | None, typer.Option(help="Observed before.")] = None,
    agreement: AgreementOption = None,
    tz: TzOption = "Europe/Kyiv",
    output_format: Annotated[str, typer.Option("--format", help="table|json")] = "table",
) -> None:
    """Each clause a violation breaches, with the party it is laid at (proposed and contested
    attributions are marked; only confirmed ones make a violation verified). One incident is
    one violation, whatever it breaches: the count is the reports' count."""
    from ceasefire.export.report_formats import dump_json
    from ceasefire.services.incidents import incident_stories
    from ceasefire.services.violations import violation_count, violation_rows
    from ceasefire.store.db import reading

    if output_format not in ("table", "json"):
        raise fail(f"--format: {output_format!r} is not one of table, json")
    state: AppState = ctx.obj
    engine = state.engine()
    zone = time_zone(tz)
    window = _window(since, until, zone)
    loaded = agreement_or_only(engine, agreement)
    with reading(engine) as connection:
        rows = violation_rows(incident_stories(connection, loaded, window))
    rows = [
        r
        for r in rows
        if (party is None or r["party"] == party) and (clause is None or r["clause"] == clause)
    ]
    if output_format == "json":
        dump_json(rows, sys.stdout)
        return
    table = Table(
        "incident", "start (UTC)", "party", "clause", "status", "severity", "sector", "why"
    )
    for r in rows:
        marked = r["attribution"] in ("proposed", "contested")
        who = r["party"] + (f" ({r['attribution']})" if marked else "")
        table.add_row(
            r["incident"],
            r["start"][:16].replace("T", " "),
            who,
            r["clause"],
            r["status"],
            r["severity"],
            r["sector"] or "",
            r["why"],
        )
    out.print(table)
    out.print(f"{violation_count(rows)} violations ({len(rows)} breaches of clauses)")
    if loaded is None:
        err.print("no agreement loaded: the default clause (cease all hostile acts) applies")
