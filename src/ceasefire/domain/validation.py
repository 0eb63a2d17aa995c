"""Turning one submitted record into a report, or into every reason it cannot be one.

Every door (CSV, JSON Lines, GeoJSON, ACLED, UCDP, later the API) maps its input onto the same
field names and calls `parse_report`, so a rule is written once and holds everywhere. All
problems of a record are reported together, each naming its field, so a person fixes a row in
one pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from typing import TypeVar

from ceasefire.domain.canonical import canonical_json, report_content, sha256_hex
from ceasefire.domain.reports import (
    DEFAULT_UNCERTAINTY_M,
    Direction,
    GeoPrecision,
    ObjectClass,
    Reliability,
    Report,
    Source,
    SourceKind,
    TimePrecision,
    report_id_for,
)
from ceasefire.domain.taxonomy import Category, WeaponClass
from ceasefire.domain.timeparse import Moment, add_days, add_months, end_of_day, parse_moment

_E = TypeVar("_E", bound=Enum)

# The input schema, in the column order of our CSV format (documented in docs/records.md).
REPORT_FIELDS: tuple[str, ...] = (
    "source_id",
    "source_kind",
    "source_org",
    "source_reliability",
    "external_id",
    "observed_start",
    "observed_end",
    "time_precision",
    "lon",
    "lat",
    "uncertainty_m",
    "geo_precision",
    "place",
    "category",
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
    "updates",
)
REQUIRED_FIELDS: tuple[str, ...] = ("source_id", "source_kind", "observed_start", "category")

_SOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$")
PARTY_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,15}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_LIST_SPLIT = re.compile(r"[|\s]+")
_COORD_DECIMALS = 7  # about 1 cm: finer digits are noise, and rounding makes storage exact
MAX_COUNT = 2_147_483_647  # what every database's INTEGER holds


@dataclass(frozen=True, slots=True)
class BBox:
    """A lon/lat box; used to recognise coordinates given as lat/lon by mistake."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def __str__(self) -> str:
        return f"lon {self.west:g}..{self.east:g}, lat {self.south:g}..{self.north:g}"


# Ukraine and the neighbouring areas where strikes are launched from: the seed theatre.
DEFAULT_AREA_OF_INTEREST = BBox(west=22.0, south=43.5, east=41.5, north=53.5)


@dataclass(frozen=True, slots=True)
class IngestRules:
    """What validation needs from outside: the time now, the zone for times without an
    offset, how far into the future a clock may drift, and the theatre's bounding box."""

    now: datetime
    zone: tzinfo
    future_skew: timedelta = timedelta(minutes=5)
    area_of_interest: BBox | None = DEFAULT_AREA_OF_INTEREST


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Accepted:
    source: Source
    report: Report


Value = str | int | float | bool | list[str] | None


def unrepresentable(fields: Mapping[str, Value]) -> list[FieldError]:
    """Values no record can keep, whatever the field: NaN and the infinities (JSON has no
    such numbers, and a hash of the record could not be written) and text that is not
    Unicode (a lone surrogate, which a JSON escape can smuggle in). Checked before anything
    is hashed or stored, so each door answers with the field instead of failing."""
    problems: list[FieldError] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, float) and not math.isfinite(item):
                shown = "NaN" if math.isnan(item) else ("-Infinity" if item < 0 else "Infinity")
                problems.append(FieldError(name, f"{shown} is not a number a record can keep"))
                break
            if isinstance(item, str):
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    problems.append(
                        FieldError(name, "is not valid Unicode text (a lone surrogate)")
                    )
                    break
    return problems


def parse_report(fields: Mapping[str, Value], rules: IngestRules) -> Accepted | list[FieldError]:
    """Validate one record; return the source and report, or every field error found."""
    unusable = unrepresentable(fields)
    if unusable:
        return unusable
    reader = _Reader(fields)
    source = _source(reader)
    start, end, precision = _observed_window(reader, rules)
    lon, lat, uncertainty_m, geo_precision, place = _location(reader, rules)
    category = reader.enum("category", Category, required=True)
    weapon_class = reader.enum("weapon_class", WeaponClass)
    counts = [reader.count(name) for name in ("explosions", "projectiles", "bursts", "shots")]
    direction = reader.enum("direction", Direction)
    bearing_deg = reader.number("bearing_deg", low=0.0, high=360.0, high_open=True)
    distance_min_m, distance_max_m = _distance_band(reader)
    killed, injured, civilians_killed, civilians_injured = _casualties(reader)
    damaged_object = reader.enum("damaged_object", ObjectClass)
    alleged_party = _alleged_party(reader)
    text = reader.text("text")
    links = _links(reader)
    attachments = _attachments(reader)
    external_id = reader.text("external_id", max_length=256)
    updates = reader.text("updates", max_length=256) or None
    if updates is not None and updates == external_id:
        reader.fail("updates", "a report cannot update itself (it names its own external_id)")
    if reader.errors:
        return reader.errors
    assert source is not None and start is not None and end is not None
    assert precision is not None and category is not None
    report = Report(
        report_id=report_id_for(source.source_id, external_id),
        source_id=source.source_id,
        external_id=external_id,
        observed_start=start,
        observed_end=end,
        time_precision=precision,
        category=category,
        lon=lon,
        lat=lat,
        uncertainty_m=uncertainty_m,
        geo_precision=geo_precision,
        place=place,
        weapon_class=weapon_class,
        explosions=counts[0] or 0,
        projectiles=counts[1] or 0,
        bursts=counts[2] or 0,
        shots=counts[3] or 0,
        direction=direction,
        bearing_deg=bearing_deg,
        distance_min_m=distance_min_m,
        distance_max_m=distance_max_m,
        killed=killed,
        injured=injured,
        civilians_killed=civilians_killed,
        civilians_injured=civilians_injured,
        damaged_object=damaged_object,
        alleged_party=alleged_party,
        text=text,
        links=links,
        attachments=attachments,
        received_at=rules.now,
        updates=updates,
    )
    if not external_id:
        report = _with_content_identity(report)
    return Accepted(source=source, report=report)


def _with_content_identity(report: Report) -> Report:
    """A report sent without an external id is identified by what it says, so that sending
    the same file again is still recognised as a repeat rather than stored twice."""
    digest = sha256_hex(canonical_json(report_content(report)))
    external_id = f"sha256:{digest[:32]}"
    return replace(
        report, external_id=external_id, report_id=report_id_for(report.source_id, external_id)
    )


class _Reader:
    """Reads typed values out of a record, collecting errors instead of raising on the first."""

    __slots__ = ("errors", "fields")

    def __init__(self, fields: Mapping[str, Value]) -> None:
        # Trimmed once here: every field is read several times, and blank means absent.
        self.fields = {
            name: (value.strip() or None) if isinstance(value, str) else value
            for name, value in fields.items()
        }
        self.errors: list[FieldError] = []

    def fail(self, field: str, reason: str) -> None:
        self.errors.append(FieldError(field, reason))

    def raw(self, name: str) -> Value:
        return self.fields.get(name)

    def present(self, name: str) -> bool:
        return self.fields.get(name) is not None

    def text(self, name: str, *, required: bool = False, max_length: int = 100_000) -> str:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, "required")
            return ""
        if not isinstance(value, str):
            self.fail(name, f"expected text, got {type(value).__name__}")
            return ""
        if len(value) > max_length:
            self.fail(name, f"longer than {max_length} characters")
            return ""
        if "\x00" in value:
            self.fail(name, "contains a NUL character")
            return ""
        return value

    def enum(self, name: str, kind: type[_E], *, required: bool = False) -> _E | None:
        value = self.raw(name)
        if value is None:
            if required:
                self.fail(name, f"required; one of {_choices(kind)}")
            return None
        try:
            return kind(str(value).lower() if kind is not Reliability else str(value).upper())
        except ValueError:
            self.fail(name, f"unknown value {value!r}; valid: {_choices(kind)}")
            return None

    def count(self, name: str) -> int | None:
        value = self.raw(name)
        if value is None:
            return None
        number = _as_int(value)
        if number is None:
            self.fail(name, f"{value!r} is not a whole number")
        elif number < 0:
            self.fail(name, f"{number} is negative")
        elif number > MAX_COUNT:
            self.fail(name, f"{number} is too large (at most {MAX_COUNT:,})")
        else:
            return number
        return None

    def number(
        self, name: str, *, low: float, high: float, high_open: bool = False
    ) -> float | None:
        value = self.raw(name)
        if value is None:
            return None
        number = _as_float(value)
        if number is None:
            self.fail(name, f"{value!r} is not a number")
            return None
        if not low <= number <= high or (high_open and number == high):
            bracket = ")" if high_open else "]"
            self.fail(name, f"{number:g} is out of range [{low:g}, {high:g}{bracket}")
            return None
        return number


def _choices(kind: type[Enum]) -> str:
    return ", ".join(str(member.value) for member in kind)


def _as_int(value: Value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _as_float(value: Value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _source(reader: _Reader) -> Source | None:
    source_id = reader.text("source_id", required=True, max_length=128)
    if source_id and not _SOURCE_ID.match(source_id):
        reader.fail(
            "source_id",
            f"{source_id!r} must start with a letter or digit and hold only letters, digits "
            "and . _ : / @ + -",
        )
    kind = reader.enum("source_kind", SourceKind, required=True)
    organisation = reader.text("source_org", max_length=256)
    reliability = reader.enum("source_reliability", Reliability) or Reliability.F
    if not source_id or kind is None:
        return None
    return Source(source_id, kind, organisation, reliability)


def _moment(reader: _Reader, name: str, rules: IngestRules) -> Moment | None:
    value = reader.raw(name)
    if value is None:
        return None
    try:
        return parse_moment(str(value), rules.zone)
    except ValueError as exc:
        reader.fail(name, str(exc))
        return None


def _observed_window(
    reader: _Reader, rules: IngestRules
) -> tuple[datetime | None, datetime | None, TimePrecision | None]:
    """The observed window [start, end] in UTC and how precisely it is known.

    With no end given, the window is as long as the precision says: an instant for `exact`,
    the rest of the day, week or month otherwise. A date alone as end means that whole day.
    """
    start = _moment(reader, "observed_start", rules)
    if start is None and not reader.present("observed_start"):
        reader.fail("observed_start", "required (ISO 8601, e.g. 2025-04-20T14:35+03:00)")
    end = _moment(reader, "observed_end", rules)
    precision = reader.enum("time_precision", TimePrecision)
    if start is None:
        return None, None, None
    if precision is None:
        precision = TimePrecision.DAY if start.date_only else TimePrecision.EXACT
    if end is not None:
        end_at = end_of_day(end, rules.zone) if end.date_only else end.at
    else:
        end_at = _default_end(start, precision, rules.zone)
    if start.at > rules.now + rules.future_skew:
        now = rules.now.isoformat(timespec="seconds")
        reader.fail(
            "observed_start",
            f"{start.at.isoformat()} is in the future (now {now}, "
            f"allowed clock skew {rules.future_skew})",
        )
    if end_at < start.at:
        reader.fail(
            "observed_end",
            f"{end_at.isoformat()} is before observed_start {start.at.isoformat()}",
        )
    return start.at, end_at, precision


def _default_end(start: Moment, precision: TimePrecision, zone: tzinfo) -> datetime:
    if precision is TimePrecision.EXACT:
        return start.at
    if precision is TimePrecision.DAY:
        return end_of_day(start, zone) if start.date_only else start.at + timedelta(days=1)
    if precision is TimePrecision.WEEK:
        return add_days(start.at, 7, zone)
    return add_months(start.at, 1, zone)


def _location(
    reader: _Reader, rules: IngestRules
) -> tuple[float | None, float | None, int | None, GeoPrecision | None, str]:
    place = reader.text("place", max_length=512)
    has_lon, has_lat = reader.present("lon"), reader.present("lat")
    precision = reader.enum("geo_precision", GeoPrecision)
    uncertainty_m = reader.count("uncertainty_m")
    if not has_lon and not has_lat:
        if not place:
            reader.fail("lon/lat", "missing: give coordinates (lon, lat) or a place name")
        return None, None, uncertainty_m, precision, place
    if has_lon != has_lat:
        reader.fail("lat" if has_lon else "lon", "missing: give both lon and lat, or neither")
        return None, None, None, None, place
    lon, lat = _as_float(reader.raw("lon")), _as_float(reader.raw("lat"))
    if lon is None or lat is None:
        for name, number in (("lon", lon), ("lat", lat)):
            if number is None:
                reader.fail(name, f"{reader.raw(name)!r} is not a number")
        return None, None, None, None, place
    if not _coordinates_ok(reader, lon, lat, rules.area_of_interest):
        return None, None, None, None, place
    if precision is None:
        precision = _precision_for(uncertainty_m)
    if uncertainty_m is None:
        uncertainty_m = DEFAULT_UNCERTAINTY_M[precision]
    return round(lon, _COORD_DECIMALS), round(lat, _COORD_DECIMALS), uncertainty_m, precision, place


def _coordinates_ok(reader: _Reader, lon: float, lat: float, area: BBox | None) -> bool:
    """Range checks, and the common mistake of giving latitude first."""
    lon_ok, lat_ok = -180.0 <= lon <= 180.0, -90.0 <= lat <= 90.0
    if not lat_ok and abs(lon) <= 90.0 and lon_ok:
        reader.fail(
            "lat",
            f"{lat:g} is out of range [-90, 90]; lon and lat look swapped "
            f"(lon={lon:g}, lat={lat:g}): lon comes first",
        )
        return False
    if not lon_ok or not lat_ok:
        if not lon_ok:
            reader.fail("lon", f"{lon:g} is out of range [-180, 180]")
        if not lat_ok:
            reader.fail("lat", f"{lat:g} is out of range [-90, 90]")
        return False
    if area is not None and not area.contains(lon, lat) and area.contains(lat, lon):
        reader.fail(
            "lon/lat",
            f"(lon={lon:g}, lat={lat:g}) lies outside the area of interest ({area}) but "
            f"(lon={lat:g}, lat={lon:g}) lies inside it: lon and lat look swapped",
        )
        return False
    return True


def _precision_for(uncertainty_m: int | None) -> GeoPrecision:
    """The finest precision whose default radius covers a stated uncertainty."""
    if uncertainty_m is None:
        return GeoPrecision.EXACT
    for precision, radius_m in DEFAULT_UNCERTAINTY_M.items():
        if uncertainty_m <= radius_m:
            return precision
    return GeoPrecision.COUNTRY


def _distance_band(reader: _Reader) -> tuple[int | None, int | None]:
    low, high = reader.count("distance_min_m"), reader.count("distance_max_m")
    if low is not None and high is not None and high < low:
        reader.fail("distance_max_m", f"{high} is less than distance_min_m {low}")
    return low, high


def _casualties(reader: _Reader) -> tuple[int, int, int, int]:
    """Totals include civilians; a total left out defaults to the civilian count."""
    civilians_killed = reader.count("civilians_killed") or 0
    civilians_injured = reader.count("civilians_injured") or 0
    killed = reader.count("killed")
    injured = reader.count("injured")
    killed = civilians_killed if killed is None else killed
    injured = civilians_injured if injured is None else injured
    if civilians_killed > killed:
        reader.fail("civilians_killed", f"{civilians_killed} is more than killed ({killed})")
    if civilians_injured > injured:
        reader.fail("civilians_injured", f"{civilians_injured} is more than injured ({injured})")
    return killed, injured, civilians_killed, civilians_injured


def _alleged_party(reader: _Reader) -> str:
    party = reader.text("alleged_party", max_length=16).upper()
    if party and not PARTY_CODE.match(party):
        reader.fail("alleged_party", f"{party!r} is not a party code such as RU or UA")
        return ""
    return party


def _listed(reader: _Reader, name: str) -> list[str]:
    value = reader.raw(name)
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(item).strip() for item in value if str(item).strip()]
    elif isinstance(value, str):
        items = [item for item in _LIST_SPLIT.split(value) if item]
    else:
        reader.fail(name, f"expected a list or text, got {type(value).__name__}")
        return []
    if any("\x00" in item for item in items):
        reader.fail(name, "contains a NUL character")
        return []
    return items


def _links(reader: _Reader) -> tuple[str, ...]:
    links = _listed(reader, "links")
    for link in links:
        if not link.startswith(("http://", "https://")):
            reader.fail("links", f"{link!r} is not an http(s) address")
    return tuple(links)


def _attachments(reader: _Reader) -> tuple[str, ...]:
    hashes = [item.lower() for item in _listed(reader, "attachments")]
    for digest in hashes:
        if not _SHA256.match(digest):
            reader.fail("attachments", f"{digest!r} is not a SHA-256 hash (64 hex digits)")
    return tuple(hashes)
