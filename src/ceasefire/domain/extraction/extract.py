"""One paragraph of prose in, every field a report has out, each with its evidence.

`extract` runs the field readers (`when`, `where`, `what`, `who`) over the text and keeps what
each found with its span, rule and confidence, and every flag. `report_fields` turns that into
the input every import door uses, leaving out what was not found: validation then refuses a
paragraph that lacks a required field (no date, no category) with the flag as its reason, and
the analyst completes it, rather than the extractor inventing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from ceasefire.domain.extraction.found import FLAG_BELOW, LIKELY, PLAUSIBLE, Flag, Found
from ceasefire.domain.extraction.placenames import PlaceNames
from ceasefire.domain.extraction.what import (
    Kind,
    find_casualties,
    find_counts,
    find_damage,
    find_direction,
    find_kind,
)
from ceasefire.domain.extraction.when import When, find_when
from ceasefire.domain.extraction.where import FrontDistance, Location, find_location
from ceasefire.domain.extraction.who import find_party
from ceasefire.domain.reports import Direction, GeoPrecision, ObjectClass
from ceasefire.domain.taxonomy import Category

# Stored with each extraction, so a later extractor's output is told apart: raise it whenever
# the same words would be read differently.
EXTRACTOR = "rules-2"


@dataclass(frozen=True, slots=True)
class Context:
    """What the extractor reads the text against: the gazetteer's names, the line of contact,
    the time the text was written (for "yesterday") and its zone, the agreement's parties."""

    names: PlaceNames
    zone: tzinfo
    reference: datetime | None = None
    front_km: FrontDistance | None = None
    parties: Sequence[str] = ("RU", "UA")


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything read from one text. Absent fields are None or missing from the dicts."""

    text: str
    when: Found[When] | None
    location: Found[Location] | None
    kind: Found[Kind] | None
    party: Found[str] | None
    direction: Found[Direction] | None
    damage: Found[ObjectClass] | None
    counts: Mapping[str, Found[int]] = field(default_factory=dict)
    casualties: Mapping[str, Found[int]] = field(default_factory=dict)
    flags: tuple[Flag, ...] = ()

    def found(self) -> dict[str, Found[Any]]:
        """Every field found, by the name it has in a report."""
        fields: dict[str, Found[Any]] = {}
        for name, value in (
            ("observed", self.when),
            ("location", self.location),
            ("category", self.kind),
            ("alleged_party", self.party),
            ("direction", self.direction),
            ("damaged_object", self.damage),
        ):
            if value is not None:
                fields[name] = value
        return fields | dict(self.counts) | dict(self.casualties)

    def flagged_fields(self) -> set[str]:
        return {f.field for f in self.flags}


def extract(text: str, context: Context) -> Extraction:
    """Every field the text gives, and a flag for each it does not settle: fields read with
    low confidence are flagged even when their reader raised none, so a weak value never
    passes unnoticed."""
    kind, kind_flags = find_kind(text)
    when, when_flags = find_when(text, reference=context.reference, zone=context.zone)
    location, where_flags = find_location(text, context.names, context.front_km)
    party, party_flags = find_party(text, kind.span if kind else None, context.parties)
    counts, count_flags = find_counts(text)
    casualties, casualty_flags = find_casualties(text)
    flags = [*when_flags, *where_flags, *kind_flags, *party_flags, *count_flags, *casualty_flags]
    extraction = Extraction(
        text=text,
        when=when,
        location=location,
        kind=kind,
        party=party,
        direction=find_direction(text),
        damage=find_damage(text),
        counts=counts,
        casualties=casualties,
    )
    flags.extend(_out_of_range(extraction, context))
    flagged = {f.field for f in flags}
    for name, value in extraction.found().items():
        if value.confidence < FLAG_BELOW and _flag_name(name) not in flagged:
            flags.append(Flag(_flag_name(name), f"low confidence: {value.rule}"))
    return replace(extraction, flags=tuple(flags))


# Fire these categories describe reaches a few tens of kilometres at most: a place much
# further from the line is more likely a namesake of a village the gazetteer does not hold.
SHORT_RANGE = frozenset({
    Category.SHELLING, Category.ARTILLERY, Category.MORTAR, Category.TANK_FIRE,
    Category.SMALL_ARMS, Category.BURST_OF_FIRE, Category.ARMED_CLASH,
    Category.GROUND_ASSAULT, Category.PROJECTILE,
})  # fmt: skip
SHORT_RANGE_KM = 40.0


def _out_of_range(extraction: Extraction, context: Context) -> list[Flag]:
    kind, location = extraction.kind, extraction.location
    if kind is None or location is None or context.front_km is None:
        return []
    where = location.value
    if kind.value.category not in SHORT_RANGE or where.precision is GeoPrecision.PROVINCE:
        return []
    distance = context.front_km(where.lon, where.lat)
    if distance <= SHORT_RANGE_KM:
        return []
    return [Flag("location", f"{where.place} is {distance:.0f} km from the line of contact, "
                             f"further than {kind.value.category.value} reaches; a smaller "
                             "place of the same name may be meant")]  # fmt: skip


def _flag_name(name: str) -> str:
    return "observed_start" if name == "observed" else name


def report_fields(extraction: Extraction) -> dict[str, str | None]:
    """The extraction as the fields every import door gives validation; what was not found is
    left out, so validation names it as missing.

    Two readings stay in the extraction only, never in the report's fields, since both feed
    decisions: a proposed party that is not LIKELY or is flagged (the report's alleged party
    decides what a party's liaison sees and whom an incident is attributed to), and a point
    chosen among namesakes by population alone (the report keeps the place's name, unplaced)."""
    fields: dict[str, str | None] = {"text": extraction.text}
    if extraction.when is not None:
        when = extraction.when.value
        fields |= {
            "observed_start": when.start.isoformat(),
            "observed_end": when.end.isoformat(),
            "time_precision": when.precision.value,
        }
    flagged = extraction.flagged_fields()
    weak_point = (
        extraction.location is not None
        and extraction.location.confidence < PLAUSIBLE
        and extraction.location.value.precision is not GeoPrecision.PROVINCE
    )
    if extraction.location is not None and weak_point:
        named = extraction.location.span.of(extraction.text)
        fields["place"] = f"{named} (not placed: {extraction.location.rule})"[:512]
    elif extraction.location is not None:
        where = extraction.location.value
        fields |= {
            "lon": f"{where.lon:.5f}",
            "lat": f"{where.lat:.5f}",
            "uncertainty_m": str(where.uncertainty_m),
            "geo_precision": where.precision.value,
            "place": where.place,
        }
    if extraction.kind is not None:
        fields["category"] = extraction.kind.value.category.value
        if extraction.kind.value.weapon is not None:
            fields["weapon_class"] = extraction.kind.value.weapon.value
    party = extraction.party
    if party is not None and party.confidence >= LIKELY and "alleged_party" not in flagged:
        fields["alleged_party"] = party.value
    if extraction.direction is not None:
        fields["direction"] = extraction.direction.value.value
    if extraction.damage is not None:
        fields["damaged_object"] = extraction.damage.value.value
    for name, found in (*extraction.counts.items(), *extraction.casualties.items()):
        fields[name] = str(found.value)
    return fields


def as_record(extraction: Extraction) -> dict[str, Any]:
    """The extraction as plain data (JSON), for the analyst's screen and the stored record:
    per field its value, the words it came from, the rule and the confidence; then the flags."""
    fields: dict[str, Any] = {}
    for name, found in extraction.found().items():
        fields[name] = {
            "value": _plain(found.value),
            "evidence": found.span.of(extraction.text),
            "span": [found.span.start, found.span.end],
            "rule": found.rule,
            "confidence": found.confidence,
        }
    return {
        "extractor": EXTRACTOR,
        "fields": fields,
        "flags": [{"field": f.field, "reason": f.reason} for f in extraction.flags],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, When):
        return {
            "start": value.start.isoformat(),
            "end": value.end.isoformat(),
            "precision": value.precision.value,
        }
    if isinstance(value, Location):
        return {
            "lon": round(value.lon, 5),
            "lat": round(value.lat, 5),
            "uncertainty_m": value.uncertainty_m,
            "precision": value.precision.value,
            "place": value.place,
        }
    if isinstance(value, Kind):
        return {
            "category": value.category.value,
            "weapon_class": value.weapon.value if value.weapon else None,
        }
    if hasattr(value, "value"):
        return value.value
    return value
