"""The free-text extractor scored against how others coded the same events.

- ACLED (`../shared/data/real/acled_sample/`, internal use only, never committed): each row's
  `notes` through the extractor, compared with ACLED's own coding: category against
  `sub_event_type` (agreeing means any category `taxonomy.acled_compatible` allows; for a
  protest, no category), location against latitude/longitude, date against `event_date`.
- CIR / Eyes on Russia (`../shared/data/real/cir_eyes_on_russia/`, rows in Ukraine): each row's
  title (a date and the description) against the geolocated point and the date.
- UCDP GED (the committed extract in `data/samples/`): `where_description` against the point,
  for events UCDP places at a named place (`where_prec` 1 or 2).

Beside the extractor, a naive baseline: the most populous place of the first gazetteer name
in the text, and the most frequent category of the set. A miss counts as *explained* when the
extractor flagged that field, as *confident* when it did not: the goal is no confident misses.

Usage: .venv/bin/python benchmarks/extract_eval.py [--shared ../shared/data/real] [--limit N]
       [--misses]   (lists each confident miss, with its text: ACLED's are for reading here only)
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pyproj import Geod
from rich.console import Console
from rich.table import Table

from ceasefire.domain.extraction.extract import Context, Extraction, extract
from ceasefire.domain.reports import GeoPrecision
from ceasefire.domain.taxonomy import Category, acled_compatible
from ceasefire.geofiles.gazetteer import bundled_place_names
from ceasefire.services.extraction import front_distance

ROOT = Path(__file__).resolve().parent.parent
GEOD = Geod(ellps="WGS84")
KYIV = ZoneInfo("Europe/Kyiv")
FAR_KM = 25.0  # a located event further than this from the coded point is a location miss


@dataclass
class Case:
    text: str
    lon: float
    lat: float
    day: date | None
    compatible: frozenset[Category] | None  # None: the set codes no category we compare


@dataclass
class Score:
    name: str
    n: int = 0
    category_n: int = 0
    category_right: int = 0
    category_confident_miss: int = 0
    category_flagged: int = 0
    located: int = 0
    oblast_only: int = 0
    errors_km: list[float] = field(default_factory=list)
    location_confident_miss: int = 0
    location_flagged: int = 0
    outside_radius_not_flagged: int = 0
    dated: int = 0
    date_right: int = 0
    date_confident_miss: int = 0
    baseline_category_right: int = 0
    baseline_errors_km: list[float] = field(default_factory=list)
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)  # the confident misses, described


def acled_cases(folder: Path) -> list[Case]:
    rows = _rows(folder / "acled_sample" / "acled_ukraine_sample_700.csv")
    return [
        Case(
            row["notes"],
            float(row["longitude"]),
            float(row["latitude"]),
            datetime.strptime(row["event_date"][:10], "%d/%m/%Y").date(),  # noqa: DTZ007
            acled_compatible(row["event_type"], row["sub_event_type"]),
        )
        for row in rows
    ]


def cir_cases(folder: Path) -> list[Case]:
    rows = _rows(folder / "cir_eyes_on_russia" / "cir_russian_ukraine_monitor_events_2022.csv")
    cases = []
    for row in rows:
        if row["country"] != "Ukraine" or not row["lat"] or not row["date"]:
            continue
        try:
            day = date.fromisoformat(row["date"])
            cases.append(Case(row["title"], float(row["lon"]), float(row["lat"]), day, None))
        except ValueError:
            continue
    return cases


def ucdp_cases() -> list[Case]:
    rows = _rows(ROOT / "data" / "samples" / "ucdp_ged_donbas_minsk2.csv")
    return [
        Case(row["where_description"], float(row["longitude"]), float(row["latitude"]), None, None)
        for row in rows
        if row["where_prec"] in ("1", "2") and row["where_description"].strip()
    ]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def score(name: str, cases: Sequence[Case], context: Context) -> Score:
    result = Score(name, n=len(cases))
    common = _most_frequent(cases)
    started = time.perf_counter()
    extractions = [extract(case.text, context) for case in cases]
    result.seconds = time.perf_counter() - started
    for case, extraction in zip(cases, extractions, strict=True):
        _score_category(result, case, extraction, common)
        _score_location(result, case, extraction, context)
        _score_date(result, case, extraction)
    return result


def _most_frequent(cases: Sequence[Case]) -> Category | None:
    """The baseline's one answer: the category most often compatible with the coding."""
    counts = Counter(c for case in cases if case.compatible for c in case.compatible)
    return counts.most_common(1)[0][0] if counts else None


def _score_category(result: Score, case: Case, ex: Extraction, common: Category | None) -> None:
    if case.compatible is None:
        return
    result.category_n += 1
    got = ex.kind.value.category if ex.kind else None
    right = got in case.compatible if case.compatible else got is None
    result.category_right += right
    result.category_flagged += "category" in ex.flagged_fields()
    result.baseline_category_right += (common in case.compatible) if case.compatible else False
    if not right and "category" not in ex.flagged_fields():
        result.category_confident_miss += 1
        result.misses.append(f"category {got}, coded {sorted(case.compatible)}: {case.text}")


def _score_location(result: Score, case: Case, ex: Extraction, context: Context) -> None:
    baseline = _first_name_point(case.text, context)
    if baseline is not None:
        result.baseline_errors_km.append(_km(baseline, (case.lon, case.lat)))
    if ex.location is None:
        return
    if ex.location.value.precision is GeoPrecision.PROVINCE:
        result.oblast_only += 1
        return
    result.located += 1
    result.location_flagged += "location" in ex.flagged_fields()
    error = _km((ex.location.value.lon, ex.location.value.lat), (case.lon, case.lat))
    result.errors_km.append(error)
    if "location" not in ex.flagged_fields():
        result.location_confident_miss += error > FAR_KM
        if error > FAR_KM:
            result.misses.append(
                f"location {error:.0f} km off ({ex.location.rule}, "
                f"{ex.location.value.place}): {case.text}"
            )
        result.outside_radius_not_flagged += error > ex.location.value.uncertainty_m / 1000


def _score_date(result: Score, case: Case, ex: Extraction) -> None:
    if case.day is None or ex.when is None:
        return
    result.dated += 1
    right = ex.when.value.start.astimezone(KYIV).date() == case.day
    result.date_right += right
    if not right and "observed_start" not in ex.flagged_fields():
        result.date_confident_miss += 1


def _first_name_point(text: str, context: Context) -> tuple[float, float] | None:
    for mention in context.names.mentions(text):
        if mention.places:
            place = max(mention.places, key=lambda p: p.population)
            return place.lon, place.lat
    return None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    _, _, metres = GEOD.inv(a[0], a[1], b[0], b[1])
    return float(metres) / 1000


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.2f} ({part}/{whole})" if whole else "-"


def _quantile(values: Iterable[float], q: float) -> str:
    data = sorted(values)
    if not data:
        return "-"
    if len(data) == 1:
        return f"{data[0]:.1f}"
    return f"{statistics.quantiles(data, n=100, method='inclusive')[round(q * 100) - 1]:.1f}"


def table(scores: Sequence[Score]) -> Table:
    out = Table(title="free-text extraction against others' coding", title_justify="left")
    out.add_column("measure")
    for s in scores:
        out.add_column(f"{s.name}\nextractor", justify="right")
        out.add_column(f"{s.name}\nbaseline", justify="right")
    rows: list[tuple[str, list[tuple[str, str]]]] = [
        ("texts", [(str(s.n), "") for s in scores]),
        ("category accuracy", [
            (_pct(s.category_right, s.category_n), _pct(s.baseline_category_right, s.category_n))
            for s in scores]),
        ("category flagged for the analyst", [
            (_pct(s.category_flagged, s.category_n), "") for s in scores]),
        ("category misses not flagged", [
            (str(s.category_confident_miss) if s.category_n else "-", "") for s in scores]),
        ("located at a place", [(_pct(s.located, s.n), _pct(len(s.baseline_errors_km), s.n))
                                for s in scores]),
        ("only the oblast (flagged)", [(_pct(s.oblast_only, s.n), "") for s in scores]),
        ("location error km, median", [
            (_quantile(s.errors_km, 0.5), _quantile(s.baseline_errors_km, 0.5)) for s in scores]),
        ("location error km, 90th pct", [
            (_quantile(s.errors_km, 0.9), _quantile(s.baseline_errors_km, 0.9)) for s in scores]),
        ("placed and flagged for the analyst", [
            (_pct(s.location_flagged, s.located), "") for s in scores]),
        (f"located > {FAR_KM:g} km off, not flagged", [
            (str(s.location_confident_miss), "") for s in scores]),
        ("outside its own radius, not flagged", [
            (_pct(s.outside_radius_not_flagged, s.located), "") for s in scores]),
        ("dated", [(_pct(s.dated, s.n) if s.dated else "-", "") for s in scores]),
        ("date accuracy (the day)", [(_pct(s.date_right, s.dated), "") for s in scores]),
        ("date misses not flagged", [
            (str(s.date_confident_miss) if s.dated else "-", "") for s in scores]),
        ("ms per text", [(f"{1000 * s.seconds / max(s.n, 1):.2f}", "") for s in scores]),
    ]  # fmt: skip
    for label, cells in rows:
        out.add_row(label, *[c for pair in cells for c in pair])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data" / "real")
    parser.add_argument("--limit", type=int, default=None, help="at most N texts per set")
    parser.add_argument(
        "--misses", action="store_true", help="list each confident miss (ACLED rows: read only)"
    )
    args = parser.parse_args()
    console = Console()
    context = Context(bundled_place_names(), KYIV, front_km=front_distance())
    sets: list[tuple[str, list[Case]]] = []
    if (args.shared / "acled_sample").is_dir():
        sets.append(("ACLED notes", acled_cases(args.shared)))
        sets.append(("CIR titles", cir_cases(args.shared)))
    else:
        console.print(f"{args.shared} not found: ACLED and CIR skipped (they are not committed)")
    sets.append(("UCDP places", ucdp_cases()))
    scores = [score(name, cases[: args.limit], context) for name, cases in sets]
    console.print(table(scores))
    if args.misses:
        for found in scores:
            for miss in found.misses:
                console.print(f"[bold]{found.name}[/bold] {miss}", highlight=False)


if __name__ == "__main__":
    main()
