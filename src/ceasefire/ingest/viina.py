"""VIINA's `event_1pd` files (Violent Incident Information from News Articles, Zhukov,
ODbL) read as reports.

Each row is one event on one day at one GeoNames place, with binary labels for what happened
(`t_artillery_b`, `t_uav_b`, ...) and who did it (`a_rus_init_b`: Russian forces initiated).
The date has no time: rows keep day precision. The place is a GeoNames feature: a populated
place is a point known to about 25 km ("near"); a raion or an oblast is that area, never a
point on the front. Rows whose labels name nothing in the violation taxonomy (arrests, air
alerts, cyber attacks, control changes without fighting) are skipped with that reason.
"""

from __future__ import annotations

import re
from pathlib import Path

from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import Value
from ceasefire.ingest.csv_reader import csv_rows, parse_csv_file
from ceasefire.ingest.records import ParsedFile

VIINA_REQUIRED = ("event_id_1pd", "date", "longitude", "latitude", "feature_code")
VIINA_COLUMN_NAMES = {
    "external_id": "event_id_1pd",
    "observed_start": "date",
    "lon": "longitude",
    "lat": "latitude",
    "lon/lat": "longitude/latitude",
    "geo_precision": "feature_code",
}
# Labels in order of what the event most specifically is: the first present decides.
LABELS: tuple[tuple[str, Category], ...] = (
    ("t_airstrike_b", Category.AIR_STRIKE),
    ("t_uav_b", Category.DRONE_STRIKE),
    ("t_artillery_b", Category.ARTILLERY),
    ("t_armor_b", Category.TANK_FIRE),
    ("t_ied_b", Category.MINE_IED),
    ("t_raid_b", Category.GROUND_ASSAULT),
    ("t_occupy_b", Category.GROUND_ASSAULT),
    ("t_firefight_b", Category.ARMED_CLASH),
    ("t_civcas_b", Category.ATTACK_ON_CIVILIANS),
)
# GeoNames feature codes: an administrative area is an area; anything else a place.
_AREAS = {"ADM1": ("province", "150000"), "ADM2": ("district", "50000")}
_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_viina(path: Path, text: str) -> ParsedFile:
    header, _ = csv_rows(path, text)
    return parse_csv_file(
        path,
        text,
        format_name="viina",
        known=header,
        required=VIINA_REQUIRED,
        mapper=viina_fields,
        column_names=VIINA_COLUMN_NAMES,
    )


def _on(row: dict[str, str], label: str) -> bool:
    return row.get(label, "").strip() in ("1", "1.0", "TRUE", "True", "true")


def viina_category(row: dict[str, str]) -> Category | None:
    """The most specific violation a row's labels name, or None.

    >>> viina_category({"t_firefight_b": "1", "t_artillery_b": "1"})
    <Category.ARTILLERY: 'artillery'>
    >>> viina_category({"t_arrest_b": "1"}) is None
    True
    """
    return next((category for label, category in LABELS if _on(row, label)), None)


def _iso_date(text: str) -> str:
    """`20250320` -> `2025-03-20`; anything else is left for validation to name."""
    match = _DATE.match(text.strip())
    return f"{match[1]}-{match[2]}-{match[3]}" if match else text.strip()


def viina_fields(row: dict[str, str]) -> tuple[dict[str, Value], str | None]:
    category = viina_category(row)
    if category is None:
        return {}, "no label in the violation taxonomy (arrest, alert, cyber, control, ...)"
    feature = row["feature_code"].strip().upper()
    precision, uncertainty = _AREAS.get(feature[:4], ("near", "25000"))
    initiators = [
        code for code, label in (("RU", "a_rus_init_b"), ("UA", "a_ukr_init_b")) if _on(row, label)
    ]
    place = ", ".join(
        part
        for part in (row.get("asciiname", ""), row.get("ADM2_NAME", ""), row.get("ADM1_NAME", ""))
        if part
    )
    return {
        "source_id": "viina",
        "source_kind": "news_osint",
        "source_org": "VIINA (Violent Incident Information from News Articles)",
        "source_reliability": "F",
        "external_id": row["event_id_1pd"].strip(),
        "observed_start": _iso_date(row["date"]),
        "time_precision": "day",
        "lon": row["longitude"],
        "lat": row["latitude"],
        "geo_precision": precision,
        "uncertainty_m": uncertainty,
        "place": place,
        "category": category.value,
        "damaged_object": "medical" if _on(row, "t_hospital_b") else None,
        "alleged_party": initiators[0] if len(initiators) == 1 else "",
        "text": "; ".join(
            part
            for part in (
                f"VIINA {row.get('n_reports', '').strip() or '?'} news reports",
                f"sources: {row['sources']}" if row.get("sources") else "",
                f"event ids: {row['event_ids']}" if row.get("event_ids") else "",
            )
            if part
        ),
    }, None
