"""Gathering what a published report is built from, in one read transaction.

The report is as of the record's head when it was read, and says so (entry and hash): run
again on the same record and cut-off, it gives the same numbers; run after new reports
arrive for that day, it says which record it read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from functools import cache

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import Connection, select

from ceasefire.domain.commitments.status import CommitmentState
from ceasefire.domain.enforcement.violations import Violation
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.geo.zones import dmz_area
from ceasefire.domain.incidents.book import incident_number
from ceasefire.domain.incidents.story import IncidentStory
from ceasefire.domain.publishing.daily import (
    Acknowledgements,
    Controller,
    DailyInputs,
    DailyReport,
    RecordState,
    daily_report,
)
from ceasefire.domain.publishing.period import Period
from ceasefire.domain.publishing.span import PeriodReport, period_report
from ceasefire.domain.publishing.spot import SpotReport, spot_report
from ceasefire.geofiles.gazetteer import bundled_gazetteer
from ceasefire.geofiles.geojson import read_features
from ceasefire.publish.map_layers import MapLayers
from ceasefire.services.commitments import commitment_states, missed_commitments
from ceasefire.services.incidents import (
    IncidentFilter,
    current_incident,
    incident_stories,
    source_map,
)
from ceasefire.services.live import running_plan
from ceasefire.services.violations import as_violation
from ceasefire.store.agreement_store import AgreementChoiceError, named_or_only
from ceasefire.store.enforcement_store import acknowledged, adopted_plans, decision_rows
from ceasefire.store.ledger_store import ledger_head
from ceasefire.store.schema import incident_members, reports, reviews
from ceasefire.store.transparency_store import latest_checkpoint


class PublishingError(ValueError):
    """A report that cannot be built as asked; the message names the option."""


def report_agreement(connection: Connection, name: str | None) -> LoadedAgreement | None:
    """The named agreement, or the record's only one; None when it holds none."""
    try:
        return named_or_only(connection, name)
    except AgreementChoiceError as exc:
        raise PublishingError(str(exc)) from None


def controller_for(agreement: LoadedAgreement | None) -> Controller:
    """Who holds a point, by the agreement's control areas (cached: reports name the same
    few places again and again)."""
    if agreement is None:
        return lambda lon, lat: None
    classifier = agreement.classifier

    @cache
    def holder(lon: float, lat: float) -> str | None:
        found = classifier.classify(np.array([lon]), np.array([lat]))
        index = int(found.party[0])
        return None if index < 0 else classifier.parties[index]

    return holder


def acknowledgement_map(connection: Connection) -> Acknowledgements:
    """Each recorded action's acknowledgements (actor -> when), keyed by what the action is
    (plan, party, action, when required), so a report can match it to the plan's timeline.
    An action recorded twice (withdrawn, then decided again) keeps each actor's earliest."""
    acks = acknowledged(connection)
    result: dict[tuple[str, str, str, datetime], dict[str, datetime]] = {}
    for row in decision_rows(connection):
        by_actor = acks.get(row["decision_id"])
        if not by_actor:
            continue
        content = json.loads(row["content"])
        key = (
            row["plan"],
            content["party"],
            content["action"],
            datetime.fromisoformat(content["effective_at"]),
        )
        kept = result.setdefault(key, {})
        for actor, when in by_actor.items():
            if actor not in kept or when < kept[actor]:
                kept[actor] = when
    return result


BASEMAP_CREDITS = (
    "Boundaries: Natural Earth (public domain); oblasts: geoBoundaries, "
    "© OpenStreetMap contributors (ODbL)."
)


def map_layers(agreement: LoadedAgreement | None) -> MapLayers:
    """The bundled countries, and the agreement's oblasts, line, demilitarized zone and the
    first party's held area (shaded), in lon/lat."""
    countries = [f.geometry for f in read_features("bundled:geo/countries.geojson")]
    if agreement is None:
        admin = [f.geometry for f in read_features("bundled:geo/ukraine_oblasts.geojson")]
        return MapLayers(countries, admin, None, "", None, None, BASEMAP_CREDITS)
    g = agreement.document["geometries"]
    dmz = dmz_area(agreement.geography, agreement.zone_parameters)
    held_party = agreement.spec.control[0].party
    return MapLayers(
        countries=countries,
        admin_areas=[shape(a["geometry"]) for a in g["admin_areas"]],
        held=shapely.make_valid(shape(g["control"][0])),
        held_label=f"held by {held_party}",
        line=shape(g["line_of_contact"]),
        dmz=None if dmz.is_empty else dmz,
        credits=f"{BASEMAP_CREDITS} Line, zones and control: agreement {agreement.name} "
        f"version {agreement.version}.",
    )


def build_daily(connection: Connection, period: Period, agreement_name: str | None) -> DailyReport:
    return daily_report(report_inputs(connection, period, agreement_name))


def build_period(
    connection: Connection, period: Period, agreement_name: str | None
) -> PeriodReport:
    return period_report(report_inputs(connection, period, agreement_name))


def report_inputs(
    connection: Connection, period: Period, agreement_name: str | None
) -> DailyInputs:
    """What a daily or period report is built from: the incidents of the period and the one
    before, or all of them when a plan runs (its tracks depend on the whole history)."""
    agreement = report_agreement(connection, agreement_name)
    plans = [running_plan(p) for p in adopted_plans(connection)]
    previous = period.before()
    commitments = (
        commitment_states(connection, agreement, period.end)
        if agreement is not None and agreement.spec.commitments
        else []
    )
    if plans:
        stories = incident_stories(connection, agreement)
        violations = _engine_inputs(connection, agreement, stories, period.end, commitments)
    else:
        stories = incident_stories(
            connection, agreement, IncidentFilter(since=previous.start, until=period.end)
        )
        violations = list[Violation]()
    return DailyInputs(
        period=period,
        stories=stories,
        gazetteer=bundled_gazetteer(),
        controller=controller_for(agreement),
        plans=plans,
        violations=violations,
        acknowledgements=acknowledgement_map(connection),
        record=record_state(connection),
        agreement=None if agreement is None else agreement.name,
        commitments=commitments,
    )


def record_state(connection: Connection) -> RecordState:
    """The record a report is built from: its head, and the latest signed checkpoint."""
    seq, head = ledger_head(connection)
    latest = latest_checkpoint(connection)
    if latest is None:
        return RecordState(seq, head)
    return RecordState(seq, head, latest.size, latest.root_hash)


def cited_entries(connection: Connection, labels: Iterable[str]) -> list[int]:
    """The ledger entries behind the incidents a report cites (`INC-n`): their reports and
    the reviews of them, for a bundle anyone can check against the report's checkpoint."""
    numbers = sorted({n for n in map(incident_number, labels) if n is not None})
    seqs: set[int] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        seqs.update(
            connection.execute(
                select(reports.c.ledger_seq)
                .join(incident_members, incident_members.c.report_id == reports.c.report_id)
                .where(incident_members.c.incident_no.in_(chunk))
            ).scalars()
        )
        seqs.update(
            connection.execute(
                select(reviews.c.ledger_seq).where(reviews.c.incident_no.in_(chunk))
            ).scalars()
        )
    return sorted(int(s) for s in seqs)


def _engine_inputs(
    connection: Connection,
    agreement: LoadedAgreement | None,
    stories: Sequence[IncidentStory],
    at: datetime,
    commitments: Sequence[CommitmentState] | None = None,
) -> list[Violation]:
    """What the engine counts, as `violations_in_record` gives it, from the stories (and
    the commitments' states at `at`, if the caller has them) in hand."""
    violations = [v for v in map(as_violation, stories) if v is not None]
    if agreement is not None and agreement.spec.commitments:
        violations += missed_commitments(connection, agreement, at, commitments)
    return violations


def build_spot(
    connection: Connection,
    number: int,
    zone: tzinfo,
    agreement_name: str | None,
    at: datetime,
) -> SpotReport:
    """The spot report of `INC-<number>` (or of the incident that number now belongs to)."""
    agreement = report_agreement(connection, agreement_name)
    current = current_incident(connection, number)
    if current is None:
        raise PublishingError(f"no incident INC-{number} (see `ceasefire incidents list`)")
    plans = [running_plan(p) for p in adopted_plans(connection)]
    if plans:
        stories = incident_stories(connection, agreement)
        violations = _engine_inputs(connection, agreement, stories, at)
        story = next(s for s in stories if s.number == current)
    else:
        (story,) = incident_stories(
            connection, agreement, IncidentFilter(numbers=frozenset({current}))
        )
        violations = []
    sources = source_map(connection, {r.source_id for r in story.members})
    return spot_report(
        story,
        {source_id: source.kind for source_id, source in sources.items()},
        Period(story.start, story.end + timedelta(microseconds=1), zone),
        bundled_gazetteer(),
        controller_for(agreement),
        plans,
        violations,
        record_state(connection),
        at,
    )
