"""`ceasefire zones ...`: lines of contact and zones."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ceasefire.cli.context import AppState, fail, out, require_agreement

app = typer.Typer(help="Lines of contact and the zones around them.", no_args_is_help=True)


@app.command("line-from-area")
def line_from_area_cmd(
    area: Annotated[
        str, typer.Argument(help="GeoJSON of the area one side holds (file[#property=value]).")
    ],
    country: Annotated[
        str, typer.Option(help="Bundled country name or ISO code, or a GeoJSON reference.")
    ] = "ukraine",
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Where to write the line (GeoJSON).")
    ] = Path("line_of_contact.geojson"),
    border_tolerance_km: Annotated[
        float,
        typer.Option(
            min=0.0, help="Closer than this to the border or coast counts as following it."
        ),
    ] = 3.0,
    probe_km: Annotated[
        float, typer.Option(min=0.1, help="Width of the band checked for the other side's land.")
    ] = 2.0,
    min_land_share: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="Share of that band that must be the other side's land."
        ),
    ] = 0.5,
    min_part_km: Annotated[
        float, typer.Option(min=0.0, help="Drop stretches shorter than this.")
    ] = 1.0,
    source_note: Annotated[str, typer.Option(help="Attribution written into the output.")] = "",
) -> None:
    """Derive the line of contact from a control area: its boundary inside the country, less
    the stretches that follow the border or the coast."""
    from ceasefire.domain.geo.line_from_area import LineParameters
    from ceasefire.geofiles.geojson import GeoFileError, feature, write_collection
    from ceasefire.services.geography import line_from_area

    parameters = LineParameters(
        border_tolerance_m=border_tolerance_km * 1000,
        probe_m=probe_km * 1000,
        min_land_share=min_land_share,
        min_part_m=min_part_km * 1000,
    )
    try:
        result = line_from_area(area, country, parameters)
    except (GeoFileError, ValueError) as exc:
        raise fail(str(exc)) from None
    properties = {
        "kind": "line_of_contact",
        "derived_from": area,
        "country": country,
        "length_km": round(result.derived.line.length / 1000, 1),
        "border_tolerance_km": border_tolerance_km,
        "probe_km": probe_km,
        "min_land_share": min_land_share,
    }
    members = {"attribution": source_note} if source_note else {}
    write_collection(output, [feature(result.line, properties)], **members)
    table = Table(title=f"stretches of the area's boundary ({output})", title_justify="left")
    for column in ("length km", "other side's land", "kept"):
        table.add_column(column, justify="right")
    for stretch in sorted(result.derived.stretches, key=lambda s: -s.length_m):
        table.add_row(
            f"{stretch.length_m / 1000:.1f}",
            f"{stretch.land_share:.0%}",
            "yes" if stretch.kept else "no",
        )
    out.print(table)
    out.print(
        f"line of contact: {properties['length_km']} km "
        f"in {len(result.derived.line.geoms)} part(s)",
        highlight=False,
    )


@app.command("build")
def build_cmd(
    ctx: typer.Context,
    agreement: Annotated[str, typer.Option(help="Name of an agreement in the record.")],
    output: Annotated[
        Path, typer.Option("-o", "--output", help="GeoJSON (.geojson) or KML (.kml) file.")
    ] = Path("zones.geojson"),
) -> None:
    """Write the line of contact, the DMZ, each side's withdrawal line, one zone per weapon class
    and side, and the sectors, as GeoJSON (RFC 7946) or KML."""
    from ceasefire.domain.geo.zones import build_zones
    from ceasefire.geofiles.geojson import write_collection
    from ceasefire.geofiles.kml import write_kml
    from ceasefire.services.geography import zone_features

    state: AppState = ctx.obj
    loaded = require_agreement(state.engine(), agreement)
    zones = build_zones(loaded.geography, loaded.zone_parameters)
    if output.suffix.lower() == ".kml":
        write_kml(output, zones, title=loaded.spec.title)
    else:
        write_collection(output, zone_features(loaded, zones))
    out.print(
        f"{len(zones)} zones of {loaded.name} (version {loaded.version}) written to {output}",
        highlight=False,
    )
