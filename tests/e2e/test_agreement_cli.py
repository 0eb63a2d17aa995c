"""`ceasefire agreement use`: which agreement commands mean when none is named, as a logged
choice, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import text

from ceasefire.store.db import make_engine

from ..conftest import FIXTURES
from .test_cli import run


def test_with_several_agreements_the_one_in_use_is_what_commands_mean(db_url: str) -> None:
    db = db_url
    assert run(db, "init")[0] == 0
    assert run(db, "agreement", "load", "korea-model-demo")[0] == 0
    code, out, _ = run(db, "agreement", "load", str(FIXTURES / "commitments" / "agreement.yaml"))
    assert code == 0
    assert "the record holds 2 agreements" in out
    assert "none until one is chosen" in out

    code, _, err = run(db, "reports", "list", "--side", "RU")
    assert code == 2
    assert "`ceasefire agreement use NAME`" in err
    code, _, err = run(db, "incidents", "list")
    assert code == 2
    assert "several agreements" in err

    code, out, _ = run(db, "agreement", "use", "korea-model-demo", "--by", "alice")
    assert (code, "now the agreement in use" in out) == (0, True)
    code, out, _ = run(db, "agreement", "use", "korea-model-demo", "--by", "alice")
    assert (code, "already the agreement in use" in out) == (0, True)
    assert run(db, "reports", "list", "--side", "RU")[0] == 0
    assert run(db, "incidents", "list")[0] == 0
    code, out, _ = run(db, "agreement", "list", "--format", "json")
    assert {a["name"]: a["in_use"] for a in json.loads(out)} == {
        "korea-model-demo": True,
        "commitments-demo": False,
    }

    code, _, err = run(db, "agreement", "use", "nope")
    assert code == 2
    assert "no agreement 'nope' in the record" in err

    code, out, _ = run(db, "verify")
    assert code == 0, out


def test_a_choice_rewritten_outside_the_log_breaks_verify(db_url: str) -> None:
    db = db_url
    assert run(db, "init")[0] == 0
    assert run(db, "agreement", "load", "korea-model-demo")[0] == 0
    assert run(db, "agreement", "load", str(FIXTURES / "commitments" / "agreement.yaml"))[0] == 0
    assert run(db, "agreement", "use", "korea-model-demo", "--by", "alice")[0] == 0
    engine = make_engine(db)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE agreement_choices DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER agreement_choices_no_update"))
        connection.execute(text("UPDATE agreement_choices SET name = 'commitments-demo'"))
    engine.dispose()
    code, out, err = run(db, "verify")
    assert code == 1
    assert "agreement in use differs from what the log recorded" in out + err
