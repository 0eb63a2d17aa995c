"""A built report as HTML, Markdown or PDF.

One HTML template serves the screen and the PDF (WeasyPrint lays it out for print); Markdown
is for pasting into messages and wikis, with the figures written beside it as SVG files. The
fonts are the DejaVu faces matplotlib ships, so the PDF looks the same on any machine and
nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import matplotlib as mpl
from jinja2 import Environment, PackageLoader, StrictUndefined

from ceasefire.domain.enforcement.simulation import Simulation
from ceasefire.domain.publishing.daily import DailyReport
from ceasefire.domain.publishing.span import PeriodReport
from ceasefire.domain.publishing.spot import SpotReport
from ceasefire.domain.publishing.tally import COUNTED_KINDS
from ceasefire.domain.publishing.wording import day_text
from ceasefire.publish.document import Rendered
from ceasefire.publish.figures import (
    by_day,
    hour_of_day,
    incident_map,
    phase_steps,
    sweep_plot,
)
from ceasefire.publish.map_layers import MapLayers, MapPoint

FONT_DIR = Path(mpl.get_data_path()) / "fonts" / "ttf"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ceasefire.publish", "templates"),
        # HTML is escaped (place names and explanations are data); Markdown is not.
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = _when
    env.filters["signed"] = lambda n: f"{n:+,}" if n else "0"
    env.filters["sentence"] = _sentence
    env.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    env.globals["html_code"] = lambda text: f"<code>{text}</code>"
    env.globals["md_code"] = lambda text: f"`{text}`"
    return env


def _sentence(text: str) -> str:
    """Engine explanations are clauses ("a diplomatic warning to ..."); in a list they read
    as sentences."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")


def _when(moment: datetime | None, fmt: str = "%d %b %Y %H:%M") -> str:
    return "-" if moment is None else moment.strftime(fmt)


def _context(report: DailyReport, layers: MapLayers) -> dict[str, Any]:
    p = report.period
    local: Callable[[datetime | None], datetime | None] = lambda m: (  # noqa: E731
        None if m is None else p.local(m)
    )
    points = [
        MapPoint(i.lon, i.lat, i.severity, i.label)
        for i in report.violations
        if i.lon is not None and i.lat is not None
    ]
    end = p.local(p.end)
    return {
        "r": report,
        "local": local,
        "kinds": COUNTED_KINDS,
        "title": f"Daily report {report.number}",
        "end_day": day_text(end),
        "zone": str(p.zone),
        "map_svg": incident_map(
            layers,
            points,
            f"Ceasefire violations, {len(report.violations)} in the 24 hours to "
            f"{end:%H:%M} {day_text(end)}",
        ),
        "hours_svg": hour_of_day(
            report.hours_now,
            report.hours_before,
            str(p.zone),
            "Ceasefire violations by hour of the day (start of each incident)",
            _source_line(report.record.head_seq),
        ),
        "font_dir": FONT_DIR.as_uri(),
    }


def _source_line(head_seq: int) -> str:
    return f"Source: the ceasefire record (tamper-evident log) up to entry {head_seq}."


def daily_html(report: DailyReport, layers: MapLayers) -> str:
    return _environment().get_template("daily.html.j2").render(_context(report, layers))


def daily_markdown(report: DailyReport, layers: MapLayers, stem: str) -> Rendered:
    """Markdown, with the map and the hour plot as `<stem>-map.svg` and `<stem>-hours.svg`."""
    context = _context(report, layers)
    figures = {f"{stem}-map.svg": context["map_svg"], f"{stem}-hours.svg": context["hours_svg"]}
    context |= {"map_file": f"{stem}-map.svg", "hours_file": f"{stem}-hours.svg"}
    text = _environment().get_template("daily.md.j2").render(context)
    return Rendered(text.encode(), figures)


def pdf_from_html(html: str) -> bytes:
    """Lay the HTML out on A4 pages (WeasyPrint: no browser, no network)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only PDFs need

    document: bytes = HTML(string=html, base_url=str(FONT_DIR)).write_pdf()
    return document


def render_daily(report: DailyReport, layers: MapLayers, fmt: str, stem: str) -> Rendered:
    if fmt == "md":
        return daily_markdown(report, layers, stem)
    html = daily_html(report, layers)
    if fmt == "pdf":
        return Rendered(pdf_from_html(html))
    return Rendered(html.encode())


def render_spot(report: SpotReport, layers: MapLayers, fmt: str, stem: str) -> Rendered:
    """One incident: the same forms as the daily report, the map centred on it."""
    p, i = report.period, report.incident
    points = [] if i.lon is None or i.lat is None else [MapPoint(i.lon, i.lat, i.severity, i.label)]
    title = f"Spot report {i.label}"
    context: dict[str, Any] = {
        "s": report,
        "title": title,
        "zone": str(p.zone),
        "local": lambda m: None if m is None else p.local(m),
        "map_svg": incident_map(layers, points, f"{i.label}: {i.category} {i.where}"),
        "font_dir": FONT_DIR.as_uri(),
    }
    env = _environment()
    if fmt == "md":
        figure = f"{stem}-map.svg"
        text = env.get_template("spot.md.j2").render(context | {"map_file": figure})
        return Rendered(text.encode(), {figure: context["map_svg"]})
    html = env.get_template("spot.html.j2").render(context)
    return Rendered(pdf_from_html(html) if fmt == "pdf" else html.encode())


def render_period(report: PeriodReport, layers: MapLayers, fmt: str, stem: str) -> Rendered:
    """A week or a month: the trend per day and party, compliance per clause, sectors, the
    plan."""
    r = report.base
    p = r.period
    points = [
        MapPoint(i.lon, i.lat, i.severity, i.label)
        for i in r.violations
        if i.lon is not None and i.lat is not None
    ]
    # The last day the period covers: a period ending at midnight ends with the day before.
    start, end = p.local(p.start), p.local(p.end - timedelta(microseconds=1))
    context: dict[str, Any] = {
        "r": r,
        "q": report,
        "kinds": COUNTED_KINDS,
        "title": f"Period report {start:%d %b %Y} to {end:%d %b %Y}",
        "zone": str(p.zone),
        "local": lambda m: None if m is None else p.local(m),
        "days_svg": by_day(
            [d.day.strftime("%d %b") for d in report.days],
            [(party, [dict(d.by_party)[party] for d in report.days]) for party in report.parties],
            "Ceasefire violations per day",
            _source_line(r.record.head_seq),
        ),
        "map_svg": incident_map(layers, points, f"Ceasefire violations, {len(r.violations)}"),
        "font_dir": FONT_DIR.as_uri(),
    }
    env = _environment()
    if fmt == "md":
        files = {f"{stem}-days.svg": context["days_svg"], f"{stem}-map.svg": context["map_svg"]}
        names = {"days_file": f"{stem}-days.svg", "map_file": f"{stem}-map.svg"}
        text = env.get_template("period.md.j2").render(context | names)
        return Rendered(text.encode(), files)
    html = env.get_template("period.html.j2").render(context)
    return Rendered(pdf_from_html(html) if fmt == "pdf" else html.encode())


def render_simulation(
    runs: Sequence[tuple[Any, Simulation]], key: str | None, zone: tzinfo, head_seq: int, note: str
) -> bytes:
    """Simulations as one HTML page: a step plot of each party's phase per run and, for a
    sweep, when phases 2 and 3 first fire as the parameter varies."""
    first = runs[0][1]
    hours = (first.end - first.start).total_seconds() / 3600
    source = _source_line(head_seq)

    def since(moment: datetime | None) -> float | None:
        return None if moment is None else (moment - first.start).total_seconds() / 3600

    pages = []
    for value, sim in runs:
        steps = [
            (o.party, [(since(e.at) or 0.0, e.phase) for e in o.entries]) for o in sim.outcomes
        ]
        label = sim.plan if value is None else f"{sim.plan}, {key} = {value}"
        pages.append(
            {
                "plan": sim.plan,
                "value": value,
                "outcomes": sim.outcomes,
                "svg": phase_steps(steps, hours, f"Phase per party: {label}", source),
            }
        )
    sweep_svg = None
    if key is not None:
        parties = sorted({o.party for _, s in runs for o in s.outcomes})
        series = [
            (f"{party} phase {phase}", [since(_first(s, party, phase)) for _, s in runs])
            for party in parties
            for phase in (2, 3)
        ]
        sweep_svg = sweep_plot(key, [str(v) for v, _ in runs], series, f"Sweep of {key}", source)
    context = {
        "title": f"Simulation: {', '.join(dict.fromkeys(s.plan for _, s in runs))}",
        "runs": pages,
        "key": key,
        "sweep_svg": sweep_svg,
        "zone": str(zone),
        "start": first.start.astimezone(zone).strftime("%d %b %Y %H:%M"),
        "end": first.end.astimezone(zone).strftime("%d %b %Y %H:%M"),
        "head_seq": head_seq,
        "note": note,
        "local": lambda m: None if m is None else m.astimezone(zone),
        "font_dir": FONT_DIR.as_uri(),
    }
    return _environment().get_template("simulation.html.j2").render(context).encode()


def _first(sim: Simulation, party: str, phase: int) -> datetime | None:
    outcome = next((o for o in sim.outcomes if o.party == party), None)
    return None if outcome is None else outcome.first(phase)
