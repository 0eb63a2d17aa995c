"""The bundled gazetteer: GeoNames populated places of Ukraine (cities500, CC BY 4.0)."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from ceasefire.data import DATA_DIR
from ceasefire.domain.extraction.placenames import PlaceNames, read_oblasts
from ceasefire.domain.places import Gazetteer, Place

BUNDLED_GAZETTEER = DATA_DIR / "gazetteer" / "geonames_ua_cities500.csv"


# GeoNames lists the districts of large cities (Horlivka's Kalinin district, Kyiv's Obolon) as
# populated places of their own; a report reads "3 km east of Horlivka", not of a district
# most readers cannot find on a map. Their alternate names give them away.
_CITY_DISTRICT = re.compile(r"rajon|rayon|raion|district|район", re.IGNORECASE)


class GazetteerError(ValueError):
    """A gazetteer file that cannot be read, naming the file, line and field."""


def read_places(path: Path) -> list[Place]:
    """Places from a GeoNames-style CSV (geonameid, name, latitude, longitude, admin1code,
    population, alternatenames), less the districts of cities."""
    places = []
    with path.open(newline="", encoding="utf-8") as stream:
        for line, row in enumerate(csv.DictReader(stream), start=2):
            if _CITY_DISTRICT.search(row.get("alternatenames") or ""):
                continue
            try:
                places.append(
                    Place(
                        int(row["geonameid"]),
                        row["name"],
                        float(row["longitude"]),
                        float(row["latitude"]),
                        row["admin1code"],
                        int(row["population"] or 0),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise GazetteerError(f"{path}:{line}: {exc}") from None
    return places


@cache
def bundled_gazetteer() -> Gazetteer:
    """Read once per process: about 5,500 places, a few milliseconds."""
    return Gazetteer(read_places(BUNDLED_GAZETTEER))


BUNDLED_OBLASTS = DATA_DIR / "gazetteer" / "oblasts.csv"


def read_alternate_names(path: Path) -> dict[int, tuple[str, ...]]:
    """Each place's alternate names (GeoNames' `alternatenames`, `|` between them): the other
    transliterations and the Ukrainian and Russian spellings a text may use."""
    with path.open(newline="", encoding="utf-8") as stream:
        return {
            int(row["geonameid"]): tuple(
                n for n in (row.get("alternatenames") or "").split("|") if n
            )
            for row in csv.DictReader(stream)
        }


@cache
def bundled_place_names() -> PlaceNames:
    """The bundled gazetteer's places by every name they go by, and the oblasts by theirs."""
    with BUNDLED_OBLASTS.open(newline="", encoding="utf-8") as stream:
        oblasts = read_oblasts(csv.DictReader(stream))
    return PlaceNames(bundled_gazetteer().places, read_alternate_names(BUNDLED_GAZETTEER), oblasts)
