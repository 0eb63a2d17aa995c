"""KML 2.2 for desktop GIS and Google Earth users: one Placemark per zone, styled by kind."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from ceasefire.domain.geo.zones import Zone

KML_NS = "http://www.opengis.net/kml/2.2"
# aabbggrr, as KML writes colours
_STYLES = {
    "line_of_contact": ("ff0000d0", "00000000", 3),
    "dmz": ("ff00a5ff", "5000a5ff", 1),
    "withdrawal_line": ("ff00d7ff", "00000000", 2),
    "weapon_zone": ("a0808080", "18808080", 1),
    "sector": ("ff909090", "00000000", 1),
}


def write_kml(path: Path, zones: Sequence[Zone], *, title: str) -> None:
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = _sub(root, "Document")
    _sub(document, "name", title)
    for kind, (line, fill, width) in _STYLES.items():
        style = _sub(document, "Style", id=kind)
        line_style = _sub(style, "LineStyle")
        _sub(line_style, "color", line)
        _sub(line_style, "width", str(width))
        _sub(_sub(style, "PolyStyle"), "color", fill)
    for zone in zones:
        placemark = _sub(document, "Placemark")
        _sub(placemark, "name", zone.name)
        _sub(placemark, "styleUrl", f"#{zone.kind}")
        _geometry(placemark, shapely.set_precision(zone.geometry, 1e-6))
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def _coordinates(geometry: BaseGeometry) -> str:
    return " ".join(f"{x:.6f},{y:.6f}" for x, y in shapely.get_coordinates(geometry))


def _geometry(parent: ET.Element, geometry: BaseGeometry) -> None:
    kind = geometry.geom_type
    if geometry.is_empty:
        return
    if kind.startswith("Multi") or kind == "GeometryCollection":
        multi = _sub(parent, "MultiGeometry")
        for part in shapely.get_parts(geometry):
            _geometry(multi, part)
    elif kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coordinates(geometry))
    elif kind == "LineString":
        _sub(_sub(parent, "LineString"), "coordinates", _coordinates(geometry))
    elif isinstance(geometry, Polygon):
        polygon = _sub(parent, "Polygon")
        rings = [("outerBoundaryIs", geometry.exterior)]
        rings += [("innerBoundaryIs", ring) for ring in geometry.interiors]
        for tag, ring in rings:
            _sub(_sub(_sub(polygon, tag), "LinearRing"), "coordinates", _coordinates(ring))


def write_points_kml(
    path: Path, rows: Sequence[Mapping[str, Any]], *, title: str, name_keys: Sequence[str]
) -> None:
    """One Placemark per row with a location, every field kept as ExtendedData, for reports
    opened in desktop GIS. Rows without lon/lat are left out."""
    path.write_bytes(points_kml(rows, title=title, name_keys=name_keys))


def points_kml(rows: Sequence[Mapping[str, Any]], *, title: str, name_keys: Sequence[str]) -> bytes:
    """`write_points_kml`'s document, as bytes (for the API)."""
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = _sub(root, "Document")
    _sub(document, "name", title)
    for row in rows:
        if row.get("lon") is None or row.get("lat") is None:
            continue
        placemark = _sub(document, "Placemark")
        _sub(placemark, "name", " ".join(str(row[key]) for key in name_keys if row.get(key)))
        extended = _sub(placemark, "ExtendedData")
        for key, value in row.items():
            if value is None or key in ("lon", "lat"):
                continue
            data = _sub(extended, "Data", name=key)
            shown = " ".join(value) if isinstance(value, list) else str(value)
            _sub(data, "value", shown)
        _sub(_sub(placemark, "Point"), "coordinates", f"{row['lon']:.6f},{row['lat']:.6f}")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
