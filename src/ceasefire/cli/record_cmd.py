"""`ceasefire init` and `ceasefire verify`: the record itself, created, migrated, checked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ceasefire.cli.context import AppState, err, fail, out, styled
from ceasefire.clock import utc_now

if TYPE_CHECKING:
    from ceasefire.services.transparency import KeyState


def init_cmd(
    ctx: typer.Context,
    origin: Annotated[
        str | None,
        typer.Option(
            help="The log's name in its signed checkpoints (default: ceasefire.log/ and a "
            "random suffix). Only used when the log gets its first key.",
        ),
    ] = None,
) -> None:
    """Create the database, or migrate it to this version's schema, and give the log its
    signing key (a file outside the database: $CEASEFIRE_LOG_KEY, else beside it)."""
    from sqlalchemy.exc import DatabaseError

    from ceasefire.cli.incidents_cmd import regrouped_note
    from ceasefire.services.transparency import LogKeyError, ensure_key, key_path, sign_key_now
    from ceasefire.speed.collector import collector_paused
    from ceasefire.store.db import writing
    from ceasefire.store.geography_store import place_again
    from ceasefire.store.incident_check import group_ungrouped, needs_regroup, regroup
    from ceasefire.store.migrate import revision_in, upgrade_in

    state: AppState = ctx.obj
    engine = state.engine(require_schema=False)
    shown = engine.url.render_as_string(hide_password=True)
    # One transaction: the schema, and what the rows need after it (grouping reports from
    # before incidents existed; regrouping a record grouped by the earlier rule), so no
    # command ever meets the new schema over rows in the old state.
    try:
        with collector_paused(), writing(engine) as connection:
            before = revision_in(connection)
            upgrade_in(connection)
            after = revision_in(connection)
            grouped = group_ungrouped(connection)
            regrouped = regroup(connection, utc_now) if needs_regroup(connection) else None
            placed = place_again(connection) if _crossed(before, PLACEMENT_REVISION) else 0
            keyed = ensure_key(connection, key_path(state.url()), utc_now, origin=origin)
    except DatabaseError as exc:  # unreachable, or a file that is not a database
        raise fail(f"cannot open the database {shown}: {exc.orig}") from None
    except LogKeyError as exc:
        raise fail(str(exc)) from None
    if before == after:
        out.print(f"{shown}: schema is current ({after})", highlight=False)
    else:
        out.print(f"{shown}: schema {before or 'none'} -> {after}", highlight=False)
    if grouped is not None:
        out.print(f"reports recorded before incidents existed grouped: {grouped} incidents")
    if regrouped is not None:
        out.print(regrouped_note(regrouped), highlight=False)
    _say_key(keyed)
    if keyed.adopted:
        signed = sign_key_now(engine, keyed.path)
        if signed is not None:
            size = signed.checkpoint.size
            out.print(
                f"first signed checkpoint: {size:,} {'entry' if size == 1 else 'entries'}",
                highlight=False,
            )
    if placed:
        out.print(
            f"{placed:,} report placements made again: a withdrawal zone is now judged where a "
            "report places the weapon (a sighting, outgoing fire), never at an impact",
            highlight=False,
        )


def _say_key(keyed: KeyState) -> None:
    key = keyed.key
    if key is None:
        return
    if keyed.created:
        out.print(
            f"the log's signing key: created in {keyed.path} (keep it safe and outside the "
            f"database); the log is {key.origin}, its public key {key.vkey}",
            highlight=False,
        )
    elif keyed.adopted:
        out.print(f"the log's signing key: {keyed.path} adopted ({key.vkey})", highlight=False)
    elif keyed.missing:
        err.print(
            styled(
                "yellow",
                "note: ",
                f"no signing key at {keyed.path}: this machine will not "
                f"sign checkpoints (the log signs with {key.origin}+{key.key_id}; set "
                "$CEASEFIRE_LOG_KEY to its file)",
            ),
            highlight=False,
        )


# The migration after which a report's placement says where it puts a weapon: records placed
# before it are placed again as they migrate.
PLACEMENT_REVISION = "0010"


def _crossed(before: str | None, revision: str) -> bool:
    """Whether migrating from `before` ran `revision` (a record that had a schema at all)."""
    return before is not None and before < revision


def _held_note(path: Path) -> str:
    """A checkpoint note as kept outside: the note itself, or a witness's state file (JSON)
    whose `checkpoint` is the last one it cosigned."""
    import json

    from ceasefire.domain.transparency import NoteError

    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        try:
            held = json.loads(text).get("checkpoint")
        except (ValueError, AttributeError):
            held = None
        if not isinstance(held, str):
            raise NoteError("a JSON file here is a witness's state, with its `checkpoint`")
        return held
    return text


def verify_cmd(
    ctx: typer.Context,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A signed checkpoint kept outside the database (`ceasefire log checkpoint -o "
            "FILE`, or a witness's state): the log must still contain it. Repeatable.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            help="The log's public key (name+id+key) to check --checkpoint with, instead of "
            "the keys the database says the log adopted.",
        ),
    ] = None,
) -> None:
    """Check the whole tamper-evident log: the hash chain, the Merkle tree against every
    signed checkpoint, every read row; exit 1 naming the first entry that does not match."""
    from ceasefire.cli.progress import progress_bar
    from ceasefire.domain.transparency import NoteError, NoteVerifier
    from ceasefire.speed.collector import collector_paused
    from ceasefire.store.db import snapshot
    from ceasefire.store.incident_check import membership_problem
    from ceasefire.store.log_check import HeldCheckpoint, log_verifiers, read_signed
    from ceasefire.store.placement_check import placement_problem
    from ceasefire.store.verify import verify

    state: AppState = ctx.obj
    engine = state.engine()
    with snapshot(engine) as connection:
        try:
            verifiers = [NoteVerifier.from_vkey(key)] if key else log_verifiers(connection)
        except NoteError as exc:
            raise fail(f"--key: {exc}") from None
        outside = []
        for path in checkpoint or []:
            try:
                found, _ = read_signed(_held_note(path), verifiers)
            except (NoteError, UnicodeDecodeError) as exc:
                raise fail(f"{path}: not a checkpoint signed by the log ({exc})") from None
            outside.append(HeldCheckpoint(found.size, found.root, f"the checkpoint in {path}"))
        with progress_bar() as update:
            result = verify(
                connection, lambda done, total: update("verifying the log", done, total), outside
            )
        with collector_paused():
            incidents = membership_problem(connection) if result.first_break is None else None
            placed = (
                placement_problem(connection)
                if result.first_break is None and incidents is None
                else None
            )
    if result.first_break is not None:
        err.print(styled("bold red", "BROKEN ", str(result.first_break)))
        err.print(f"{result.entries_checked} entries before it verified.", highlight=False)
        raise typer.Exit(1)
    for mismatch in (incidents, placed):
        if mismatch is not None:
            err.print(styled("bold red", "MISMATCH ", str(mismatch)))
            err.print(f"the {result.entries_checked} ledger entries themselves verified.")
            raise typer.Exit(1)
    out.print(
        styled(
            "green",
            "OK ",
            f"{result.entries_checked} ledger entries verified: hash chain intact, "
            "every read row matches the log, incidents and placements match a replay of it.",
        ),
        highlight=False,
    )
    tree = result.tree
    if tree is not None and tree.size:
        out.print(f"tree: {tree.size:,} leaves, root {tree.root.hex()}", highlight=False)
        if tree.checked:
            latest = tree.checked[-1]
            out.print(
                f"matches {len(tree.checked):,} signed checkpoint"
                f"{'' if len(tree.checked) == 1 else 's'}; the latest: {latest.where}",
                highlight=False,
            )
        else:
            err.print(
                styled(
                    "yellow",
                    "note: ",
                    "no signed checkpoint vouches for this log yet: "
                    "whoever can write the database could have rewritten it unseen",
                ),
                highlight=False,
            )
        out.print(
            "keep a checkpoint outside the database (`ceasefire log checkpoint -o FILE`) and "
            "check against it later with `ceasefire verify --checkpoint FILE`",
            highlight=False,
        )
