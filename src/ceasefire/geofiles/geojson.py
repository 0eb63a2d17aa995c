"""GeoJSON geometry files: read with a feature selector, write RFC 7946 collections.

A reference may select features: `countries.geojson#iso_a3=UKR` keeps the features whose
property `iso_a3` is `UKR`; without a selector every feature is used.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from ceasefire.data import resolve

COORDINATE_DECIMALS = 6  # about 10 cm


class GeoFileError(ValueError):
    """A geometry file that cannot be used, with the file and the reason."""


@dataclass(frozen=True, slots=True)
class NamedGeometry:
    name: str
    geometry: BaseGeometry
    properties: dict[str, Any]


def split_reference(reference: str) -> tuple[str, str | None, str | None]:
    """`file#key=value` into (file, key, value).

    >>> split_reference("bundled:geo/countries.geojson#iso_a3=UKR")
    ('bundled:geo/countries.geojson', 'iso_a3', 'UKR')
    """
    target, _, selector = reference.partition("#")
    if not selector:
        return target, None, None
    key, sep, value = selector.partition("=")
    if not sep:
        raise GeoFileError(f"{reference}: a selector is written #property=value")
    return target, key, value


def read_features(reference: str, relative_to: Path | None = None) -> list[NamedGeometry]:
    target, key, value = split_reference(reference)
    path = resolve(target, relative_to)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GeoFileError(f"{path}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GeoFileError(f"{path}: not valid GeoJSON ({exc})") from None
    features = _features(document, path)
    chosen = [f for f in features if key is None or str(f.properties.get(key)) == value]
    if not chosen:
        raise GeoFileError(f"{path}: no feature has {key} = {value!r}")
    return chosen


def read_geometry(reference: str, relative_to: Path | None = None) -> BaseGeometry:
    """All selected features of a file as one geometry."""
    parts = [f.geometry for f in read_features(reference, relative_to)]
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _features(document: Any, path: Path) -> list[NamedGeometry]:
    if not isinstance(document, dict):
        raise GeoFileError(f"{path}: GeoJSON must be an object")
    kind = document.get("type")
    if kind == "FeatureCollection":
        raw = document.get("features")
    elif kind == "Feature":
        raw = [document]
    elif kind in _GEOMETRY_TYPES:
        raw = [{"type": "Feature", "geometry": document, "properties": {}}]
    else:
        raise GeoFileError(f"{path}: {kind!r} is not a GeoJSON type")
    if not isinstance(raw, list):
        raise GeoFileError(f"{path}: 'features' must be an array")
    result = []
    for index, feature in enumerate(raw):
        try:
            geometry = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GeoFileError(f"{path}: features[{index}]: bad geometry ({exc})") from None
        properties = feature.get("properties") or {}
        name = str(properties.get("name") or properties.get("shapeName") or f"feature {index}")
        result.append(NamedGeometry(name, geometry, properties))
    return result


_GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)


def feature(geometry: BaseGeometry, properties: dict[str, Any]) -> dict[str, Any]:
    """A Feature with coordinates rounded and polygons wound by the right-hand rule."""
    rounded = shapely.set_precision(geometry, 10**-COORDINATE_DECIMALS)
    if rounded.geom_type in ("Polygon", "MultiPolygon"):
        rounded = shapely.orient_polygons(rounded)
    return {"type": "Feature", "geometry": mapping(rounded), "properties": properties}


def write_collection(path: Path, features: Iterable[dict[str, Any]], **members: Any) -> None:
    document = {"type": "FeatureCollection", **members, "features": list(features)}
    path.write_text(
        json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


def named(features: Sequence[NamedGeometry], name_property: str | None) -> list[NamedGeometry]:
    """Rename features by a property, when the file's names live elsewhere."""
    if name_property is None:
        return list(features)
    return [
        NamedGeometry(str(f.properties.get(name_property, f.name)), f.geometry, f.properties)
        for f in features
    ]
