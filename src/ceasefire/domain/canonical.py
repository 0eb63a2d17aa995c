"""Canonical encodings of facts, the bytes the tamper-evident log hashes.

Canonical means: one byte string per value, whoever computes it. JSON with sorted keys, no
insignificant white space, UTF-8, no NaN; times as ISO 8601 in UTC; enums as their values.
The same report read back from SQLite, PostgreSQL or the log itself encodes to the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

import orjson

from ceasefire.domain.reports import (
    Direction,
    GeoPrecision,
    ObjectClass,
    Reliability,
    Report,
    Source,
    SourceKind,
    TimePrecision,
)
from ceasefire.domain.taxonomy import Category, WeaponClass

_E = TypeVar("_E", bound=Enum)

_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(content: dict[str, Any]) -> str:
    """The canonical text of `content`: the standard library's JSON with sorted keys.

    orjson writes the same text several times faster, and an import or `verify` writes one per
    record. The two agree exactly on plain JSON values (dicts with text keys, lists, text,
    integers, booleans, null) and on floats written without an exponent, 1e-4 <= |x| < 1e16
    (orjson writes 1e-5 where Python writes 1e-05). Content holding anything else goes through
    the standard library, so the bytes never depend on the path taken; so does content orjson
    refuses (integers beyond 64 bits, text with lone surrogates)."""
    if _written_alike(content):
        try:
            return orjson.dumps(content, option=orjson.OPT_SORT_KEYS).decode()
        except orjson.JSONEncodeError:
            pass
    return _encoder.encode(content)


_SCALARS = frozenset({str, int, bool, type(None)})


def _written_alike(value: object) -> bool:
    """Whether orjson and the standard library write `value` as the same text."""
    if type(value) in _SCALARS:
        return True
    if type(value) is float:
        return value == 0.0 or 1e-4 <= abs(value) < 1e16  # NaN and infinities: False
    if type(value) is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _SCALARS and not _written_alike(item)):
                return False
        return True
    if type(value) is list or type(value) is tuple:
        return all(type(item) in _SCALARS or _written_alike(item) for item in value)
    return False


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC; refuses naive times, which would hash differently on each machine.

    Microseconds appear only when not zero; text order is still time order, since the `+` of
    `+00:00` sorts before the `.` of a fraction.

    >>> utc_iso(datetime(2025, 4, 20, 14, 35, tzinfo=timezone(timedelta(hours=3))))
    '2025-04-20T11:35:00+00:00'
    """
    if moment.tzinfo is UTC:
        return moment.isoformat()
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: every time in the record carries its zone")
    return moment.astimezone(UTC).isoformat()


REPORT_CONTENT_KEYS: tuple[str, ...] = (
    "report_id",
    "source_id",
    "external_id",
    "observed_start",
    "observed_end",
    "time_precision",
    "category",
    "lon",
    "lat",
    "uncertainty_m",
    "geo_precision",
    "place",
    "weapon_class",
    "explosions",
    "projectiles",
    "bursts",
    "shots",
    "direction",
    "bearing_deg",
    "distance_min_m",
    "distance_max_m",
    "killed",
    "injured",
    "civilians_killed",
    "civilians_injured",
    "damaged_object",
    "alleged_party",
    "text",
    "links",
    "attachments",
)
# Keys a report's content holds only when set: added after reports were first recorded, so
# the content (and hash) of a report without them is what it always was.
OPTIONAL_CONTENT_KEYS: tuple[str, ...] = ("updates",)


def report_content(report: Report) -> dict[str, Any]:
    """Everything a report says, except when it was received (the log entry holds that).

    Keys come in the order of `REPORT_CONTENT_KEYS`, which is also the column order of the
    reports table, so a stored row is built straight from this dict; `updates` follows only
    when the report has it (it came later: reports without it keep the bytes they were
    recorded with), as the reports table's last column does."""
    r = report
    content = {
        "report_id": r.report_id,
        "source_id": r.source_id,
        "external_id": r.external_id,
        "observed_start": utc_iso(r.observed_start),
        "observed_end": utc_iso(r.observed_end),
        "time_precision": r.time_precision.value,
        "category": r.category.value,
        "lon": r.lon,
        "lat": r.lat,
        "uncertainty_m": r.uncertainty_m,
        "geo_precision": _value(r.geo_precision),
        "place": r.place,
        "weapon_class": _value(r.weapon_class),
        "explosions": r.explosions,
        "projectiles": r.projectiles,
        "bursts": r.bursts,
        "shots": r.shots,
        "direction": _value(r.direction),
        "bearing_deg": r.bearing_deg,
        "distance_min_m": r.distance_min_m,
        "distance_max_m": r.distance_max_m,
        "killed": r.killed,
        "injured": r.injured,
        "civilians_killed": r.civilians_killed,
        "civilians_injured": r.civilians_injured,
        "damaged_object": _value(r.damaged_object),
        "alleged_party": r.alleged_party,
        "text": r.text,
        "links": list(r.links),
        "attachments": list(r.attachments),
    }
    if r.updates is not None:
        content["updates"] = r.updates
    return content


def report_from_content(content: dict[str, Any], received_at: datetime) -> Report:
    """The inverse of `report_content`: rebuilds a report from the log or a stored row."""
    c = content
    return Report(
        report_id=c["report_id"],
        source_id=c["source_id"],
        external_id=c["external_id"],
        observed_start=datetime.fromisoformat(c["observed_start"]),
        observed_end=datetime.fromisoformat(c["observed_end"]),
        time_precision=TimePrecision(c["time_precision"]),
        category=Category(c["category"]),
        lon=c["lon"],
        lat=c["lat"],
        uncertainty_m=c["uncertainty_m"],
        geo_precision=_enum(GeoPrecision, c["geo_precision"]),
        place=c["place"],
        weapon_class=_enum(WeaponClass, c["weapon_class"]),
        explosions=c["explosions"],
        projectiles=c["projectiles"],
        bursts=c["bursts"],
        shots=c["shots"],
        direction=_enum(Direction, c["direction"]),
        bearing_deg=c["bearing_deg"],
        distance_min_m=c["distance_min_m"],
        distance_max_m=c["distance_max_m"],
        killed=c["killed"],
        injured=c["injured"],
        civilians_killed=c["civilians_killed"],
        civilians_injured=c["civilians_injured"],
        damaged_object=_enum(ObjectClass, c["damaged_object"]),
        alleged_party=c["alleged_party"],
        text=c["text"],
        links=tuple(c["links"]),
        attachments=tuple(c["attachments"]),
        received_at=received_at,
        updates=c.get("updates"),
    )


def source_content(source: Source) -> dict[str, Any]:
    return {
        "source_id": source.source_id,
        "kind": source.kind.value,
        "organisation": source.organisation,
        "reliability": source.reliability.value,
    }


def source_from_content(content: dict[str, Any]) -> Source:
    return Source(
        source_id=content["source_id"],
        kind=SourceKind(content["kind"]),
        organisation=content["organisation"],
        reliability=Reliability(content["reliability"]),
    )


def _value(member: Enum | None) -> str | None:
    return None if member is None else str(member.value)


def _enum(kind: type[_E], value: str | None) -> _E | None:
    return None if value is None else kind(value)
