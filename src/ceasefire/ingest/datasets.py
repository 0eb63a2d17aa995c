"""Published conflict-event datasets read as reports: ACLED exports and UCDP GED.

Both are secondary sources (news coding), so their reports come from a `news_osint` source with
reliability F (cannot be judged) until an analyst says otherwise. Their precision codes map to
ours and to an explicit uncertainty radius; rows outside our taxonomy (protests, agreements)
are skipped and counted, not rejected.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ceasefire.domain.taxonomy import Category, acled_category
from ceasefire.domain.validation import Value
from ceasefire.ingest.csv_reader import csv_rows, parse_csv_file
from ceasefire.ingest.records import ParsedFile

ACLED_REQUIRED = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "latitude",
    "longitude",
)
ACLED_COLUMN_NAMES = {
    "external_id": "event_id_cnty",
    "observed_start": "event_date",
    "time_precision": "time_precision",
    "lon": "longitude",
    "lat": "latitude",
    "lon/lat": "longitude/latitude",
    "geo_precision": "geo_precision",
    "killed": "fatalities",
    "category": "sub_event_type",
}
_ACLED_TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
# ACLED 1: the town is known; 2: near a town or in a part of a region; 3: a province.
_ACLED_GEO = {"1": ("exact", "5000"), "2": ("near", "25000"), "3": ("province", "150000")}
_ACLED_DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%d %B %Y", "%Y-%m-%d")
# Parties named in ACLED actor names; only used where actor1 is the one who fired.
_ACLED_PARTIES = (("Military Forces of Russia", "RU"), ("Military Forces of Ukraine", "UA"))
_ACLED_DIRECTED = frozenset({"Explosions/Remote violence", "Violence against civilians"})


def parse_acled(path: Path, text: str) -> ParsedFile:
    header, _ = csv_rows(path, text)
    return parse_csv_file(
        path,
        text,
        format_name="acled",
        known=header,
        required=ACLED_REQUIRED,
        mapper=_acled_fields,
        column_names=ACLED_COLUMN_NAMES,
    )


def _acled_date(text: str) -> str:
    """ACLED exports write dates several ways; the day always comes first."""
    cleaned = text.strip()
    for pattern in _ACLED_DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    return cleaned  # validation names it as not a date


def _acled_fields(row: dict[str, str]) -> tuple[dict[str, Value], str | None]:
    event_type, sub_event_type = row["event_type"], row["sub_event_type"]
    notes = row.get("notes", "")
    category = acled_category(event_type, sub_event_type, notes)
    if category is None:
        return {}, f"ACLED {event_type} / {sub_event_type} is outside the violation taxonomy"
    geo_precision, uncertainty_m = _ACLED_GEO.get(row.get("geo_precision", ""), (None, None))
    actor1 = row.get("actor1", "")
    party = ""
    if event_type in _ACLED_DIRECTED:
        party = next((code for name, code in _ACLED_PARTIES if actor1.startswith(name)), "")
    place = ", ".join(
        part for part in (row.get("location"), row.get("admin2"), row.get("admin1")) if part
    )
    actors = " vs ".join(a for a in (actor1, row.get("actor2", "")) if a)
    text = "\n".join(
        part for part in (notes, f"ACLED actors: {actors}" if actors else "", _sources(row)) if part
    )
    return {
        "source_id": "acled",
        "source_kind": "news_osint",
        "source_org": "ACLED",
        "source_reliability": "F",
        "external_id": row["event_id_cnty"],
        "observed_start": _acled_date(row["event_date"]),
        "time_precision": _ACLED_TIME_PRECISION.get(row.get("time_precision", ""), "day"),
        "lon": row["longitude"],
        "lat": row["latitude"],
        "geo_precision": geo_precision,
        "uncertainty_m": uncertainty_m,
        "place": place,
        "category": category.value,
        "killed": row.get("fatalities") or None,
        "alleged_party": party,
        "text": text,
    }, None


def _sources(row: dict[str, str]) -> str:
    return f"ACLED sources: {row['source']}" if row.get("source") else ""


UCDP_REQUIRED = (
    "id",
    "type_of_violence",
    "date_start",
    "date_end",
    "date_prec",
    "where_prec",
    "latitude",
    "longitude",
    "best",
)
UCDP_COLUMN_NAMES = {
    "external_id": "id",
    "observed_start": "date_start",
    "observed_end": "date_end",
    "time_precision": "date_prec",
    "lon": "longitude",
    "lat": "latitude",
    "lon/lat": "longitude/latitude",
    "geo_precision": "where_prec",
    "killed": "best",
    "civilians_killed": "deaths_civilians",
    "category": "type_of_violence",
}
# UCDP date_prec: 1 the day, 2 within 2-6 days, 3 within a month, 4-5 longer.
_UCDP_TIME_PRECISION = {"1": "day", "2": "week", "3": "month", "4": "month", "5": "month"}
# UCDP where_prec: 1 the place, 2 within 25 km, 3 a raion, 4 an oblast, 5 an area or line,
# 6 the country, 7 international waters or air space.
_UCDP_GEO = {
    "1": ("exact", "5000"),
    "2": ("near", "25000"),
    "3": ("district", "50000"),
    "4": ("province", "150000"),
    "5": ("province", "150000"),
    "6": ("country", "500000"),
    "7": ("country", "500000"),
}
_UCDP_CATEGORY = {
    "1": Category.ARMED_CLASH,  # state-based
    "2": Category.ARMED_CLASH,  # non-state
    "3": Category.ATTACK_ON_CIVILIANS,  # one-sided violence
}


def parse_ucdp(path: Path, text: str) -> ParsedFile:
    header, _ = csv_rows(path, text)
    return parse_csv_file(
        path,
        text,
        format_name="ucdp",
        known=header,
        required=UCDP_REQUIRED,
        mapper=_ucdp_fields,
        column_names=UCDP_COLUMN_NAMES,
    )


def _ucdp_fields(row: dict[str, str]) -> tuple[dict[str, Value], str | None]:
    category = _UCDP_CATEGORY.get(row["type_of_violence"].strip())
    geo_precision, uncertainty_m = _UCDP_GEO.get(row["where_prec"].strip(), (None, None))
    text = "\n".join(
        part
        for part in (
            row.get("dyad_name", ""),
            row.get("where_description", ""),
            row.get("source_headline", ""),
        )
        if part
    )
    return {
        "source_id": "ucdp-ged",
        "source_kind": "news_osint",
        "source_org": "Uppsala Conflict Data Program (UCDP GED)",
        "source_reliability": "F",
        "external_id": row["id"],
        "observed_start": row["date_start"],
        "observed_end": row["date_end"],
        "time_precision": _UCDP_TIME_PRECISION.get(row["date_prec"].strip()),
        "lon": row["longitude"],
        "lat": row["latitude"],
        "geo_precision": geo_precision,
        "uncertainty_m": uncertainty_m,
        "place": ", ".join(p for p in (row.get("where_coordinates"), row.get("adm_1")) if p),
        "category": None if category is None else category.value,
        "killed": row["best"],
        "civilians_killed": row.get("deaths_civilians") or None,
        "text": text,
    }, None
