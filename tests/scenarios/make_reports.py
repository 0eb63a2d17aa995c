"""The golden scenarios' report files, written by code so anyone can see how they were made.

Run `python tests/scenarios/make_reports.py` to write them again; the files are committed, and
the scenario test checks they are what this writes (a changed generator is a changed scenario).
"""

from __future__ import annotations

import csv
import io
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
COLUMNS = [
    *("source_id", "source_kind", "source_org", "source_reliability", "external_id"),
    *("observed_start", "lon", "lat", "uncertainty_m", "category", "weapon_class"),
    *("explosions", "direction", "bearing_deg", "distance_min_m", "distance_max_m"),
    *("alleged_party", "text"),
]
KOSTIANTYNIVKA = (37.71, 48.53)  # held by UA on 18 March 2025 (korea-model-demo's line)
KRAMATORSK = (37.556, 48.723)  # UA
HORLIVKA = (38.03, 48.30)  # RU


def _offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return (
        round(lon + east_m / (111_320 * math.cos(math.radians(lat))), 6),
        round(lat + north_m / 110_574, 6),
    )


def persistent_shelling() -> list[dict[str, object]]:
    """One patrol reports mortar fire on Kostiantynivka every 10 to 25 minutes for five days:
    407 reports within a kilometre of the town centre, every one naming RU as firing."""
    rng = random.Random(21)
    at = datetime(2025, 4, 1, tzinfo=UTC)
    rows = []
    for n in range(407):
        lon, lat = _offset(*KOSTIANTYNIVKA, rng.uniform(-600, 600), rng.uniform(-600, 600))
        rows.append(
            {
                "source_id": "smm-patrol-7",
                "source_kind": "monitor_patrol",
                "source_org": "Monitoring mission",
                "source_reliability": "A",
                "external_id": f"p7-{n:04d}",
                "observed_start": at.isoformat(),
                "lon": lon,
                "lat": lat,
                "uncertainty_m": 300,
                "category": "mortar",
                "weapon_class": "mortar",
                "explosions": rng.randint(2, 12),
                "direction": "incoming",
                "alleged_party": "RU",
                "text": f"mortar rounds landing in Kostiantynivka (series {n + 1})",
            }
        )
        at += timedelta(minutes=rng.randint(10, 25))
    return rows


def five_sources_one_strike() -> list[dict[str, object]]:
    """A missile strike on Kramatorsk seen by five sources within minutes, and the same
    minutes' shelling of Horlivka, 50 km away, seen by one."""
    at = datetime(2025, 4, 20, 7, 40, tzinfo=UTC)
    heard = [
        ("smm-patrol-2", "monitor_patrol", "Monitoring mission", "A", 0, 0, 0),
        ("camera-11", "camera_uav", "Monitoring mission", "B", 2, 300, -200),
        ("sensor-4", "sensor", "Acoustic network", "B", 1, -500, 400),
        ("ua-liaison", "party_complaint", "UA liaison office", "F", 6, 200, 900),
        ("news-desk", "news_osint", "Regional newspaper", "E", 25, -900, -300),
    ]
    rows: list[dict[str, object]] = []
    for source, kind, org, rating, minutes, east, north in heard:
        lon, lat = _offset(*KRAMATORSK, east, north)
        rows.append(
            {
                "source_id": source,
                "source_kind": kind,
                "source_org": org,
                "source_reliability": rating,
                "external_id": "strike-1",
                "observed_start": (at + timedelta(minutes=minutes)).isoformat(),
                "lon": lon,
                "lat": lat,
                "uncertainty_m": 800,
                "category": "missile_strike",
                "weapon_class": "missile",
                "explosions": 1,
                "direction": "incoming",
                "alleged_party": "RU" if kind != "news_osint" else "",
                "text": "one missile struck the town centre",
            }
        )
    lon, lat = _offset(*HORLIVKA, 0, 0)
    rows.append(
        {
            "source_id": "smm-patrol-2",
            "source_kind": "monitor_patrol",
            "source_org": "Monitoring mission",
            "source_reliability": "A",
            "external_id": "horlivka-1",
            "observed_start": (at + timedelta(minutes=3)).isoformat(),
            "lon": lon,
            "lat": lat,
            "uncertainty_m": 500,
            "category": "artillery",
            "weapon_class": "artillery_100mm_plus",
            "explosions": 4,
            "direction": "incoming",
            "alleged_party": "UA",
            "text": "four artillery rounds landed in Horlivka",
        }
    )
    return rows


def incoming_fire() -> list[dict[str, object]]:
    """Six artillery rounds land in UA-held Kramatorsk; the patrol says RU fired them. Then,
    a day later, outgoing fire: a UA patrol sees UA artillery fire from 4 km east of
    Kostiantynivka, within the artillery withdrawal zone."""
    at = datetime(2025, 4, 20, 9, 15, tzinfo=UTC)
    lon, lat = KRAMATORSK
    k_lon, k_lat = KOSTIANTYNIVKA
    return [
        {
            "source_id": "smm-patrol-3",
            "source_kind": "monitor_patrol",
            "source_org": "Monitoring mission",
            "source_reliability": "A",
            "external_id": "kram-1",
            "observed_start": at.isoformat(),
            "lon": lon,
            "lat": lat,
            "uncertainty_m": 500,
            "category": "artillery",
            "weapon_class": "artillery_100mm_plus",
            "explosions": 6,
            "direction": "incoming",
            "alleged_party": "RU",
            "text": "six artillery rounds landed in Kramatorsk",
        },
        {
            "source_id": "smm-patrol-3",
            "source_kind": "monitor_patrol",
            "source_org": "Monitoring mission",
            "source_reliability": "A",
            "external_id": "kost-out-1",
            "observed_start": (at + timedelta(days=1)).isoformat(),
            "lon": k_lon,
            "lat": k_lat,
            "uncertainty_m": 300,
            "category": "artillery",
            "weapon_class": "artillery_100mm_plus",
            "explosions": 3,
            "direction": "outgoing",
            "bearing_deg": 90,
            "distance_min_m": 3000,
            "distance_max_m": 5000,
            "alleged_party": "UA",
            "text": "three outgoing artillery rounds fired from 3-5 km east",
        },
    ]


SCENARIOS: dict[str, Callable[[], list[dict[str, object]]]] = {
    "persistent-shelling": persistent_shelling,
    "five-sources-one-strike": five_sources_one_strike,
    "incoming-fire": incoming_fire,
}


def csv_text(rows: list[dict[str, object]]) -> str:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


if __name__ == "__main__":
    for name, make in SCENARIOS.items():
        (HERE / name / "reports.csv").write_text(csv_text(make()))
