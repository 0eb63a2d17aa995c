"""Commitments end to end on both databases: lists, exchanges, decisions, weapons, deadlines
into the engine, and the record's checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, select

from ceasefire.domain.commitments.rows import PERSON_COLUMNS, SEEN_COLUMNS, WEAPON_COLUMNS
from ceasefire.domain.commitments.status import EvidenceKind, Status
from ceasefire.domain.engine.decisions import DecisionKind
from ceasefire.domain.engine.engine import timeline
from ceasefire.domain.engine.plan import parse_plan
from ceasefire.domain.geo.loaded_agreement import LoadedAgreement
from ceasefire.ingest.tables import read_table
from ceasefire.services.agreements import load_into_record
from ceasefire.services.commitments import CommitmentError, commitment_states, record_evidence
from ceasefire.services.exchange import (
    ExchangeError,
    decide,
    disclosed,
    import_agreed,
    reconciliations,
    record_exchange,
)
from ceasefire.services.plans import load_plan_data
from ceasefire.services.violations import violations_in_record
from ceasefire.services.weapons import WeaponsError, declare, inspect_area
from ceasefire.store.db import reading, writing
from ceasefire.store.incident_store import membership
from ceasefire.store.ledger_store import entry_count
from ceasefire.store.schema import ledger
from ceasefire.store.verify import verify

FIXTURES = Path(__file__).parents[1] / "fixtures" / "commitments"
AGREEMENT = str(FIXTURES / "agreement.yaml")
LOADED = datetime(2026, 2, 1, 12, tzinfo=UTC)
EXCHANGED = datetime(2026, 2, 5, 10, tzinfo=UTC)
NOW = datetime(2026, 2, 20, tzinfo=UTC)


def clock_at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def rows(
    name: str, columns: dict[str, tuple[str, ...]] = PERSON_COLUMNS
) -> list[tuple[str, dict[str, str]]]:
    return read_table(FIXTURES / name, columns, [])


@pytest.fixture
def agreement(engine: Engine) -> LoadedAgreement:
    loaded, _, _ = load_into_record(engine, AGREEMENT, clock=clock_at(LOADED))
    return loaded


def exchange_all(engine: Engine, agreement: LoadedAgreement) -> None:
    with writing(engine) as c:
        import_agreed(
            c,
            agreement,
            "RU",
            rows("agreed_ru.csv"),
            "agreed_ru.csv",
            by="alice",
            clock=clock_at(LOADED + timedelta(hours=1)),
        )
        import_agreed(
            c,
            agreement,
            "UA",
            rows("agreed_ua.csv"),
            "agreed_ua.csv",
            by="alice",
            clock=clock_at(LOADED + timedelta(hours=1)),
        )
    with writing(engine) as c:
        record_exchange(
            c,
            agreement,
            "UA",
            EXCHANGED,
            handed_over=(rows("handed_ua_2026-02-05.csv"), "handed.csv"),
            received=(rows("received_ua_2026-02-05.csv"), "received.csv"),
            by="alice",
            clock=clock_at(EXCHANGED + timedelta(hours=3)),
        )


def states(
    connection: Connection, agreement: LoadedAgreement, at: datetime
) -> dict[str, tuple[Status, str]]:
    return {
        s.spec.commitment_id: (s.status, s.progress)
        for s in commitment_states(connection, agreement, at)
    }


def test_an_exchange_reconciles_and_moves_its_commitments(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    exchange_all(engine, agreement)
    with reading(engine) as c:
        before = states(c, agreement, EXCHANGED - timedelta(hours=1))
        after = states(c, agreement, NOW)
        (ru, _ua) = reconciliations(c, agreement, NOW)
        assert verify(c).first_break is None
    assert before["exchange-ru"] == (Status.PENDING, "0 of 10 persons")
    assert after["exchange-ru"] == (Status.OVERDUE, "5 of 10 persons")
    assert after["exchange-ua"] == (Status.OVERDUE, "3 of 4 persons")
    assert (
        ru.side,
        len(ru.matched),
        len(ru.doubts),
        len(ru.not_delivered),
        len(ru.not_listed),
    ) == ("RU", 5, 3, 2, 1)
    # A guarantor's view has counts only: no name, no date of birth, no list reference.
    counts = disclosed(ru, personal=False)
    assert counts["matched"] == 5
    assert counts["awaiting_review"] == 3
    assert "Коваленко" not in repr(counts)
    assert "L1." not in repr(counts)
    assert "Коваленко" in repr(disclosed(ru, personal=True))


def test_the_ledger_holds_no_names_yet_any_change_to_a_person_breaks_verify(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    exchange_all(engine, agreement)
    with reading(engine) as c:
        payloads = " ".join(c.execute(select(ledger.c.payload)).scalars())
    for name in ("Коваленко", "Kovalenko", "КОВАЛЕНКО", "1990-03-14", "Savchenko"):
        assert name not in payloads
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ALTER TABLE exchange_persons DISABLE TRIGGER USER")
        else:
            connection.exec_driver_sql("DROP TRIGGER exchange_persons_no_update")
        connection.exec_driver_sql(
            "UPDATE exchange_persons SET content = replace(content, '1990-03-14', '1991-03-14') "
            "WHERE list_id = 'L4'"
        )
    with reading(engine) as c:
        found = verify(c).first_break
    assert found is not None
    assert found.subject_id == "L4"
    assert "persons of list L4 differ" in found.reason


def test_an_analysts_decision_completes_a_match_and_the_record_keeps_it(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    exchange_all(engine, agreement)
    with writing(engine) as c:
        decide(
            c, agreement, "L1.3", "L4.3", same=True, by="alice", reason="photo", clock=clock_at(NOW)
        )
        with pytest.raises(ExchangeError, match="different sides' lists"):
            decide(
                c, agreement, "L1.3", "L3.1", same=True, by="alice", reason="x", clock=clock_at(NOW)
            )
        with pytest.raises(ExchangeError, match="list L1 has 10 persons, not 44"):
            decide(
                c,
                agreement,
                "L1.44",
                "L4.3",
                same=True,
                by="alice",
                reason="x",
                clock=clock_at(NOW),
            )
    with reading(engine) as c:
        assert states(c, agreement, NOW)["exchange-ru"][1] == "6 of 10 persons"
        assert (
            states(c, agreement, NOW - timedelta(minutes=1))["exchange-ru"][1] == "5 of 10 persons"
        )
        assert verify(c).first_break is None


def test_a_list_is_stored_whole_or_not_at_all_and_never_twice(
    engine: Engine, agreement: LoadedAgreement, tmp_path: Path
) -> None:
    exchange_all(engine, agreement)
    bad = tmp_path / "bad.csv"
    bad.write_text("name,date_of_birth\nIvan Petrenko,1990-01-01\nOlha Bondar,31.02.1991\n,1990\n")
    with reading(engine) as c:
        before = entry_count(c)
    with pytest.raises(ExchangeError) as raised, writing(engine) as c:
        import_agreed(
            c,
            agreement,
            "RU",
            read_table(bad, PERSON_COLUMNS, []),
            "bad.csv",
            by="a",
            clock=clock_at(NOW),
        )
    assert "bad.csv:3: date_of_birth: '31.02.1991' is not a real date" in str(raised.value)
    assert "bad.csv:4: surname: missing" in str(raised.value)
    with pytest.raises(ExchangeError, match="already recorded as list L1"), writing(engine) as c:
        import_agreed(
            c, agreement, "RU", rows("agreed_ru.csv"), "again.csv", by="a", clock=clock_at(NOW)
        )
    with pytest.raises(ExchangeError, match="--side: 'XX' is not a party"), writing(engine) as c:
        import_agreed(
            c, agreement, "XX", rows("agreed_ru.csv"), "x.csv", by="a", clock=clock_at(NOW)
        )
    with reading(engine) as c:
        assert entry_count(c) == before


def test_evidence_is_checked_against_what_the_commitment_can_take(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    at = LOADED + timedelta(days=20)
    with writing(engine) as c:
        record_evidence(
            c,
            agreement,
            "notify-zolote-ua",
            EvidenceKind.FULFILLED,
            text="letter",
            by="alice",
            at=at,
            quantity=None,
            clock=clock_at(NOW + timedelta(days=30)),
        )
        for commitment, kind, quantity, message in (
            ("exchange-ru", EvidenceKind.FULFILLED, None, "verified from the record"),
            ("notify-zolote-ua", EvidenceKind.PARTIAL, None, "--quantity: say how much"),
            ("notify-zolote-ua", EvidenceKind.FULFILLED, 3, "a single act"),
            ("nope", EvidenceKind.FULFILLED, None, "no commitment 'nope'"),
        ):
            with pytest.raises(CommitmentError, match=message):
                record_evidence(
                    c,
                    agreement,
                    commitment,
                    kind,
                    text="x",
                    by="a",
                    at=at,
                    quantity=quantity,
                    clock=clock_at(NOW),
                )
    with reading(engine) as c:
        assert (
            states(c, agreement, NOW + timedelta(days=30))["notify-zolote-ua"][0]
            is Status.FULFILLED
        )
        assert verify(c).first_break is None


def test_missed_deadlines_reach_the_engine_and_open_a_track_only_for_a_plan_that_counts_them(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    exchange_all(engine, agreement)
    with reading(engine) as c:
        early = violations_in_record(c, agreement.name, at=EXCHANGED)
        later = violations_in_record(c, agreement.name, at=NOW)
    assert early == []
    missed = {v.violation_id: v for v in later}
    assert set(missed) == {
        "commitment:exchange-ru",
        "commitment:exchange-ua",
        "commitment:withdrawal-ru",  # nothing declared, nothing inspected
    }
    assert missed["commitment:exchange-ru"].observed_at == datetime(2026, 2, 5, 22, tzinfo=UTC)
    data = load_plan_data("coalition-three-phase")
    counting = data | {"counting": data["counting"] | {"commitments": ["exchange"]}}
    plan, ignoring = parse_plan(counting), parse_plan(data)
    assert not isinstance(plan, list)
    assert not isinstance(ignoring, list)
    opened = [d for d in timeline(plan, later) if d.kind is DecisionKind.PHASE_ENTERED]
    assert opened
    assert opened[0].party == "RU"
    assert opened[0].phase == 1
    assert "commitment:exchange-ru" in str(opened[0].evidence)
    assert [d for d in timeline(ignoring, later) if d.kind is DecisionKind.PHASE_ENTERED] == []


def test_an_inspection_files_a_candidate_violation_for_a_weapon_in_its_zone(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    with writing(engine) as c:
        declared = declare(
            c,
            agreement,
            "RU",
            rows("declared_ru.csv", WEAPON_COLUMNS),
            "declared_ru.csv",
            by="a",
            clock=clock_at(LOADED),
        )
        assert declared.areas == {"HA-RU-1": 6, "HA-RU-2": 2, "HA-RU-3": 1}
        assert len(declared.warnings) == 1
        assert "HA-RU-3" in declared.warnings[0]
        visit = datetime(2026, 2, 14, 10, tzinfo=UTC)
        result = inspect_area(
            c,
            agreement,
            "HA-RU-1",
            rows("seen_ha_ru_1.csv", SEEN_COLUMNS),
            at=visit,
            by="patrol-7",
            clock=clock_at(visit + timedelta(hours=2)),
        )
        with pytest.raises(WeaponsError, match="no weapons are declared in holding area 'HA-9'"):
            inspect_area(
                c,
                agreement,
                "HA-9",
                rows("seen_ha_ru_1.csv", SEEN_COLUMNS),
                at=visit,
                by="p",
                clock=clock_at(NOW),
            )
    assert len(result.candidates) == 1
    with reading(engine) as c:
        assert result.candidates[0] in membership(
            c, result.candidates
        )  # grouped into an incident, awaiting review
        withdrawal = states(c, agreement, NOW)["withdrawal-ru"]
        assert withdrawal == (Status.OVERDUE, "4 of 9 weapons")
        assert verify(c).first_break is None


def test_the_daily_report_shows_commitments_as_the_record_stood_at_its_cut_off(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    from datetime import date, time

    from ceasefire.domain.publishing.period import daily_period
    from ceasefire.services.publishing import build_daily

    exchange_all(engine, agreement)
    with reading(engine) as c:
        before = build_daily(c, daily_period(date(2026, 2, 5), time(0), UTC), None)
        after = build_daily(c, daily_period(date(2026, 2, 20), time(0), UTC), None)
    assert [(x.commitment_id, x.note) for x in before.commitments] == [
        ("exchange-ru", "due within 72 hours"),
        ("exchange-ua", "due within 72 hours"),
    ]
    assert [(x.commitment_id, x.progress) for x in after.commitments] == [
        ("exchange-ru", "5 of 10 persons"),
        ("exchange-ua", "3 of 4 persons"),
        ("withdrawal-ru", "not done"),  # nothing declared yet
    ]
    assert any("3 commitments are overdue" in s for s in after.summary)
