"""The report's figures, drawn offline with matplotlib and embedded as SVG.

SVG keeps maps and plots sharp in print and makes the HTML self-contained. Output is
deterministic for the same data (fixed hash salt, no timestamp), so two renders of one report
are byte-identical and can be compared.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType
from shapely.geometry.base import BaseGeometry

from ceasefire.publish.map_layers import MapLayers, MapPoint

STYLE: dict[RcKeyType, Any] = {
    "svg.hashsalt": "ceasefire-report",
    "svg.fonttype": "none",  # text stays text, set in the report's bundled font
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
SEVERITY_COLOURS = {"grave": "#b2182b", "major": "#ef8a62", "minor": "#4393c3"}
NOW_COLOUR, BEFORE_COLOUR = "#b2182b", "#bababa"
MIN_SPAN_DEG = 1.2


def _svg(figure: Figure) -> str:
    stream = io.StringIO()
    figure.savefig(stream, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = stream.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and doctype: it goes inline


def _draw(axes: Axes, geometry: BaseGeometry, **style: Any) -> None:
    for part in getattr(geometry, "geoms", [geometry]):
        if isinstance(part, shapely.Polygon):
            x, y = part.exterior.xy
            axes.fill(x, y, **style)
        elif isinstance(part, shapely.LineString | shapely.LinearRing):
            x, y = part.xy
            axes.plot(x, y, **style)
        elif hasattr(part, "geoms"):
            _draw(axes, part, **style)


def _extent(points: Sequence[MapPoint], line: BaseGeometry | None) -> tuple[float, ...]:
    if points:
        west, east = min(p.lon for p in points), max(p.lon for p in points)
        south, north = min(p.lat for p in points), max(p.lat for p in points)
    elif line is not None:
        west, south, east, north = line.bounds
    else:
        west, south, east, north = 22.0, 44.0, 40.5, 52.5
    cx, cy = (west + east) / 2, (south + north) / 2
    half_x = max(east - west, MIN_SPAN_DEG) / 2 * 1.15
    half_y = max(north - south, MIN_SPAN_DEG / 1.6) / 2 * 1.15
    return cx - half_x, cx + half_x, cy - half_y, cy + half_y


def incident_map(layers: MapLayers, points: Sequence[MapPoint], title: str) -> str:
    """The period's incidents over the line, the demilitarized zone and the boundaries."""
    with mpl.rc_context(STYLE):
        figure = Figure(figsize=(7.0, 4.6))
        axes = figure.subplots()
        west, east, south, north = _extent(points, layers.line)
        view = shapely.box(west, south, east, north)
        for country in layers.countries:
            _draw(
                axes, country.intersection(view), facecolor="#f4f1ea", edgecolor="#8c8c8c", lw=0.6
            )
        if layers.held is not None:
            _draw(axes, layers.held.intersection(view), facecolor="#f3dede", edgecolor="none")
        for area in layers.admin_areas:
            _draw(axes, area.boundary.intersection(view), color="#b5b5b5", lw=0.4)
        if layers.dmz is not None:
            _draw(
                axes,
                layers.dmz.intersection(view),
                facecolor="#fdd49e",
                edgecolor="none",
                alpha=0.8,
            )
        if layers.line is not None:
            _draw(axes, layers.line.intersection(view), color="#222222", lw=1.0)
        for severity, colour in SEVERITY_COLOURS.items():
            chosen = [p for p in points if p.severity == severity]
            if chosen:
                axes.scatter(
                    [p.lon for p in chosen],
                    [p.lat for p in chosen],
                    s=22,
                    c=colour,
                    edgecolors="white",
                    linewidths=0.5,
                    zorder=5,
                    label=f"{severity} ({len(chosen)})",
                )
        if len(points) <= 15:
            for p in points:
                axes.annotate(
                    p.label, (p.lon, p.lat), xytext=(3, 3), textcoords="offset points", fontsize=6
                )
        _map_legend(axes, layers, bool(points))
        axes.set_xlim(west, east)
        axes.set_ylim(south, north)
        axes.set_aspect(1 / math.cos(math.radians((south + north) / 2)))
        axes.set_xlabel("longitude (°E)")
        axes.set_ylabel("latitude (°N)")
        axes.set_title(title, loc="left")
        figure.text(0.0, -0.02, layers.credits, fontsize=6.5, color="#555555", ha="left", va="top")
        return _svg(figure)


def _map_legend(axes: Axes, layers: MapLayers, any_points: bool) -> None:
    handles: list[Any] = []
    if layers.line is not None:
        handles.append(Line2D([], [], color="#222222", lw=1.0, label="line of contact"))
    if layers.dmz is not None:
        handles.append(Patch(facecolor="#fdd49e", label="demilitarized zone"))
    if layers.held is not None:
        handles.append(Patch(facecolor="#f3dede", label=layers.held_label))
    existing, _ = axes.get_legend_handles_labels()
    title = "incidents by severity" if any_points else "no incidents in the period"
    axes.legend(
        handles=handles + existing,
        loc="best",
        fontsize=6,
        title=title,
        title_fontsize=6,
        framealpha=0.9,
    )


def _source(figure: Figure, text: str) -> None:
    figure.text(0.0, -0.1, text, fontsize=6.5, color="#555555", ha="left", va="top")


def hour_of_day(
    now: Sequence[int], before: Sequence[int], zone: str, title: str, source: str
) -> str:
    """Violations by local hour of the day: this period against the one before."""
    with mpl.rc_context(STYLE):
        figure = Figure(figsize=(7.0, 2.4))
        axes = figure.subplots()
        hours = range(24)
        axes.bar(
            [h - 0.2 for h in hours],
            before,
            width=0.4,
            color=BEFORE_COLOUR,
            label="previous period",
        )
        axes.bar([h + 0.2 for h in hours], now, width=0.4, color=NOW_COLOUR, label="this period")
        axes.set_xticks(range(0, 24, 2))
        axes.set_xlim(-0.7, 23.7)
        axes.set_xlabel(f"hour of the day ({zone})")
        axes.set_ylabel("violations (incidents)")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        # A quiet day has no bars: keep the axis at counts (0 to 1), not matplotlib's +-0.05.
        axes.set_ylim(0, max(1, *now, *before) * 1.05)
        axes.legend(fontsize=6, frameon=False)
        axes.set_title(title, loc="left")
        _source(figure, source)
        return _svg(figure)


PARTY_COLOURS = ("#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214")
UNATTRIBUTED_COLOUR = "#bababa"


def by_day(
    days: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str, source: str
) -> str:
    """Violations per day, stacked by the party they are attributed to (grey: not yet)."""
    with mpl.rc_context(STYLE):
        figure = Figure(figsize=(7.0, 2.6))
        axes = figure.subplots()
        bottom = [0] * len(days)
        colours = iter(PARTY_COLOURS)
        for name, counts in series:
            colour = UNATTRIBUTED_COLOUR if name == "not attributed" else next(colours, "#666666")
            axes.bar(range(len(days)), counts, bottom=bottom, color=colour, label=name, width=0.8)
            bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        step = max(1, -(-len(days) // 8))  # at most eight labels
        axes.set_xticks(range(0, len(days), step), [days[i] for i in range(0, len(days), step)])
        axes.set_xlabel("day (local)")
        axes.set_ylabel("violations (incidents)")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if series:
            axes.legend(fontsize=6, frameon=False, title="attributed to", title_fontsize=6)
        axes.set_title(title, loc="left")
        _source(figure, source)
        return _svg(figure)


def phase_steps(
    tracks: Sequence[tuple[str, Sequence[tuple[float, int]]]],
    window_hours: float,
    title: str,
    source: str,
) -> str:
    """Each party's phase over the window as a step line: hours from the start on x."""
    with mpl.rc_context(STYLE):
        figure = Figure(figsize=(7.0, 2.4))
        axes = figure.subplots()
        colours = iter(PARTY_COLOURS)
        for name, steps in tracks:
            xs = [0.0] + [h for h, _ in steps] + [window_hours]
            ys = [0] + [p for _, p in steps]
            ys.append(ys[-1])
            axes.step(xs, ys, where="post", color=next(colours, "#666666"), label=name, lw=1.4)
        axes.set_yticks([0, 1, 2, 3])
        axes.set_ylim(-0.2, 3.4)
        axes.set_xlim(0, window_hours)
        axes.set_xlabel("hours from the start of the window")
        axes.set_ylabel("phase")
        if tracks:
            axes.legend(fontsize=6, frameon=False)
        axes.set_title(title, loc="left")
        _source(figure, source)
        return _svg(figure)


def sweep_plot(
    key: str,
    values: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    source: str,
) -> str:
    """When each phase first fires (hours from the start) as one parameter varies; a missing
    point means it never fired in the window."""
    with mpl.rc_context(STYLE):
        figure = Figure(figsize=(7.0, 2.6))
        axes = figure.subplots()
        colours = iter(PARTY_COLOURS)
        markers = iter("os^vD")
        for name, hours in series:
            axes.plot(
                range(len(values)),
                [float("nan") if h is None else h for h in hours],
                marker=next(markers, "o"),
                color=next(colours, "#666666"),
                label=name,
                lw=1.2,
            )
        axes.set_xticks(range(len(values)), list(values))
        axes.set_xlabel(key)
        axes.set_ylabel("hours from the start")
        if series:
            axes.legend(fontsize=6, frameon=False)
        axes.set_title(title, loc="left")
        _source(figure, source)
        return _svg(figure)
