"""JSON Lines (one report object per line) and GeoJSON FeatureCollections (RFC 7946)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ceasefire.domain.validation import REPORT_FIELDS, FieldError, Value
from ceasefire.ingest.records import FileProblem, ParsedFile, RawRecord

_KNOWN = frozenset(REPORT_FIELDS)
_TOO_DEEP = "nested too deeply to read (a report's fields are flat values)"
_GEOJSON_PROPERTIES = frozenset(_KNOWN - {"lon", "lat"})


def _fields(
    obj: dict[str, Any], known: frozenset[str], where: str
) -> tuple[dict[str, Value], FieldError | None]:
    unknown = sorted(set(obj) - known)
    if unknown:
        valid = ", ".join(sorted(known))
        return {}, FieldError(where, f"unknown field(s) {', '.join(unknown)}; valid: {valid}")
    return {key: _value(value) for key, value in obj.items()}, None


def _value(value: Any) -> Value:
    if isinstance(value, list):
        return [_shown(item) for item in value]
    if isinstance(value, (dict,)):
        return _shown(value)  # rejected by the field's own check with its name
    return value  # type: ignore[no-any-return]


def _shown(value: Any) -> str:
    """A nested value as text for the message that rejects it (never a crash on depth)."""
    if not isinstance(value, (dict, list)):
        return str(value)
    try:
        return json.dumps(value)
    except RecursionError:
        return "(a value nested too deeply to show)"


def parse_jsonl(path: Path, text: str) -> ParsedFile:
    # Split on newlines only: str.splitlines() also breaks on U+2028 and other separators,
    # which JSON allows unescaped inside strings.
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and not lines[-1]:
        lines.pop()

    def records() -> Iterator[RawRecord]:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield RawRecord(
                    where,
                    {},
                    line,
                    number,
                    problem=FieldError("line", f"not valid JSON: {exc.msg} (column {exc.colno})"),
                )
                continue
            except RecursionError:  # a report is flat: this line is not one
                yield RawRecord(where, {}, line, number, problem=FieldError("line", _TOO_DEEP))
                continue
            if not isinstance(obj, dict):
                yield RawRecord(
                    where,
                    {},
                    line,
                    number,
                    problem=FieldError("line", f"expected a JSON object, got {type(obj).__name__}"),
                )
                continue
            fields, problem = _fields(obj, _KNOWN, "fields")
            yield RawRecord(where, fields, line, number, problem=problem)

    def write_rejects(target: Path, originals: Sequence[Any]) -> None:
        target.write_text("".join(f"{line}\n" for line in originals), encoding="utf-8")

    return ParsedFile("jsonl", len(lines), records(), write_rejects, ".rejects.jsonl")


def parse_geojson(path: Path, text: str) -> ParsedFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileProblem(
            f"{path}:{exc.lineno}", f"not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    except RecursionError:
        raise FileProblem(str(path), _TOO_DEEP) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise FileProblem(str(path), f"GeoJSON: expected a FeatureCollection, got {kind!r}")
    features = document.get("features")
    if not isinstance(features, list):
        raise FileProblem(str(path), "GeoJSON: 'features' must be an array")

    def records() -> Iterator[RawRecord]:
        for index, feature in enumerate(features):
            where = f"{path}:features[{index}]"
            fields, problem = _feature_fields(feature)
            yield RawRecord(where, fields, feature, index + 1, problem=problem)

    def write_rejects(target: Path, originals: Sequence[Any]) -> None:
        collection = {"type": "FeatureCollection", "features": list(originals)}
        target.write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")

    return ParsedFile("geojson", len(features), records(), write_rejects, ".rejects.geojson")


def _feature_fields(feature: Any) -> tuple[dict[str, Value], FieldError | None]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {}, FieldError("feature", "not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return {}, FieldError("properties", "must be an object")
    fields, problem = _fields(properties, _GEOJSON_PROPERTIES, "properties")
    if problem:
        return {}, problem
    geometry = feature.get("geometry")
    if geometry is None:
        return fields, None  # allowed when a place name is given; validation checks
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        return {}, FieldError("geometry", f"{kind!r} is not supported for a report; use a Point")
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) not in (2, 3):
        return {}, FieldError("geometry", "a Point's coordinates are [lon, lat] (RFC 7946)")
    fields["lon"], fields["lat"] = coordinates[0], coordinates[1]
    return fields, None
