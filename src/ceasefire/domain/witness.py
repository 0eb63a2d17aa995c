"""What a party's witness decides when the log shows it a new checkpoint: cosign it, or
refuse it and keep the evidence.

The witness remembers the last checkpoint it accepted. A newer one is accepted only if it is
signed by the log's key (pinned by the witness, never taken from the server) and a
consistency proof shows its tree extends the remembered one: the log may grow, never change
or shrink. The same size with another root is a split view; a smaller size, a cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ceasefire.domain.transparency import (
    Checkpoint,
    NoteError,
    NoteVerifier,
    open_note,
    verify_consistency,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    checkpoint: Checkpoint | None  # the checkpoint shown, when it could be read
    reason: str


def log_signed(note: str, log: NoteVerifier) -> str:
    """The note with only the log's own signature line (a checkpoint served with witnesses'
    cosignatures carries more; a witness keeps and cosigns the log's statement alone)."""
    text, _, signatures = note.rpartition("\n\n")
    mine = [line for line in signatures.splitlines() if line.startswith(f"\u2014 {log.name} ")]
    return f"{text}\n\n" + "".join(line + "\n" for line in mine)


def judge(
    log: NoteVerifier,
    previous: str | None,
    shown: str,
    proof: Sequence[bytes],
    previous_log: NoteVerifier | None = None,
) -> Verdict:
    """Whether to cosign the checkpoint note `shown`, given the `previous` one accepted (None:
    the first ever, trusted on first use) and a consistency proof from it. After the log's
    key was rotated, `previous_log` is the key that signed `previous`: the new key must still
    show a history that extends it."""
    try:
        text, _ = open_note(shown, log)
        new = Checkpoint.parse(text)
    except NoteError as exc:
        return Verdict(False, None, f"the checkpoint is not the log's ({exc})")
    if new.origin != log.name:
        return Verdict(False, new, f"the checkpoint is of {new.origin}, not of {log.name}")
    if previous is None:
        return Verdict(True, new, "the first checkpoint this witness sees")
    old = Checkpoint.parse(open_note(previous, previous_log or log)[0])
    if new.size < old.size:
        return Verdict(
            False,
            new,
            f"the log shrank: this witness cosigned {old.size:,} entries, the log now shows "
            f"{new.size:,} (entries were removed)",
        )
    if new.size == old.size:
        if new.root == old.root:
            return Verdict(True, new, "unchanged since the last checkpoint")
        return Verdict(
            False,
            new,
            f"two different roots for the same {new.size:,} entries (a split view: the log "
            "shows different histories to different parties, or rewrote its own)",
        )
    if old.size and not verify_consistency(old.size, new.size, proof, old.root, new.root):
        return Verdict(
            False,
            new,
            f"the checkpoint of {new.size:,} entries does not extend the one of {old.size:,} "
            "this witness cosigned: the log's history was rewritten",
        )
    return Verdict(True, new, f"extends the last cosigned checkpoint ({old.size:,} entries)")
