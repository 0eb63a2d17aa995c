"""`ceasefire log`: the record as a transparency log: its signed checkpoints, receipts that
prove an entry is in it, offline checks of those, and the signing key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ceasefire.cli.context import AppState, err, fail, out, styled
from ceasefire.cli.listing import ListFormat, ListFormatOption, emit
from ceasefire.clock import utc_now

app = typer.Typer(
    help="The transparency log: checkpoints, receipts, bundles, the signing key.",
    no_args_is_help=True,
)


@app.command("checkpoint")
def checkpoint_cmd(
    ctx: typer.Context,
    sign: Annotated[
        bool,
        typer.Option(
            "--sign", help="Sign a checkpoint of the log as it is now first (needs the key)."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write it to this file (default: standard output).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Print the latest signed checkpoint (a C2SP signed note): keep it outside the database,
    and `ceasefire verify --checkpoint FILE` later proves the log still extends it."""
    from ceasefire.services.transparency import LogKeyError, sign_checkpoint
    from ceasefire.store.db import reading
    from ceasefire.store.transparency_store import latest_checkpoint

    state: AppState = ctx.obj
    engine = state.engine()
    if sign:
        signer = state.signer(engine)
        if signer is None:
            raise fail("--sign: this machine does not hold the log's signing key")
        try:
            sign_checkpoint(engine, signer, utc_now)
        except LogKeyError as exc:
            raise fail(str(exc)) from None
    with reading(engine) as connection:
        latest = latest_checkpoint(connection)
    if latest is None:
        raise fail(
            "no checkpoint is signed yet: `ceasefire init` gives the log its key, and "
            "`ceasefire clock --once` (or `log checkpoint --sign`) signs one",
            1,
        )
    if output is None:
        typer.echo(latest.note, nl=False)
    else:
        from ceasefire.cli.files import write_files

        try:
            write_files([(output, latest.note.encode())])
        except OSError as exc:
            raise fail(f"{output}: {exc.strerror}") from None
    err.print(
        f"{latest.size:,} entries, signed {latest.signed_at.isoformat(timespec='seconds')}",
        highlight=False,
    )


@app.command("checkpoints")
def checkpoints_cmd(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="The most recent this many.")] = 20,
    output_format: ListFormatOption = ListFormat.TABLE,
) -> None:
    """The signed checkpoints, newest first, with the witnesses that cosigned each and
    whether the agreement's quorum did."""
    from sqlalchemy import select

    from ceasefire.services.witnesses import cosignatures_of, quorum
    from ceasefire.store.db import reading
    from ceasefire.store.schema import log_checkpoints

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        needed = quorum(connection)
        found = connection.execute(
            select(log_checkpoints).order_by(log_checkpoints.c.size.desc()).limit(limit)
        ).all()
        rows = []
        for row in found:
            cosigned = cosignatures_of(connection, int(row.size))
            rows.append(
                {
                    "size": int(row.size),
                    "signed_at": row.signed_at,
                    "root_hash": row.root_hash,
                    "cosigned_by": ", ".join(f"{c.witness} ({c.party})" for c in cosigned),
                    "witnessed": len(cosigned) >= needed,
                }
            )
    emit(rows, output_format, title="checkpoints")


@app.command("prove")
def prove_cmd(
    ctx: typer.Context,
    subjects: Annotated[
        list[str],
        typer.Argument(
            help="Report ids (as `reports list` shows them), or incidents (INC-n): their "
            "reports and reviews.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the bundle here (default: standard output).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """A receipt: the entries with their inclusion proofs against the latest signed
    checkpoint, as a bundle anyone checks offline with `ceasefire log check-bundle`."""
    from ceasefire.services.publishing import cited_entries
    from ceasefire.services.transparency import NotYetSigned, entries_bundle, report_seq
    from ceasefire.store.db import reading

    state: AppState = ctx.obj
    engine = state.engine()
    with reading(engine) as connection:
        seqs: list[int] = []
        for subject in subjects:
            if subject.upper().startswith("INC"):
                found = cited_entries(connection, [subject])
                if not found:
                    raise fail(f"{subject}: no such incident in the record", 1)
                seqs += found
                continue
            seq = report_seq(connection, subject)
            if seq is None:
                raise fail(f"{subject}: no such report in the record", 1)
            seqs.append(seq)
        try:
            document = entries_bundle(connection, seqs, about="receipt: " + ", ".join(subjects))
        except NotYetSigned as exc:
            raise fail(str(exc), 1) from None
    _write_json(document, output)


def _write_json(document: object, output: Path | None) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    from ceasefire.cli.files import write_files

    try:
        write_files([(output, text.encode())])
    except OSError as exc:
        raise fail(f"{output}: {exc.strerror}") from None
    err.print(f"written {output}", highlight=False)


@app.command("check-bundle")
def check_bundle_cmd(
    bundle: Annotated[
        Path, typer.Argument(help="A receipt or bundle (JSON).", exists=True, dir_okay=False)
    ],
    key: Annotated[
        str | None,
        typer.Option(
            help="The log's public key (name+id+key), as you got it from the mission, not "
            "from the bundle. Without it, the bundle's own key is used, which only shows the "
            "bundle is consistent with itself.",
        ),
    ] = None,
    witness: Annotated[
        list[str] | None,
        typer.Option(
            help="A witness's public key whose cosignature the checkpoint must carry (your "
            "party's own witness). Repeatable.",
        ),
    ] = None,
) -> None:
    """Check a bundle offline, with no database: the checkpoint is signed by the log's key
    (and cosigned by each --witness), each payload matches its hash, and each entry is in
    the log at its position."""
    from ceasefire.domain.log_bundle import BundleError, check_bundle
    from ceasefire.domain.transparency import CosignatureVerifier, NoteError, NoteVerifier

    try:
        document = json.loads(bundle.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(f"{bundle}: not JSON ({exc})") from None
    given = key or (document.get("log_key") if isinstance(document, dict) else None)
    if not isinstance(given, str):
        raise fail("--key: the log's public key is needed (the bundle names none)")
    try:
        verifier = NoteVerifier.from_vkey(given)
    except NoteError as exc:
        raise fail(f"{'--key' if key else 'the bundle’s log_key'}: {exc}") from None
    try:
        witnesses = [CosignatureVerifier.from_vkey(w) for w in witness or []]
    except NoteError as exc:
        raise fail(f"--witness: {exc}") from None
    try:
        checked = check_bundle(document, verifier, witnesses)
    except BundleError as exc:
        err.print(styled("bold red", "FAILED ", f"{bundle}: {exc}"), highlight=False)
        raise typer.Exit(1) from None
    point = checked.checkpoint
    out.print(
        styled(
            "green",
            "OK ",
            f"{len(checked.entries)} entr{'y' if len(checked.entries) == 1 else 'ies'} of "
            f"{point.origin} proved in its checkpoint of {point.size:,} entries "
            f"(root {point.root.hex()[:16]}...), signed by {checked.signed_by}"
            + "".join(f", cosigned by {w.name} (checked)" for w in witnesses),
        ),
        highlight=False,
    )
    unchecked = sorted(set(checked.cosigned_by) - {w.name for w in witnesses})
    if unchecked:
        err.print(
            f"also signed by {', '.join(unchecked)}: not checked (pass --witness with a "
            "witness's key to check its cosignature)",
            highlight=False,
        )
    for entry in checked.entries:
        out.print(
            f"  entry {entry.seq:,}: {entry.kind} {entry.subject_id}, recorded {entry.recorded_at}",
            highlight=False,
        )
    if key is None:
        err.print(
            styled(
                "yellow",
                "note: ",
                "checked with the key the bundle carries; pass --key "
                "with the log's key as the mission published it to know it is the log's",
            ),
            highlight=False,
        )


@app.command("key")
def key_cmd(ctx: typer.Context) -> None:
    """Print the log's public key (what a party's witness, or anyone checking a receipt,
    needs), and every key it adopted before."""
    from ceasefire.services.transparency import adopted_keys
    from ceasefire.store.db import reading

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        keys = adopted_keys(connection)
    if not keys:
        raise fail("the log has no key yet: `ceasefire init` creates it", 1)
    typer.echo(keys[-1].vkey)
    for key in keys[:-1]:
        err.print(
            f"earlier: {key.vkey} (adopted {key.adopted_at.isoformat(timespec='seconds')})",
            highlight=False,
        )


@app.command("rotate-key")
def rotate_key_cmd(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option(help="Why the key changes (recorded in the log).")],
    by: Annotated[str, typer.Option(help="Who rotates it.")] = "operator",
) -> None:
    """A new signing key for the log, adopted in the log itself; the old key file is kept
    beside it, renamed, and signs nothing more."""
    from ceasefire.services.transparency import LogKeyError, key_path, rotate_key, sign_checkpoint

    state: AppState = ctx.obj
    engine = state.engine()
    path = key_path(state.url())
    state.signer(engine)  # the key file here must be the log's current key
    try:
        key, retired = rotate_key(engine, path, utc_now, reason=reason, by=by)
        signer = state.signer(engine)
        if signer is not None:
            sign_checkpoint(engine, signer, utc_now)
    except LogKeyError as exc:
        raise fail(str(exc)) from None
    out.print(f"the log now signs with {key.vkey}", highlight=False)
    out.print(
        f"the previous key is kept as {retired}; tell every witness the new key", highlight=False
    )


witness_app = typer.Typer(
    help="The witnesses the parties run: register them, list them.", no_args_is_help=True
)
app.add_typer(witness_app, name="witness")


@witness_app.command("add")
def witness_add_cmd(
    ctx: typer.Context,
    vkey: Annotated[
        str,
        typer.Argument(help="The witness's public key, as `ceasefire witness init` printed it."),
    ],
    party: Annotated[
        str, typer.Option("--for", help="Who runs it: a party or a guarantor (e.g. RU, US).")
    ],
    by: Annotated[str, typer.Option(help="Who registers it.")] = "operator",
) -> None:
    """Register a witness in the log: from now on its cosignatures of checkpoints are
    accepted and shown."""
    from ceasefire.services.witnesses import WitnessError, add_witness
    from ceasefire.store.db import writing

    state: AppState = ctx.obj
    try:
        with writing(state.engine()) as connection:
            witness = add_witness(connection, utc_now, vkey, party=party, added_by=by)
    except WitnessError as exc:
        raise fail(str(exc)) from None
    out.print(f"witness {witness.name} (for {witness.party}) registered", highlight=False)


@witness_app.command("list")
def witness_list_cmd(ctx: typer.Context) -> None:
    """The registered witnesses, and which of them cosigned the latest checkpoint."""
    from ceasefire.services.witnesses import cosignatures_of, quorum, witnesses
    from ceasefire.store.db import reading
    from ceasefire.store.transparency_store import latest_checkpoint

    state: AppState = ctx.obj
    with reading(state.engine()) as connection:
        known = witnesses(connection)
        latest = latest_checkpoint(connection)
        cosigned = (
            {c.witness for c in cosignatures_of(connection, latest.size)} if latest else set()
        )
        needed = quorum(connection)
    if not known:
        out.print("no witness is registered (`ceasefire log witness add VKEY --for PARTY`)")
    for witness in known:
        mark = "cosigned the latest" if witness.name in cosigned else "not on the latest"
        out.print(f"{witness.name}  for {witness.party}  {mark}", highlight=False)
    if latest is not None:
        verdict = "witnessed" if len(cosigned) >= needed else "not witnessed"
        out.print(
            f"latest checkpoint: {latest.size:,} entries, {len(cosigned)} of the {needed} "
            f"cosignatures the agreement asks for: {verdict}",
            highlight=False,
        )
