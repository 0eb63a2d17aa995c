"""Geography use cases: deriving a line of contact, building zones, classifying points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from ceasefire.domain.geo.line_from_area import DerivedLine, LineParameters, derive_contact_line
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.domain.geo.projection import MetricFrame
from ceasefire.domain.geo.zones import Zone
from ceasefire.geofiles.geojson import GeoFileError, feature, read_features, read_geometry

BUNDLED_COUNTRIES = "bundled:geo/countries.geojson"


def country_geometry(name_or_reference: str) -> BaseGeometry:
    """A bundled country by name or ISO code (`ukraine`, `UKR`), or any geometry reference."""
    if any(mark in name_or_reference for mark in "./#:"):
        return read_geometry(name_or_reference)
    wanted = name_or_reference.casefold()
    countries = read_features(BUNDLED_COUNTRIES)
    for country in countries:
        names = {country.name.casefold(), str(country.properties.get("iso_a3", "")).casefold()}
        if wanted in names:
            return country.geometry
    known = ", ".join(sorted(c.name.lower() for c in countries))
    raise GeoFileError(f"--country: no bundled country {name_or_reference!r}; bundled: {known}")


@dataclass(frozen=True)
class LineResult:
    line: BaseGeometry  # lon/lat
    derived: DerivedLine  # metric, with every stretch considered


def line_from_area(
    area_reference: str, country: str, parameters: LineParameters, relative_to: Path | None = None
) -> LineResult:
    area = read_geometry(area_reference, relative_to)
    if area.geom_type not in ("Polygon", "MultiPolygon"):
        raise GeoFileError(
            f"{area_reference}: a control area is a (Multi)Polygon, not {area.geom_type}"
        )
    country_shape = country_geometry(country)
    frame = MetricFrame.centred_on(country_shape)
    area_m = shapely.make_valid(frame.to_metric(area))
    country_m = shapely.make_valid(frame.to_metric(country_shape))
    derived = derive_contact_line(area_m, country_m, parameters)
    return LineResult(frame.to_lonlat(derived.line), derived)


def zone_features(
    loaded: LoadedAgreement, zones: Sequence[Zone] | None = None
) -> list[dict[str, Any]]:
    """The agreement's zones as GeoJSON features (RFC 7946), for files and the API alike."""
    built = loaded.zones if zones is None else zones
    return [
        feature(
            zone.geometry,
            {
                "name": zone.name,
                "kind": zone.kind,
                "party": zone.party,
                "weapon_class": None if zone.weapon_class is None else zone.weapon_class.value,
                "distance_km": None if zone.distance_m is None else zone.distance_m / 1000,
                "agreement": loaded.name,
                "agreement_version": loaded.version,
            },
        )
        for zone in built
    ]


def held_area_features(loaded: LoadedAgreement, tolerance_m: float = 300.0) -> list[dict[str, Any]]:
    """Who holds what, for a map: the area of the agreement's first control rule (the ground
    one party holds beyond the line, e.g. RU's occupied areas), as the published reports shade
    it, simplified to `tolerance_m` (a map at operations-centre zooms needs no finer)."""
    g = loaded.geography
    party, area = g.control[0]
    simple = shapely.simplify(area, tolerance_m, preserve_topology=True)
    return [
        feature(
            g.frame.to_lonlat(simple),
            {
                "party": party,
                "label": f"held by {party}",
                "agreement": loaded.name,
                "agreement_version": loaded.version,
            },
        )
    ]


def place_labels(min_population: int) -> list[dict[str, Any]]:
    """The bundled gazetteer's towns of at least `min_population`, biggest first: names for
    the map, with no tile server (GeoNames, CC BY 4.0)."""
    from ceasefire.geofiles.gazetteer import bundled_gazetteer

    found = [p for p in bundled_gazetteer().places if p.population >= min_population]
    found.sort(key=lambda p: -p.population)
    return [{"name": p.name, "lon": p.lon, "lat": p.lat, "population": p.population} for p in found]
