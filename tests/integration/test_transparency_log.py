"""The record as a transparency log, against the attacker who matters: whoever runs the
database. Each attack here passed `verify` before the log had a tree and signed checkpoints
(issue: rewrite a report, re-hash every entry after it; cut entries off the end); on both
databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ceasefire.api.app import create_app
from ceasefire.clock import utc_now
from ceasefire.domain.access import Role
from ceasefire.domain.canonical import canonical_json, sha256_hex
from ceasefire.domain.ledger import make_entry
from ceasefire.domain.log_bundle import BundleError, check_bundle
from ceasefire.domain.transparency import (
    Checkpoint,
    CosignatureVerifier,
    Cosigner,
    NoteSigner,
    NoteVerifier,
    verify_consistency,
)
from ceasefire.domain.validation import IngestRules
from ceasefire.services.agreements import load_into_record
from ceasefire.services.ingest import ingest_files
from ceasefire.services.notify import add_channel
from ceasefire.services.transparency import (
    NotYetSigned,
    ensure_key,
    entries_bundle,
    read_key,
    report_seq,
    rotate_key,
    sign_checkpoint,
)
from ceasefire.services.users import add_user, revoke_user
from ceasefire.services.witness_client import Round, witness_round
from ceasefire.services.witnesses import add_witness
from ceasefire.store.db import reading, snapshot, writing
from ceasefire.store.log_check import HeldCheckpoint
from ceasefire.store.migrate import migrations_config, upgrade
from ceasefire.store.placement_check import placement_problem
from ceasefire.store.transparency_store import StoredTree, build_tiles, latest_checkpoint
from ceasefire.store.verify import verify

from ..conftest import FIXTURES, REPO

SAMPLE = REPO / "data" / "samples" / "ucdp_ged_donbas_minsk2.csv"


def _keyed(engine: Engine, folder: Path) -> NoteSigner:
    path = folder / "log.key"
    with writing(engine) as connection:
        ensure_key(connection, path, utc_now, origin="test.example/log")
    signer = read_key(path)
    assert signer is not None
    return signer


def _load(engine: Engine, rules: IngestRules, *paths: Path) -> None:
    assert ingest_files(engine, list(paths), rules=rules).failed_files == 0


def _verified(engine: Engine, *outside: HeldCheckpoint):  # type: ignore[no-untyped-def]
    with reading(engine) as connection:
        return verify(connection, held_outside=outside)


def _unguard(engine: Engine) -> None:
    """What an administrator bent on rewriting the record does first."""
    tables = (
        "ledger",
        "reports",
        "sources",
        "log_checkpoints",
        "log_keys",
        "log_cosignatures",
        "users",
        "notify_channels",
        "report_geography",
    )
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in tables:
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            names = connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).scalars()
            for name in list(names):
                connection.execute(text(f'DROP TRIGGER "{name}"'))


def _cut(engine: Engine, after: int) -> None:
    """Remove the entries after `after`, with their reports and all that points at them,
    foreign keys off (as an administrator would do it)."""
    _unguard(engine)
    statements = [
        f"DELETE FROM {table} WHERE report_id IN "
        f"(SELECT report_id FROM reports WHERE ledger_seq > {after})"
        for table in ("report_geography", "incident_members", "report_submitters")
    ] + [
        f"DELETE FROM reports WHERE ledger_seq > {after}",
        f"DELETE FROM sources WHERE ledger_seq > {after}",
        f"DELETE FROM ledger WHERE seq > {after}",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def _rewrite_and_rehash(engine: Engine, seq: int, place: str) -> None:
    """Change a report's place in its ledger payload and its row, then re-hash the chain
    from there on, so that the chain and every read row agree again."""
    _unguard(engine)
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT * FROM ledger WHERE seq >= :s ORDER BY seq"), {"s": seq}
        ).mappings()
        rows = [dict(r) for r in rows]
        prev = connection.execute(
            text("SELECT entry_hash FROM ledger WHERE seq = :s"), {"s": seq - 1}
        ).scalar_one()
        for row in rows:
            payload = row["payload"]
            if row["seq"] == seq:
                content = json.loads(payload)
                content["place"] = place
                payload = canonical_json(content)
            recorded = row["recorded_at"]
            if isinstance(recorded, str):
                from datetime import datetime

                recorded = datetime.fromisoformat(recorded)
            entry = make_entry(
                seq=row["seq"],
                kind=row["kind"],
                subject_id=row["subject_id"],
                recorded_at=recorded,
                payload=payload,
                payload_sha256=sha256_hex(payload),
                prev_hash=prev,
            )
            connection.execute(
                text(
                    "UPDATE ledger SET payload = :p, payload_sha256 = :h, prev_hash = :v, "
                    "entry_hash = :e WHERE seq = :s"
                ),
                {
                    "p": entry.payload,
                    "h": entry.payload_sha256,
                    "v": entry.prev_hash,
                    "e": entry.entry_hash,
                    "s": entry.seq,
                },
            )
            if row["seq"] == seq:
                connection.execute(
                    text("UPDATE reports SET place = :p, fingerprint = :h WHERE ledger_seq = :s"),
                    {"p": place, "h": entry.payload_sha256, "s": seq},
                )
            prev = entry.entry_hash


def _rebuild_tree(engine: Engine) -> None:
    """The careful attacker also rebuilds the stored tree from the rewritten ledger."""
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM log_tiles"))
        build_tiles(connection)


@pytest.fixture
def signed(engine: Engine, rules: IngestRules, tmp_path: Path) -> NoteSigner:
    """A record of 1,447 reports (over five tiles of leaves) with a signed checkpoint."""
    signer = _keyed(engine, tmp_path)
    _load(engine, rules, SAMPLE)
    assert sign_checkpoint(engine, signer, utc_now) is not None
    return signer


def test_an_honest_log_verifies_against_its_checkpoints(engine: Engine, signed: NoteSigner) -> None:
    result = _verified(engine)
    assert result.first_break is None
    assert result.tree is not None
    assert result.tree.size == result.entries_checked
    assert [h.size for h in result.tree.checked] == [result.entries_checked]


def test_a_report_rewritten_and_rehashed_is_caught_at_its_entry(
    engine: Engine, signed: NoteSigner
) -> None:
    with reading(engine) as connection:
        seq = int(
            connection.execute(
                text("SELECT ledger_seq FROM reports LIMIT 1 OFFSET 700")
            ).scalar_one()
        )
    _rewrite_and_rehash(engine, seq, "somewhere else")
    found = _verified(engine).first_break
    assert found is not None
    assert found.seq == seq
    assert "changed after it was logged" in found.reason


def test_a_rewrite_with_the_tree_rebuilt_too_is_caught_by_the_signed_checkpoint(
    engine: Engine, signed: NoteSigner
) -> None:
    with reading(engine) as connection:
        seq = int(
            connection.execute(
                text("SELECT ledger_seq FROM reports LIMIT 1 OFFSET 40")
            ).scalar_one()
        )
        size = latest_checkpoint(connection).size  # type: ignore[union-attr]
    _rewrite_and_rehash(engine, seq, "somewhere else")
    _rebuild_tree(engine)
    found = _verified(engine).first_break
    assert found is not None
    assert f"first {size:,} entries no longer hash to the checkpoint" in found.reason


def test_entries_cut_off_the_end_are_caught(engine: Engine, signed: NoteSigner) -> None:
    with reading(engine) as connection:
        last = int(connection.execute(text("SELECT max(seq) FROM ledger")).scalar_one())
    _cut(engine, last - 11)
    found = _verified(engine).first_break
    assert found is not None
    assert "removed" in found.reason


def test_a_cut_hidden_from_the_server_is_caught_by_a_checkpoint_held_outside(
    engine: Engine, signed: NoteSigner
) -> None:
    """The administrator cuts the log, rebuilds the tree and deletes the server's checkpoints:
    only a checkpoint someone kept (a party's witness, a file) still says what was there."""
    with reading(engine) as connection:
        kept = latest_checkpoint(connection)
        last = int(connection.execute(text("SELECT max(seq) FROM ledger")).scalar_one())
    assert kept is not None
    held = Checkpoint.parse(kept.note.split("\n\n")[0] + "\n")
    _cut(engine, last - 11)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM log_checkpoints"))
    _rebuild_tree(engine)
    assert _verified(engine).first_break is None  # the database alone no longer knows
    found = _verified(engine, HeldCheckpoint(held.size, held.root, "the kept one")).first_break
    assert found is not None
    assert f"entries {last - 10:,}..{last:,} were removed" in found.reason


def test_a_checkpoint_row_altered_is_caught(engine: Engine, signed: NoteSigner) -> None:
    _unguard(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE log_checkpoints SET root_hash = :r"), {"r": "00" * 32})
    found = _verified(engine).first_break
    assert found is not None
    assert "differs from its signed note" in found.reason


def test_receipts_prove_reports_offline_and_catch_a_changed_payload(
    engine: Engine, signed: NoteSigner, rules: IngestRules
) -> None:
    verifier = NoteVerifier.from_vkey(signed.vkey)
    with reading(engine) as connection:
        ids = list(connection.execute(text("SELECT report_id FROM reports LIMIT 5")).scalars())
        seqs = [report_seq(connection, i) for i in ids]
        document = entries_bundle(connection, [s for s in seqs if s is not None])
    checked = check_bundle(document, verifier)
    assert sorted(e.subject_id for e in checked.entries) == sorted(ids)
    document["entries"][0]["payload"] = document["entries"][0]["payload"].replace('"', "'", 1)
    with pytest.raises(BundleError, match="does not hash"):
        check_bundle(document, verifier)
    # a report recorded after the latest checkpoint has no receipt until the next one
    _load(engine, rules, FIXTURES / "reports_good.csv")
    with reading(engine) as connection:
        newest = int(connection.execute(text("SELECT max(seq) FROM ledger")).scalar_one())
        with pytest.raises(NotYetSigned):
            entries_bundle(connection, [newest])


def test_each_checkpoint_is_consistent_with_the_next(
    engine: Engine, signed: NoteSigner, rules: IngestRules
) -> None:
    with reading(engine) as connection:
        first = latest_checkpoint(connection)
    _load(engine, rules, FIXTURES / "reports_good.csv")
    again = sign_checkpoint(engine, signed, utc_now)
    assert first is not None
    assert again is not None
    assert again.new
    second = again.checkpoint
    with reading(engine) as connection:
        proof = StoredTree(connection).consistency(first.size, second.size)
    assert verify_consistency(
        first.size,
        second.size,
        proof,
        bytes.fromhex(first.root_hash),
        bytes.fromhex(second.root_hash),
    )


def test_an_old_record_migrates_into_the_log_whole(
    db_url: str, rules: IngestRules, tmp_path: Path
) -> None:
    from ceasefire.store.db import make_engine

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        _load(engine, rules, SAMPLE)
        with engine.begin() as connection:  # back to the record as 0014 left it
            for table in (
                "log_cosignatures",
                "log_witnesses",
                "log_checkpoints",
                "log_keys",
                "log_tiles",
            ):
                connection.execute(text(f"DROP TABLE {table}"))
            command.stamp(migrations_config(connection), "0014")
            # a user and a channel as 0014 kept them: rows, no entries
            connection.execute(
                text(
                    "INSERT INTO users (name, role, party, token_id, token_sha256, created_at) "
                    "VALUES ('old', 'analyst', NULL, 'feed', :h, :t)"
                ),
                {"h": "1" * 64, "t": utc_now()},
            )
            connection.execute(
                text(
                    "INSERT INTO notify_channels (kind, target, format, events, actors, "
                    "created_at) VALUES ('webhook', 'https://h.example/', 'json', 'phase', '', :t)"
                ),
                {"t": utc_now()},
            )
        upgrade(engine)
        with reading(engine) as connection:
            kinds = set(connection.execute(text("SELECT kind FROM ledger")).scalars())
        assert {"UserAdded", "ChannelAdded"} <= kinds
        signer = _keyed(engine, tmp_path)
        signed = sign_checkpoint(engine, signer, utc_now)
        result = _verified(engine)
        assert result.first_break is None
        # every entry from before the log, and the key's adoption, are its leaves
        assert signed is not None
        assert signed.checkpoint.size == result.entries_checked
    finally:
        engine.dispose()


# -- witnesses run by the parties ---------------------------------------------------------


@pytest.fixture
def witnessed(engine: Engine, signed: NoteSigner) -> Iterator[tuple[TestClient, Cosigner]]:
    """The service, a liaison's token, and that party's witness registered in the log."""
    cosigner = Cosigner.generate("ru.example/witness")
    with writing(engine) as connection:
        token = add_user(connection, "ru-liaison", Role.LIAISON, "RU", clock=utc_now)
        add_witness(connection, utc_now, cosigner.vkey, party="RU", added_by="test")
    app = create_app(engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, cosigner


def _round(client: TestClient, cosigner: Cosigner, state: Path, log_key: str) -> Round:
    return witness_round(client, cosigner, state, log_key=log_key, now=utc_now)


def test_a_witness_cosigns_honest_checkpoints_and_refuses_a_rewritten_history(
    engine: Engine,
    signed: NoteSigner,
    witnessed: tuple[TestClient, Cosigner],
    rules: IngestRules,
    tmp_path: Path,
) -> None:
    client, cosigner = witnessed
    state = tmp_path / "witness.json"
    first = _round(client, cosigner, state, signed.vkey)
    assert first.verdict.accepted
    assert first.posted
    status = client.get("/api/log/status").json()
    assert status["checkpoint"]["witnessed"]  # no agreement in the record: a quorum of one
    assert [c["witness"] for c in status["checkpoint"]["cosigned_by"]] == [cosigner.name]
    served = client.get("/api/log/checkpoint").text
    assert served.count("\u2014 ") == 2  # the log's signature and the witness's
    # the log grows honestly: the witness checks the consistency proof and cosigns again
    _load(engine, rules, FIXTURES / "reports_good.csv")
    sign_checkpoint(engine, signed, utc_now)
    second = _round(client, cosigner, state, signed.vkey)
    assert second.verdict.accepted
    assert "extends" in second.verdict.reason
    kept = json.loads(state.read_text())["checkpoint"]
    with reading(engine) as connection:
        assert _verified(engine).first_break is None
        seq = int(
            connection.execute(text("SELECT ledger_seq FROM reports LIMIT 1 OFFSET 9")).scalar_one()
        )
    # the administrator, who holds the log's key, rewrites an old report, rebuilds the tree,
    # drops the server's checkpoints and signs a new one over the rewritten history
    _rewrite_and_rehash(engine, seq, "somewhere else")
    _rebuild_tree(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM log_cosignatures"))
        connection.execute(text("DELETE FROM log_checkpoints"))
    _load(engine, rules, FIXTURES / "reports.jsonl")
    sign_checkpoint(engine, signed, utc_now)
    assert _verified(engine).first_break is None  # the database alone cannot tell
    third = _round(client, cosigner, state, signed.vkey)
    assert not third.verdict.accepted
    assert "history was rewritten" in third.verdict.reason
    assert third.evidence is not None
    evidence = json.loads(third.evidence.read_text())
    assert evidence["cosigned_before"] == kept  # both signed by the log: proof of two stories
    assert json.loads(state.read_text())["checkpoint"] == kept  # the witness did not move on
    # and the checkpoint it kept, held against the database, names the rewrite
    held = Checkpoint.parse(kept.split("\n\n")[0] + "\n")
    found = _verified(engine, HeldCheckpoint(held.size, held.root, "the witness's")).first_break
    assert found is not None
    assert "no longer hash to the witness's" in found.reason


def test_a_witness_follows_a_key_rotation_without_losing_the_history_it_cosigned(
    engine: Engine,
    signed: NoteSigner,
    witnessed: tuple[TestClient, Cosigner],
    rules: IngestRules,
    tmp_path: Path,
) -> None:
    client, cosigner = witnessed
    state = tmp_path / "witness.json"
    assert _round(client, cosigner, state, signed.vkey).posted
    key, _ = rotate_key(engine, tmp_path / "log.key", utc_now, reason="scheduled", by="ops")
    _load(engine, rules, FIXTURES / "reports_good.csv")
    fresh = read_key(tmp_path / "log.key")
    assert fresh is not None
    sign_checkpoint(engine, fresh, utc_now)
    after = _round(client, cosigner, state, key.vkey)  # the key the mission announced
    assert after.verdict.accepted
    assert "extends" in after.verdict.reason
    assert json.loads(state.read_text())["log_key"] == key.vkey
    assert _verified(engine).first_break is None  # checkpoints of both keys check


def test_a_witness_refuses_a_log_that_shrank(
    engine: Engine,
    signed: NoteSigner,
    witnessed: tuple[TestClient, Cosigner],
    rules: IngestRules,
    tmp_path: Path,
) -> None:
    client, cosigner = witnessed
    state = tmp_path / "witness.json"
    _load(engine, rules, FIXTURES / "reports_good.csv")
    sign_checkpoint(engine, signed, utc_now)
    assert _round(client, cosigner, state, signed.vkey).verdict.accepted
    with reading(engine) as connection:
        last = int(connection.execute(text("SELECT max(seq) FROM ledger")).scalar_one())
    _cut(engine, last - 2)
    _rebuild_tree(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM log_cosignatures"))
        connection.execute(text("DELETE FROM log_checkpoints"))
    sign_checkpoint(engine, signed, utc_now)
    refused = _round(client, cosigner, state, signed.vkey)
    assert not refused.verdict.accepted
    assert "shrank" in refused.verdict.reason


def test_a_cosignature_is_checked_against_its_witness_key(
    engine: Engine, signed: NoteSigner, witnessed: tuple[TestClient, Cosigner]
) -> None:
    client, cosigner = witnessed
    size = client.get("/api/log/status").json()["checkpoint"]["size"]
    impostor = Cosigner.generate(cosigner.name)  # the same name, another key
    body = client.get("/api/log/checkpoint").text.split("\n\n")[0] + "\n"
    line = impostor.cosign(body, int(utc_now().timestamp()))
    answer = client.post("/api/log/cosignatures", json={"size": size, "cosignature": line})
    assert answer.status_code == 422
    assert "not by the key" in answer.json()["detail"]
    stranger = Cosigner.generate("nobody.example/w")
    line = stranger.cosign(body, int(utc_now().timestamp()))
    answer = client.post("/api/log/cosignatures", json={"size": size, "cosignature": line})
    assert answer.status_code == 422
    assert "not a registered witness" in answer.json()["detail"]
    # a cosignature slipped into the table by hand is named by verify
    _unguard(engine)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO log_cosignatures (size, witness, signed_time, line, received_at) "
                "VALUES (:s, :w, 0, :l, :r)"
            ),
            {
                "s": size,
                "w": cosigner.name,
                "l": line.replace(stranger.name, cosigner.name),
                "r": utc_now(),
            },
        )
    found = _verified(engine).first_break
    assert found is not None
    assert "does not verify" in found.reason


def test_a_receipt_over_http_checks_offline(
    engine: Engine, signed: NoteSigner, witnessed: tuple[TestClient, Cosigner], tmp_path: Path
) -> None:
    client, cosigner = witnessed
    assert _round(client, cosigner, tmp_path / "w.json", signed.vkey).posted
    with reading(engine) as connection:
        report_id = connection.execute(text("SELECT report_id FROM reports LIMIT 1")).scalar_one()
    with writing(engine) as connection:
        monitor = add_user(connection, "monitor", Role.MONITOR, None, clock=utc_now)
    answer = client.get(
        f"/api/log/receipts/{report_id}", headers={"Authorization": f"Bearer {monitor}"}
    )
    assert answer.status_code == 200
    own = CosignatureVerifier.from_vkey(cosigner.vkey)
    checked = check_bundle(answer.json(), NoteVerifier.from_vkey(signed.vkey), [own])
    assert [e.subject_id for e in checked.entries] == [report_id]
    assert checked.cosigned_by == (cosigner.name,)  # the party's own witness vouches for it
    stranger = CosignatureVerifier.from_vkey(Cosigner.generate("ua.example/w").vkey)
    with pytest.raises(BundleError, match=r"not cosigned by the witness ua\.example/w"):
        check_bundle(answer.json(), NoteVerifier.from_vkey(signed.vkey), [stranger])
    missing = client.get(
        "/api/log/receipts/nothing", headers={"Authorization": f"Bearer {monitor}"}
    )
    assert missing.status_code == 404


# -- nothing that decides outside the record --------------------------------------------


def _tampered(engine: Engine, statement: str, **values: object) -> None:
    _unguard(engine)
    with engine.begin() as connection:
        connection.execute(text(statement), values)


def test_a_role_given_outside_the_log_is_caught(engine: Engine) -> None:
    with writing(engine) as connection:
        add_user(connection, "mona", Role.MONITOR, None, clock=utc_now)
        add_user(connection, "gone", Role.ANALYST, None, clock=utc_now)
        revoke_user(connection, "gone", clock=utc_now)
    assert _verified(engine).first_break is None
    _tampered(engine, "UPDATE users SET role = 'admin' WHERE name = 'mona'")
    found = _verified(engine).first_break
    assert found is not None
    assert "users row 'mona' was changed outside the log" in found.reason
    assert "role is 'admin' in the table, 'monitor' in the log" in found.reason


def test_a_user_added_outside_the_log_is_caught(engine: Engine) -> None:
    _tampered(
        engine,
        "INSERT INTO users (name, role, party, token_id, token_sha256, created_at) "
        "VALUES ('mallory', 'analyst', NULL, 'abcd', :h, :t)",
        h="0" * 64,
        t=utc_now(),
    )
    found = _verified(engine).first_break
    assert found is not None
    assert "'mallory' is not in the log" in found.reason


def test_a_webhook_pointed_elsewhere_is_caught(engine: Engine) -> None:
    with writing(engine) as connection:
        add_channel(
            connection,
            "webhook",
            "https://guarantors.example/hook",
            events=["phase"],
            secret="s3cret",
            clock=utc_now,
        )
    assert _verified(engine).first_break is None
    _tampered(engine, "UPDATE notify_channels SET target = 'https://elsewhere.example/'")
    found = _verified(engine).first_break
    assert found is not None
    assert "notify_channels row" in found.reason
    assert "elsewhere.example" in found.reason
    _tampered(
        engine,
        "UPDATE notify_channels SET target = 'https://guarantors.example/hook', secret = 'x'",
    )
    found = _verified(engine).first_break
    assert found is not None
    assert "secret_sha256" in found.reason


def test_a_placement_edited_by_hand_is_caught(engine: Engine, rules: IngestRules) -> None:
    load_into_record(engine, "korea-model-demo", clock=utc_now)
    _load(engine, rules, FIXTURES / "reports_good.csv")
    with reading(engine) as connection:
        assert placement_problem(connection) is None
        report_id, party = connection.execute(
            text("SELECT report_id, party FROM report_geography WHERE party IS NOT NULL LIMIT 1")
        ).one()
    other = "UA" if party == "RU" else "RU"
    _tampered(
        engine, "UPDATE report_geography SET party = :p WHERE report_id = :r", p=other, r=report_id
    )
    with reading(engine) as connection:
        problem = placement_problem(connection)
    assert problem is not None
    assert f"report {report_id}" in problem
    assert f"party is {other!r} in the table, {party!r} recomputed" in problem


def test_a_node_of_the_stored_tree_altered_is_caught(engine: Engine, signed: NoteSigner) -> None:
    with reading(engine) as connection:
        tile = bytes(
            connection.execute(
                text("SELECT hashes FROM log_tiles WHERE level = 0 AND idx = 2")
            ).scalar_one()
        )
    altered = tile[:-32] + bytes(32)  # the tile's root, above its row of leaves
    _tampered(engine, "UPDATE log_tiles SET hashes = :h WHERE level = 0 AND idx = 2", h=altered)
    found = _verified(engine).first_break
    assert found is not None
    assert found.seq == 2 * 256 + 1
    assert "stored tree was altered" in found.reason


def test_verify_agrees_with_the_stored_tree_at_every_size(
    engine: Engine, signed: NoteSigner
) -> None:
    """The root verify recomputes as it streams and the root the stored tiles give, at sizes
    on and off every tile edge: two ways to the same tree."""
    with reading(engine) as connection:
        tree = StoredTree(connection)
        size = tree.size()
        sizes = sorted({1, 2, 255, 256, 257, 511, 512, 513, size - 1, size, *range(3, size, 97)})
        held = [HeldCheckpoint(s, tree.root(s), f"size {s}") for s in sizes]
    result = _verified(engine, *held)
    assert result.first_break is None
    assert result.tree is not None
    assert {h.size for h in result.tree.checked} >= set(sizes)


def test_verify_sees_one_state_while_others_append(
    engine: Engine, signed: NoteSigner, rules: IngestRules
) -> None:
    """Servers keep appending while `verify` reads: in a snapshot it checks the record as it
    stood when it began (on PostgreSQL, statement by statement it would see the tree grown
    past the entries it had read, and cry tampering)."""
    with snapshot(engine) as connection:
        before = int(connection.execute(text("SELECT max(seq) FROM ledger")).scalar_one())
        _load(engine, rules, FIXTURES / "reports_good.csv")  # another writer, meanwhile
        sign_checkpoint(engine, signed, utc_now)
        result = verify(connection)
    assert result.first_break is None
    assert result.entries_checked == before
