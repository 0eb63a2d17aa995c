"""Extraction use cases: the context the extractor reads texts against, and the CLI's and the
API's way into it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from functools import cache

import numpy as np
import shapely

from ceasefire.domain.extraction.extract import Context
from ceasefire.domain.extraction.where import FrontDistance
from ceasefire.domain.geo.projection import MetricFrame
from ceasefire.geofiles.gazetteer import bundled_place_names
from ceasefire.geofiles.geojson import read_geometry

# The line that breaks ties between namesakes ("the one near the front"). The bundled demo line
# is the front of March 2025; a name's namesakes are tens of kilometres apart or more, so a line
# that moved a few kilometres since chooses the same place.
BUNDLED_LINE = "bundled:demo/line_of_contact_2025-03-18.geojson"


@cache
def front_distance(reference: str = BUNDLED_LINE) -> FrontDistance:
    """Kilometres from a point to the line of contact, in the theatre's metric frame."""
    line = read_geometry(reference)
    frame = MetricFrame.centred_on(line)
    metric = frame.to_metric(line)
    shapely.prepare(metric)

    def distance_km(lon: float, lat: float) -> float:
        x, y = frame.xy(np.array([lon]), np.array([lat]))
        return float(shapely.distance(metric, shapely.Point(x[0], y[0]))) / 1000

    return distance_km


def extraction_context(
    zone: tzinfo, reference: datetime | None = None, parties: Sequence[str] = ("RU", "UA")
) -> Context:
    """The bundled gazetteer and line, with the caller's zone, reference time and parties."""
    return Context(
        bundled_place_names(), zone, reference, front_km=front_distance(), parties=tuple(parties)
    )
