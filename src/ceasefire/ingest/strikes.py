"""The public "Massive missile attacks on Ukraine" dataset read as reports.

Each row is one weapon type in one report of Ukraine's Air Force or a regional command: so
many launched, so many destroyed, aimed at a region. It is not geocoded: `target` is free
text ("Ukraine", "south", "Odesa oblast"), so a row becomes a report located by a place name
only, never a point, with the precision the name allows. Many rows (tactical drones reported
by Defence Forces South) have a date but no time: they keep day precision and are never given
a fake time. Reconnaissance flights are not strikes and are skipped with that reason.
"""

from __future__ import annotations

import re
from pathlib import Path

from ceasefire.domain.taxonomy import Category
from ceasefire.domain.validation import Value
from ceasefire.ingest.csv_reader import csv_rows, parse_csv_file
from ceasefire.ingest.records import ParsedFile

STRIKES_REQUIRED = ("time_start", "time_end", "model", "target", "launched", "source")
STRIKES_COLUMN_NAMES = {
    "observed_start": "time_start",
    "observed_end": "time_end",
    "category": "model",
    "place": "target",
    "projectiles": "launched",
}
# Models that only watch: Orlan-10, Supercam, ZALA, Merlin-VR and the like.
RECONNAISSANCE = re.compile(
    r"orlan|supercam|zala|merlin|eleron|forpost|granat|reconnaissance", re.IGNORECASE
)
DRONES = re.compile(r"shahed|geran|lancet|молнія|molniya|uav|mohajer|orion", re.IGNORECASE)
GUIDED_BOMBS = re.compile(r"\bgbu\b|\bkab\b|bomb", re.IGNORECASE)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ONE_DIGIT_HOUR = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d):(\d{2})$")


def _time(text: str) -> str:
    """The dataset writes some hours with one digit (`2023-05-16 3:30`); ISO wants two."""
    cleaned = text.strip()
    return _ONE_DIGIT_HOUR.sub(r"\1 0\2:\3", cleaned)


_REGIONS = ("ukraine", "south", "east", "north", "west", "centre", "center", "")


def parse_strikes(path: Path, text: str) -> ParsedFile:
    header, _ = csv_rows(path, text)
    return parse_csv_file(
        path,
        text,
        format_name="missile-attacks",
        known=header,
        required=STRIKES_REQUIRED,
        mapper=strike_fields,
        column_names=STRIKES_COLUMN_NAMES,
    )


def strike_category(model: str) -> Category | None:
    """What a weapon model's strike is, or None for reconnaissance flights.

    >>> strike_category("Shahed-136/131"), strike_category("X-101/X-555 and Kalibr")
    (<Category.DRONE_STRIKE: 'drone_strike'>, <Category.MISSILE_STRIKE: 'missile_strike'>)
    >>> strike_category("Orlan-10") is None
    True
    """
    if RECONNAISSANCE.search(model):
        return None
    if DRONES.search(model):
        return Category.DRONE_STRIKE
    if GUIDED_BOMBS.search(model):
        return Category.AIR_STRIKE
    return Category.MISSILE_STRIKE


def _count(text: str) -> str | None:
    """`123.0` -> `123`; empty or `nan` -> None (not reported is not zero)."""
    cleaned = text.strip().lower()
    if cleaned in ("", "nan"):
        return None
    try:
        return str(int(float(cleaned)))
    except ValueError:
        return cleaned  # left as written: validation names the field and the value


def strike_fields(row: dict[str, str]) -> tuple[dict[str, Value], str | None]:
    model = row["model"].strip()
    category = strike_category(model)
    if category is None:
        return {}, f"{model}: a reconnaissance flight, not a strike"
    start, end = _time(row["time_start"]), _time(row["time_end"])
    day_only = bool(_DATE_ONLY.match(start))
    target = row["target"].strip()
    vague = target.lower() in _REGIONS
    reporter = row["source"].split("/", 1)[0].strip() or "unknown"
    figures = [
        f"{name} {value}"
        for name, key in (
            ("launched", "launched"),
            ("destroyed", "destroyed"),
            ("did not reach their target", "not_reach_goal"),
            ("hit locations", "num_hit_location"),
        )
        if (value := _count(row.get(key, "")))
    ]
    text = "; ".join(
        part
        for part in (
            f"{model}: {', '.join(figures)}" if figures else model,
            f"launched from {row['launch_place']}" if row.get("launch_place") else "",
            f"reported by {row['source']}" if row.get("source") else "",
        )
        if part
    )
    return {
        "source_id": f"ua-{reporter.lower()}",
        "source_kind": "party_complaint",
        "source_org": f"Ukraine's armed forces ({reporter})",
        "source_reliability": "F",
        "external_id": "",  # the dataset has no ids: a row is identified by its content
        "observed_start": start,
        "observed_end": "" if day_only and not end else end,
        "time_precision": "day" if day_only else "exact",
        "geo_precision": "country" if vague else "province",
        "place": target or "Ukraine",
        "category": category.value,
        "projectiles": _count(row["launched"]),
        "alleged_party": "RU",
        "text": text,
    }, None
