"""`ceasefire scenario generate`: synthetic report files calibrated to public figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ceasefire.cli.context import AppState, err, fail, out, require_agreement, time_zone
from ceasefire.data import bundled

app = typer.Typer(help="Synthetic scenarios for what-if studies.", no_args_is_help=True)


@app.command("generate")
def generate_cmd(
    ctx: typer.Context,
    agreement: Annotated[str, typer.Option(help="Agreement (in the record) whose line is used.")],
    start: Annotated[str, typer.Option("--from", help="Start of the window.")],
    until: Annotated[str, typer.Option(help="End of the window (a date: the end of that day).")],
    profile: Annotated[
        str, typer.Option(help=f"A bundled profile ({', '.join(bundled('scenarios'))}) or a file.")
    ] = "truce-with-violations",
    seed: Annotated[int, typer.Option(help="The same seed gives the same file.")] = 7,
    output: Annotated[Path, typer.Option("-o", "--output", help="CSV to write.")] = Path(
        "scenario.csv"
    ),
    tz: Annotated[
        str, typer.Option("--tz", help="Zone for times without an offset.")
    ] = "Europe/Kyiv",
) -> None:
    """Reports of events placed along the agreement's line at the profile's rates, each
    reported by one or more sources; a CSV that `ceasefire ingest` reads."""
    from ceasefire.cli.files import write_atomically
    from ceasefire.cli.reports_cmd import parse_time
    from ceasefire.domain.scenario import generate, parse_profile
    from ceasefire.domain.validation import REPORT_FIELDS
    from ceasefire.export.report_formats import csv_text
    from ceasefire.publish.document import Rendered
    from ceasefire.services.yaml_files import find, not_found, read_yaml

    state: AppState = ctx.obj
    zone = time_zone(tz)
    begin = parse_time("--from", start, zone, end=False)
    end = parse_time("--until", until, zone, end=True)
    assert begin is not None and end is not None
    if end <= begin:
        raise fail(f"--until: {until} is not after --from {start}")
    if not output.parent.is_dir():
        raise fail(f"-o: the folder {output.parent} does not exist")
    path = find("scenarios", profile)
    missing = not_found("scenarios", path)
    if missing:
        raise fail(f"--profile: {profile}: {missing}")
    data, problem = read_yaml("scenarios", path)
    parsed = parse_profile(data, str(path)) if problem is None else [f"{path}: {problem}"]
    if isinstance(parsed, list):
        raise fail("--profile: " + "; ".join(parsed))
    loaded = require_agreement(state.engine(), agreement)
    with err.status(f"generating {parsed.name}"):
        rows = generate(parsed, loaded.geography, loaded.classifier, begin, end, seed, zone)
    write_atomically(output, Rendered(csv_text(rows, REPORT_FIELDS).encode()))
    events = len({r["external_id"].split("-")[0] for r in rows})
    out.print(
        f"{len(rows):,} reports of {events:,} events ({parsed.name}, seed {seed}) written to "
        f"{output}",
        highlight=False,
    )
