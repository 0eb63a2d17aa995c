"""Reports in ACLED's column layout, for researchers who work with ACLED's tools.

ACLED's codebook has no place for our counts, directions or weapon classes, so this is a
lossy view: the columns ACLED defines, filled from our fields, plus `ceasefire_report_id` and
`ceasefire_category` so a row can be traced back. Our own CSV (`--format csv`) is the
lossless, re-importable export; this one reads back through `ingest --format acled` for the
categories ACLED has (its Strategic developments are outside our violation taxonomy).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import tzinfo
from typing import Any

from ceasefire.domain.reports import GeoPrecision, Report, Source, TimePrecision
from ceasefire.domain.taxonomy import Category

COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "country",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
    "ceasefire_report_id",
    "ceasefire_category",
)

_REMOTE, _BATTLES = "Explosions/Remote violence", "Battles"
_SHELLING = (_REMOTE, "Shelling/artillery/missile attack")
_AIR = (_REMOTE, "Air/drone strike")
_CLASH = (_BATTLES, "Armed clash")
_OTHER = ("Strategic developments", "Other")
# Our category -> ACLED (event_type, sub_event_type), following ACLED's codebook: fire across
# the line is a clash when forces exchange it, remote violence when one side shells or strikes.
ACLED_TYPES: dict[Category, tuple[str, str]] = {
    Category.EXPLOSION: _SHELLING,
    Category.PROJECTILE: _SHELLING,
    Category.BURST_OF_FIRE: _CLASH,
    Category.SMALL_ARMS: _CLASH,
    Category.ARMED_CLASH: _CLASH,
    Category.SHELLING: _SHELLING,
    Category.ARTILLERY: _SHELLING,
    Category.MORTAR: _SHELLING,
    Category.MLRS: _SHELLING,
    Category.TANK_FIRE: _CLASH,
    Category.DRONE_STRIKE: _AIR,
    Category.AIR_STRIKE: _AIR,
    Category.MISSILE_STRIKE: _SHELLING,
    Category.GROUND_ASSAULT: _CLASH,
    Category.MINE_IED: (_REMOTE, "Remote explosive/landmine/IED"),
    Category.HEAVY_WEAPON_SIGHTED: _OTHER,
    Category.ARMED_PRESENCE_IN_DMZ: _OTHER,
    Category.ATTACK_ON_CIVILIANS: ("Violence against civilians", "Attack"),
    Category.ENERGY_STRIKE: _SHELLING,
    Category.MOVEMENT_RESTRICTION: _OTHER,
}
ACTORS = {"RU": "Military Forces of Russia (2000-)", "UA": "Military Forces of Ukraine (2019-)"}
_TIME = {TimePrecision.EXACT: "1", TimePrecision.DAY: "1", TimePrecision.WEEK: "2"}
_GEO = {GeoPrecision.EXACT: "1", GeoPrecision.NEAR: "2"}


def acled_row(report: Report, source: Source, zone: tzinfo) -> dict[str, Any]:
    """One row; ACLED's dates are local days, so the observed start is read in `zone`."""
    event_type, sub_event_type = ACLED_TYPES[report.category]
    day = report.observed_start.astimezone(zone).date()
    return {
        "event_id_cnty": f"CF-{report.report_id}",
        "event_date": day.isoformat(),
        "year": day.year,
        "time_precision": _TIME.get(report.time_precision, "3"),
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": ACTORS.get(report.alleged_party, report.alleged_party),
        "country": "Ukraine",
        "location": report.place,
        "latitude": report.lat,
        "longitude": report.lon,
        "geo_precision": _GEO.get(report.geo_precision, "3") if report.geo_precision else "",
        "source": source.organisation,
        "notes": report.text,
        "fatalities": report.killed + report.civilians_killed,
        "ceasefire_report_id": report.report_id,
        "ceasefire_category": report.category.value,
    }


def acled_rows(
    reports: Iterable[Report], sources: Mapping[str, Source], zone: tzinfo
) -> list[dict[str, Any]]:
    return [acled_row(r, sources[r.source_id], zone) for r in reports]
