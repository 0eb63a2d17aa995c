"""`ceasefire witness`: a party's witness, run on its own machine with its own key and state.

Each round: fetch the log's latest checkpoint, and a consistency proof from the one this
witness last accepted; judge them (`domain.witness`); on acceptance, cosign (C2SP
tlog-cosignature) and post the cosignature; on refusal, keep the evidence (both checkpoints
and the proof, as served) in a folder beside the state, and say so loudly. The state file is
replaced atomically, so a witness stopped at any moment never forgets or half-writes what it
accepted.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from ceasefire.domain.transparency import Cosigner, NoteError, NoteVerifier, note_body
from ceasefire.domain.witness import Verdict, judge, log_signed


class WitnessFailure(RuntimeError):
    """The round could not be done (the server unreachable or refusing), as opposed to a
    checkpoint refused, which is a verdict."""


@dataclass(frozen=True, slots=True)
class Round:
    verdict: Verdict
    posted: bool = False  # the cosignature was accepted by the server
    evidence: Path | None = None  # where a refusal's evidence was kept


def read_cosigner(path: Path) -> Cosigner:
    try:
        return Cosigner.from_skey(path.read_text(encoding="utf-8").strip())
    except FileNotFoundError:
        raise WitnessFailure(
            f"no witness key at {path} (`ceasefire witness init` makes one)"
        ) from None
    except (NoteError, ValueError) as exc:
        raise WitnessFailure(f"{path} is not a witness key ({exc})") from None


def new_cosigner(path: Path, name: str) -> Cosigner:
    cosigner = Cosigner.generate(name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise WitnessFailure(f"{path} exists already: a witness keeps its key") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(cosigner.skey() + "\n")
    return cosigner


def _state(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WitnessFailure(f"{path}: the witness's state is unreadable ({exc})") from None
    if not isinstance(found, dict):
        raise WitnessFailure(f"{path}: the witness's state is not a JSON object")
    return found


def _save(path: Path, state: dict[str, Any]) -> None:
    folder = path.parent
    try:
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=path.name, suffix=".tmp")
    except OSError as exc:
        raise WitnessFailure(
            f"cannot write the witness's state in {folder}: {exc.strerror}"
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def witness_round(
    client: httpx.Client,
    cosigner: Cosigner,
    state_path: Path,
    *,
    log_key: str | None,
    now: Callable[[], datetime],
) -> Round:
    """One round against the server `client` talks to (its base URL and token set)."""
    state = _state(state_path)
    pinned = state.get("log_key")
    # A new --log-key is a rotation the mission announced: checkpoints are then checked with
    # it, but the last one cosigned (signed with the old key) must still be extended.
    key = log_key or pinned
    if not key:
        raise WitnessFailure("--log-key: the log's public key, as the mission published it")
    try:
        log = NoteVerifier.from_vkey(key)
        earlier = NoteVerifier.from_vkey(pinned) if pinned and pinned != key else None
    except NoteError as exc:
        raise WitnessFailure(f"the log key: {exc}") from None
    if earlier is not None and log.name != earlier.name:
        raise WitnessFailure(
            f"--log-key is a key of the log {log.name}; this state follows {earlier.name}"
        )
    previous = state.get("checkpoint")
    shown = _get(client, "/api/log/checkpoint").text
    proof: list[bytes] = []
    old_size = _size(previous) if previous else 0
    new_size = _size(shown, strict=False)
    if previous and new_size is not None and old_size and new_size > old_size:
        answer = _get(client, f"/api/log/consistency?first={old_size}&second={new_size}").json()
        proof = [base64.b64decode(p) for p in answer.get("proof", [])]
    verdict = judge(log, previous, shown, proof, previous_log=earlier)
    if not verdict.accepted:
        return Round(
            verdict, evidence=_keep_evidence(state_path, previous, shown, proof, verdict, now)
        )
    assert verdict.checkpoint is not None
    kept = log_signed(shown, log)
    _save(
        state_path,
        {"log_key": key, "checkpoint": kept, "accepted_at": now().isoformat(timespec="seconds")},
    )
    line = cosigner.cosign(note_body(kept), int(now().timestamp()))
    response = client.post(
        "/api/log/cosignatures", json={"size": verdict.checkpoint.size, "cosignature": line}
    )
    if response.status_code >= 400:
        raise WitnessFailure(
            f"the server refused the cosignature ({response.status_code}: {_detail(response)})"
        )
    return Round(verdict, posted=True)


def _size(note: str, *, strict: bool = True) -> int | None:
    """The size line of a checkpoint note, read before its signature is checked (to ask for
    the right proof; `judge` checks everything)."""
    lines = note.split("\n")
    if len(lines) > 1 and lines[1].isdigit():
        return int(lines[1])
    if strict:
        raise WitnessFailure("the witness's state holds no checkpoint it can read")
    return None


def _get(client: httpx.Client, path: str) -> httpx.Response:
    try:
        response = client.get(path)
    except httpx.HTTPError as exc:
        raise WitnessFailure(f"cannot reach the log: {exc}") from None
    if response.status_code >= 400:
        raise WitnessFailure(f"GET {path}: {response.status_code} {_detail(response)}")
    return response


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text))
    except (ValueError, AttributeError):
        return response.text[:200]


def _keep_evidence(
    state_path: Path,
    previous: str | None,
    shown: str,
    proof: list[bytes],
    verdict: Verdict,
    now: Callable[[], datetime],
) -> Path:
    """Both checkpoints (each signed by the log: together they prove it told two stories) and
    the proof it offered, in a file of its own."""
    folder = state_path.with_name(state_path.name + ".evidence")
    folder.mkdir(exist_ok=True)
    at = now()
    path = folder / f"refused-{at:%Y%m%dT%H%M%S}-{os.getpid()}.json"
    path.write_text(
        json.dumps(
            {
                "refused_at": at.isoformat(timespec="seconds"),
                "reason": verdict.reason,
                "cosigned_before": previous,
                "shown": shown,
                "consistency_proof": [base64.b64encode(p).decode() for p in proof],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return path
