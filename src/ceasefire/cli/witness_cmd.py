"""`ceasefire witness`: what a party's liaison or a guarantor runs on its own machine to
cosign the mission's log, and to refuse, with the evidence, a history that was rewritten."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ceasefire.cli.context import err, fail, out, styled
from ceasefire.clock import utc_now

if TYPE_CHECKING:
    from ceasefire.domain.transparency import Cosigner

app = typer.Typer(
    help="A party's witness of the log: its key, and the rounds that cosign checkpoints.",
    no_args_is_help=True,
)

KEY_OPTION = typer.Option("--key", help="The witness's private key file.", dir_okay=False)
STATE_OPTION = typer.Option(
    "--state", help="Where the witness remembers the last checkpoint it cosigned.", dir_okay=False
)


@app.command("init")
def init_cmd(
    name: Annotated[
        str,
        typer.Option(help="The witness's name, a URL-like id such as ru.example/witness-1."),
    ],
    key: Annotated[Path, KEY_OPTION],
) -> None:
    """Make the witness's key (kept on this machine only) and print its public key, for the
    mission to register with `ceasefire log witness add`."""
    from ceasefire.domain.transparency import NoteError
    from ceasefire.services.witness_client import WitnessFailure, new_cosigner

    try:
        cosigner = new_cosigner(key, name)
    except (WitnessFailure, NoteError) as exc:
        raise fail(str(exc)) from None
    out.print(cosigner.vkey, highlight=False)
    err.print(
        f"the witness's key is in {key}; give the line above to the mission to register",
        highlight=False,
    )


@app.command("run")
def run_cmd(
    server: Annotated[str, typer.Argument(help="The mission's service, e.g. https://cf.example.")],
    key: Annotated[Path, KEY_OPTION],
    state: Annotated[Path, STATE_OPTION],
    log_key: Annotated[
        str | None,
        typer.Option(
            help="The log's public key as the mission published it: needed on the first "
            "round (the state remembers it), and again when the mission announces a new key "
            "(the next checkpoint, signed with it, must still extend the last one cosigned).",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(envvar="CEASEFIRE_TOKEN", help="This witness's API token."),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    every: Annotated[float, typer.Option(min=1.0, help="Seconds between rounds.")] = 30.0,
    alert_webhook: Annotated[
        str | None,
        typer.Option(
            help="Also POST each refusal (the reason and the evidence) as JSON to this URL: "
            "your own party's system, not the mission's.",
        ),
    ] = None,
) -> None:
    """Fetch the log's latest checkpoint and a consistency proof from the last one cosigned;
    cosign it if it extends that one; else refuse, keep the evidence and exit 1 (with
    --once) or keep refusing and alerting."""
    from ceasefire.services.witness_client import WitnessFailure, read_cosigner

    try:
        cosigner = read_cosigner(key)
    except WitnessFailure as exc:
        raise fail(str(exc)) from None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        refused = _rounds(server, headers, cosigner, state, log_key, once, every, alert_webhook)
    except KeyboardInterrupt:
        return
    if refused:
        raise typer.Exit(1)


def _rounds(
    server: str,
    headers: dict[str, str],
    cosigner: Cosigner,
    state: Path,
    log_key: str | None,
    once: bool,
    every: float,
    alert_webhook: str | None,
) -> bool:
    """Rounds until --once is done (or forever); whether any checkpoint was refused."""
    import httpx

    from ceasefire.services.witness_client import WitnessFailure, witness_round

    refused = False
    with httpx.Client(base_url=server, headers=headers, timeout=30.0) as client:
        while True:
            try:
                done = witness_round(client, cosigner, state, log_key=log_key, now=utc_now)
            except WitnessFailure as exc:
                if once:
                    raise fail(str(exc), 3) from None
                err.print(f"{utc_now():%Y-%m-%d %H:%M:%S} round failed, retrying: {exc}")
            else:
                verdict = done.verdict
                size = verdict.checkpoint.size if verdict.checkpoint else 0
                if verdict.accepted:
                    out.print(
                        f"{utc_now():%Y-%m-%d %H:%M:%S} cosigned the checkpoint of {size:,} "
                        f"entries: {verdict.reason}",
                        highlight=False,
                    )
                else:
                    refused = True
                    if alert_webhook and done.evidence is not None:
                        _alert(alert_webhook, verdict.reason, done.evidence)
                    err.print(
                        styled(
                            "bold red",
                            "REFUSED ",
                            f"{verdict.reason}. Evidence kept in "
                            f"{done.evidence}; tell the other parties and the guarantors.",
                        ),
                        highlight=False,
                    )
            if once:
                return refused
            time.sleep(every)


def _alert(url: str, reason: str, evidence: Path) -> None:
    """Tell the party's own system; a failure to is said, never fatal (the evidence is kept)."""
    import json

    import httpx

    body = {"event": "log_refused", "reason": reason, "evidence": json.loads(evidence.read_text())}
    try:
        httpx.post(url, json=body, timeout=10.0).raise_for_status()
    except httpx.HTTPError as exc:
        err.print(f"the alert to {url} failed: {exc}", highlight=False)
