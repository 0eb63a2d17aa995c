"""Synthetic but honest histories: events along the real line of contact at rates taken from
public figures, each reported by one or more sources as monitors and parties report them.

A profile (`data/scenarios/*.yaml`) gives the rate of counted ceasefire violations per day
with its sources, the mix of categories, who fires how often, how far from the line fire
lands, the share at night and how many reports one event gets. Every number is a parameter;
the profile files cite where each comes from. The same profile, window and seed give the same
reports, byte for byte.

An event is placed on the line (uniformly by length, so each sector gets its share of the
front), then moved perpendicular to it onto the side of the party it is fired at, by a
distance drawn from an exponential with the profile's mean. Its reports are that event seen
by different sources: a few minutes and a few hundred metres apart, counts a little off. A
source reports an event once; a fifth report and more are the party's liaison office updating
its complaint (`updates`), as a source that reports an event again must say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely

from ceasefire.domain.geo.classify import Classifier
from ceasefire.domain.geo.zones import Geography
from ceasefire.domain.keypath import KeyPathProblems
from ceasefire.domain.taxonomy import CATEGORY_INFO, Category

COUNTED = ("explosions", "projectiles", "bursts", "shots")
# Who reports an event, in turn: the first report is a monitoring patrol's or a camera's, the
# next ones other patrols, sensors, and the party fired upon.
REPORTERS = (
    ("smm-patrol-{n}", "monitor_patrol", "Monitoring patrol {n}", "A"),
    ("camera-{n}", "camera_uav", "Fixed camera {n}", "B"),
    ("sensor-{n}", "sensor", "Acoustic sensor {n}", "B"),
    ("liaison-{victim}", "party_complaint", "{victim} liaison office", "F"),
)


@dataclass(frozen=True)
class Profile:
    name: str
    violations_per_day: float
    counts_per_event: dict[str, float]
    categories: dict[Category, float]
    firing_party: dict[str, float]
    impact_km_from_line: float
    night_share: float
    reports_per_event: float
    # The share of events the party fired upon also complains of, naming who fired (its
    # liaison office), when it has not already reported the event.
    complaint_share: float = 0.0

    def counted_kind(self, category: Category) -> str:
        kind = CATEGORY_INFO[category].osce_counting
        return kind if kind in COUNTED else "explosions"

    @property
    def violations_per_event(self) -> float:
        """The mean count one event adds: its category's counted kind, at least one."""
        return sum(
            share * max(1.0, self.counts_per_event.get(self.counted_kind(c), 1.0))
            for c, share in self.categories.items()
        )


def parse_profile(data: Any, source: str) -> Profile | list[str]:
    """A profile from its file's data, or every problem with its key path."""
    r = KeyPathProblems()
    if not isinstance(data, dict):
        return [f"{source}: a profile is a mapping of keys to values"]
    categories: dict[Category, float] = {}
    for name, share in (data.get("categories") or {}).items():
        try:
            categories[Category(name)] = float(share)
        except ValueError:
            r.fail(f"categories.{name}", "is not a category with a numeric share")
    if not categories:
        r.fail("categories", "needs at least one category with its share")
    parties = {str(p): float(s) for p, s in (data.get("firing_party") or {}).items()}
    if len(parties) != 2:
        r.fail("firing_party", "names the two parties with their shares of fire")
    numbers = {}
    for key in ("violations_per_day", "impact_km_from_line", "night_share", "reports_per_event"):
        value = data.get(key)
        if not isinstance(value, int | float) or value < 0:
            r.fail(key, f"must be a number at least 0, not {value!r}")
        numbers[key] = float(value) if isinstance(value, int | float) else 0.0
    if not 0 <= numbers["night_share"] <= 1:
        r.fail("night_share", "is a share between 0 and 1")
    if numbers["reports_per_event"] < 1:
        r.fail("reports_per_event", "is at least 1 (every event is reported once)")
    complaint_share = data.get("complaint_share", 0.0)
    if not isinstance(complaint_share, int | float) or not 0 <= complaint_share <= 1:
        r.fail("complaint_share", f"is a share between 0 and 1, not {complaint_share!r}")
        complaint_share = 0.0
    if r.problems:
        return [f"{source}: {p}" for p in r.problems]
    return Profile(
        name=str(data.get("name", source)),
        violations_per_day=numbers["violations_per_day"],
        counts_per_event={
            str(k): float(v) for k, v in (data.get("counts_per_event") or {}).items()
        },
        categories=categories,
        firing_party=parties,
        impact_km_from_line=numbers["impact_km_from_line"],
        night_share=numbers["night_share"],
        reports_per_event=numbers["reports_per_event"],
        complaint_share=float(complaint_share),
    )


def _pick(rng: np.random.Generator, shares: Mapping[Any, float], n: int) -> list[Any]:
    keys = list(shares)
    weights = np.array([shares[k] for k in keys], dtype=float)
    return [keys[i] for i in rng.choice(len(keys), size=n, p=weights / weights.sum())]


def _times(
    rng: np.random.Generator, profile: Profile, start: datetime, end: datetime, zone: Any
) -> list[datetime]:
    """Event times: a Poisson number for the window, each at a uniform moment, moved into the
    night with the profile's night share (local 18:00-06:00)."""
    hours = (end - start).total_seconds() / 3600
    expected = profile.violations_per_day / profile.violations_per_event * hours / 24
    count = int(rng.poisson(expected))
    offsets = np.sort(rng.uniform(0, hours, size=count))
    moments = []
    for offset in offsets:
        at = start + timedelta(hours=float(offset))
        local_hour = at.astimezone(zone).hour
        night = local_hour >= 18 or local_hour < 6
        if not night and rng.random() < (profile.night_share - 0.5) * 2:
            at = at + timedelta(hours=12)  # day fire moved into the night, same date span
            if at >= end:
                at -= timedelta(hours=24)
        if at >= start:
            moments.append(at)
    return sorted(moments)


def _places(
    rng: np.random.Generator,
    geography: Geography,
    classifier: Classifier,
    sides: Sequence[str],
    mean_km: float,
) -> list[tuple[float, float] | None]:
    """A point on the side of each event's target, near the line; None when no point on land
    on that side was found in a few tries (the line ends at the sea)."""
    line = geography.line
    assert isinstance(line, shapely.LineString | shapely.MultiLineString)
    length = line.length
    found: list[tuple[float, float] | None] = [None] * len(sides)
    todo = list(range(len(sides)))
    for _ in range(6):
        if not todo:
            break
        along = rng.uniform(0, length, size=len(todo))
        here = shapely.line_interpolate_point(line, along)
        ahead = shapely.line_interpolate_point(line, np.minimum(along + 10.0, length))
        hx, hy = shapely.get_x(here), shapely.get_y(here)
        dx, dy = shapely.get_x(ahead) - hx, shapely.get_y(ahead) - hy
        norm = np.hypot(dx, dy)
        norm[norm == 0] = 1.0
        distance = rng.exponential(mean_km * 1000, size=len(todo)) + 50.0
        sign = rng.choice([-1.0, 1.0], size=len(todo))
        x, y = hx - sign * dy / norm * distance, hy + sign * dx / norm * distance
        lon, lat = geography.frame.lonlat(x, y)
        result = classifier.classify(lon, lat)
        left = []
        for i, event in enumerate(todo):
            index = int(result.party[i])
            if index >= 0 and classifier.parties[index] == sides[event]:
                found[event] = (round(float(lon[i]), 5), round(float(lat[i]), 5))
            else:
                left.append(event)
        todo = left
    return found


def generate(
    profile: Profile,
    geography: Geography,
    classifier: Classifier,
    start: datetime,
    end: datetime,
    seed: int,
    zone: Any,
) -> list[dict[str, Any]]:
    """Report rows in the import schema, in time order."""
    rng = np.random.default_rng(seed)
    moments = _times(rng, profile, start, end, zone)
    firing = _pick(rng, profile.firing_party, len(moments))
    parties = list(profile.firing_party)
    targets = [parties[1] if f == parties[0] else parties[0] for f in firing]
    categories = _pick(rng, profile.categories, len(moments))
    places = _places(rng, geography, classifier, targets, profile.impact_km_from_line)
    rows: list[dict[str, Any]] = []
    for n, (at, shooter, victim, category, place) in enumerate(
        zip(moments, firing, targets, categories, places, strict=True)
    ):
        if place is None:
            continue
        kind = profile.counted_kind(category)
        mean = max(1.0, profile.counts_per_event.get(kind, 1.0))
        count = 1 + int(rng.poisson(mean - 1))
        reports = 1 + int(rng.poisson(profile.reports_per_event - 1))
        complaint = len(REPORTERS) - 1  # the liaison office's place among the reporters
        complains = profile.complaint_share > 0 and reports <= complaint
        if complains and rng.random() < profile.complaint_share:  # drawn only if it may
            rows.append(_row(rng, n, complaint, at, place, category, kind, count, shooter, victim))
        for copy in range(reports):
            row = _row(rng, n, copy, at, place, category, kind, count, shooter, victim)
            if copy >= len(REPORTERS):  # the liaison office again: it updates its complaint
                row["updates"] = f"ev{n}-{len(REPORTERS) - 1}"
            rows.append(row)
    # A later report of an event near the window's end may see it after the end: it belongs
    # to the next window (and a window that ends now must hold nothing in the future).
    inside = [r for r in rows if datetime.fromisoformat(r["observed_start"]) <= end]
    return sorted(inside, key=lambda r: (r["observed_start"], r["source_id"], r["external_id"]))


def _row(
    rng: np.random.Generator,
    event: int,
    copy: int,
    at: datetime,
    place: tuple[float, float],
    category: Category,
    kind: str,
    count: int,
    shooter: str,
    victim: str,
) -> dict[str, Any]:
    template = REPORTERS[min(copy, len(REPORTERS) - 1)]
    patrol = 1 + event % 9 if copy == 0 else 10 + (event + copy) % 9
    source_id, source_kind, org, reliability = (
        part.format(n=patrol, victim=victim) for part in template
    )
    seen = at + timedelta(minutes=float(rng.uniform(0, 6)) * copy)
    lon = place[0] + (float(rng.normal(0, 0.003)) if copy else 0.0)
    lat = place[1] + (float(rng.normal(0, 0.002)) if copy else 0.0)
    counted = max(1, count + (int(rng.integers(-1, 2)) if copy else 0))
    is_complaint = source_kind == "party_complaint"
    return {
        "source_id": source_id,
        "source_kind": source_kind,
        "source_org": org,
        "source_reliability": reliability,
        "external_id": f"ev{event}-{copy}",
        "observed_start": seen.isoformat(timespec="seconds"),
        "time_precision": "exact",
        "lon": round(lon, 5),
        "lat": round(lat, 5),
        "uncertainty_m": 3000 if is_complaint else 500,
        "geo_precision": "near" if is_complaint else "exact",
        "category": category.value,
        kind: counted,
        "direction": "incoming" if is_complaint else "undetermined",
        "alleged_party": shooter if is_complaint else "",
        "text": f"synthetic: {category.value.replace('_', ' ')}, {counted} "
        + (kind if counted != 1 else kind[:-1]),
    }
