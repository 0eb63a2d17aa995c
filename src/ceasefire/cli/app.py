"""The `ceasefire` command: the root and the list of commands, each loaded when it runs."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from ceasefire.cli.lazy import Lazy, LazyGroup

# The root `--help` lists these, in this order, without importing any of them.
COMMANDS: dict[str, Lazy] = {
    "init": Lazy("ceasefire.cli.record_cmd:init_cmd", "Create the database, or migrate it."),
    "ingest": Lazy("ceasefire.cli.ingest_cmd:ingest", "Import reports from files."),
    "reports": Lazy("ceasefire.cli.reports_cmd:app", "Read the stored reports."),
    "verify": Lazy("ceasefire.cli.record_cmd:verify_cmd", "Check the whole tamper-evident log."),
    "log": Lazy(
        "ceasefire.cli.log_cmd:app",
        "The transparency log: checkpoints, receipts, bundles, the signing key.",
    ),
    "witness": Lazy(
        "ceasefire.cli.witness_cmd:app",
        "A party's witness of the log: its key, and the rounds that cosign checkpoints.",
    ),
    "agreement": Lazy("ceasefire.cli.agreement_cmd:app", "Agreements: load, use, list."),
    "zones": Lazy("ceasefire.cli.zones_cmd:app", "Lines of contact and the zones around them."),
    "classify": Lazy("ceasefire.cli.classify_cmd:classify", "Add to each report where it stands."),
    "incidents": Lazy("ceasefire.cli.incidents_cmd:app", "Incidents: list, show, review."),
    "violations": Lazy(
        "ceasefire.cli.incidents_cmd:violations_app", "Violations of the agreement's clauses."
    ),
    "plan": Lazy("ceasefire.cli.plan_cmd:plan_app", "Enforcement plans: list, check, adopt."),
    "replay": Lazy("ceasefire.cli.plan_cmd:replay_cmd", "Run a plan over the violations."),
    "simulate": Lazy("ceasefire.cli.simulate_cmd:simulate_cmd", "How a plan would have behaved."),
    "clock": Lazy("ceasefire.cli.live_cmd:clock_cmd", "Run the clocks."),
    "tracks": Lazy("ceasefire.cli.live_cmd:tracks_cmd", "Each party's phase under each plan."),
    "confirm": Lazy(
        "ceasefire.cli.live_cmd:confirm_cmd", "Answer a phase the plan gates on a confirmation."
    ),
    "explain": Lazy("ceasefire.cli.live_cmd:explain_cmd", "A recorded decision in plain words."),
    "actions": Lazy("ceasefire.cli.live_cmd:actions_app", "What the plan requires of each actor."),
    "decisions": Lazy(
        "ceasefire.cli.live_cmd:decisions_app", "The plan's recorded decisions, with their ids."
    ),
    "publish": Lazy("ceasefire.cli.publish_cmd:app", "Published reports: daily, spot, period."),
    "export": Lazy("ceasefire.cli.export_cmd:export_cmd", "Reports or incidents to files."),
    "notify": Lazy("ceasefire.cli.notify_cmd:app", "Where decisions and actions are announced."),
    "serve": Lazy("ceasefire.cli.service_cmd:serve_cmd", "Serve the API and the dashboard."),
    "users": Lazy("ceasefire.cli.service_cmd:users_app", "The service's users and tokens."),
    "audit": Lazy("ceasefire.cli.service_cmd:audit_cmd", "Every API request."),
    "commitments": Lazy(
        "ceasefire.cli.commitments_cmd:commitments_app", "The agreement's commitments."
    ),
    "exchange": Lazy("ceasefire.cli.commitments_cmd:exchange_app", "Prisoner exchanges."),
    "weapons": Lazy("ceasefire.cli.commitments_cmd:weapons_app", "Declared weapons, inspections."),
    "extract": Lazy("ceasefire.cli.extract_cmd:extract_cmd", "Read reports written in prose."),
    "scenario": Lazy("ceasefire.cli.scenario_cmd:app", "Synthetic scenarios for what-if studies."),
    # Former names, still accepted (not listed): each says its new name on standard error.
    "review": Lazy("ceasefire.cli.incidents_cmd:review_cmd", "", renamed="incidents review"),
    "report": Lazy("ceasefire.cli.publish_cmd:app", "", renamed="publish"),
}


class _Root(LazyGroup):
    lazy = COMMANDS


app = typer.Typer(
    cls=_Root,
    help="Ceasefire monitoring and enforcement: reports in, a tamper-evident record out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database: an SQLite file path or postgresql://... "
            "(default: $CEASEFIRE_DB, else ceasefire.db here).",
        ),
    ] = None,
) -> None:
    from ceasefire.cli.context import AppState  # here: the root's help needs none of it

    ctx.obj = AppState(db=db)


# Exit codes, the same for every command (docs/cli.md):
DONE, FOUND_PROBLEMS, USAGE, FAILED = 0, 1, 2, 3


def main() -> None:
    """Run the command; whatever escapes it is one line on standard error, never a traceback
    (set CEASEFIRE_DEBUG=1 to see one)."""
    try:
        app()
    except Exception as exc:
        if os.environ.get("CEASEFIRE_DEBUG"):
            raise
        typer.echo(f"error: {_said(exc)}", err=True)
        sys.exit(FAILED)


def _said(exc: Exception) -> str:
    """An unexpected failure in a sentence: the database's or the system's own words where
    they are the cause, else the exception, named as a bug."""
    orig = getattr(exc, "orig", None)  # SQLAlchemy's wrapper of the driver's error
    if orig is not None:
        return f"the database refused the command: {orig}".strip()
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return (
        f"unexpected {type(exc).__name__}: {exc} (a bug: CEASEFIRE_DEBUG=1 shows where; "
        "please report it)"
    )
