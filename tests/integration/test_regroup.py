"""A record grouped under the earlier rule (single linkage), brought to the first-report rule.

The fixture `tests/fixtures/legacy/single-linkage-0009.db.gz` was written by the release before
this rule (schema 0009): 71 mortar reports from one patrol chained into one incident (INC-2),
verified after its first 61 had arrived and attributed to RU after all 71; a missile strike
heard by five sources (INC-68) merged by hand with a shelling of Horlivka (INC-73), then the
newspaper's report split off (INC-86), and RU's reply to INC-68. `tests/fixtures/README.md`
says how it was made.
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from ceasefire.clock import utc_now
from ceasefire.domain.incidents.review import Action
from ceasefire.services.incidents import current_incident, incident_stories
from ceasefire.store.db import make_engine, reading, writing
from ceasefire.store.incident_check import (
    INCIDENTS_REGROUPED,
    membership_problem,
    needs_regroup,
    rebuild,
    regroup,
)
from ceasefire.store.migrate import upgrade
from ceasefire.store.schema import ledger
from ceasefire.store.verify import verify

from ..conftest import FIXTURES

LEGACY = FIXTURES / "legacy" / "single-linkage-0009.db.gz"


@pytest.fixture
def legacy(tmp_path: Path) -> Engine:
    path = tmp_path / "legacy.db"
    with gzip.open(LEGACY) as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def test_an_old_record_regroups_with_its_history_intact(legacy: Engine) -> None:
    with reading(legacy) as connection:
        assert needs_regroup(connection)
        before = connection.execute(text("select max(seq) from ledger")).scalar_one()
    with writing(legacy) as connection:
        done = regroup(connection, utc_now)
    assert (done.incidents_before, done.incidents_after, done.reviews) == (3, 73, 5)
    assert done.seq == before + 1
    with reading(legacy) as connection:
        assert not needs_regroup(connection)
        assert verify(connection).first_break is None
        assert membership_problem(connection) is None
        entry = connection.execute(select(ledger).where(ledger.c.seq == done.seq)).one()
        assert entry.kind == INCIDENTS_REGROUPED
        assert json.loads(entry.payload)["rule"] == "first-report"
        # Numbers analysts used still resolve, to the incident holding the report named.
        assert {n: current_incident(connection, n) for n in (2, 68, 73, 86)} == {
            2: 2,
            68: 68,
            73: 68,  # merged by hand: the merge holds
            86: 86,  # split off by hand: stays apart
        }
        stories = {s.number: s for s in incident_stories(connection, None)}
    chain = [s for s in stories.values() if s.members[0].source_id == "smm-patrol-7"]
    assert len(chain) == 71  # one event per report
    # The verification judged the 61 reports recorded before it, and stays with each of them.
    statuses = Counter(s.status.value for s in chain)
    assert statuses == {"verified": 61, "reported": 10}
    # The attribution came after the last ten: it judged all 71.
    attributed = [s for s in chain if s.attribution is not None and not s.attribution.proposed]
    assert len(attributed) == 71
    strike = stories[68]
    assert len(strike.members) == 5  # four of the strike's sources and Horlivka, merged
    assert [r.action for r in strike.reviews] == [Action.MERGE, Action.SPLIT, Action.RESPOND]
    assert [r.action for r in stories[86].reviews] == [Action.SPLIT]  # its own history


def test_a_regrouped_record_takes_new_reports_and_rebuilds_alike(legacy: Engine) -> None:
    with writing(legacy) as connection:
        regroup(connection, utc_now)
    with writing(legacy) as connection:
        rebuild(connection)
    with reading(legacy) as connection:
        assert membership_problem(connection) is None
        assert verify(connection).first_break is None
