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
from ceasefire.domain.enforcement.decisions import DecisionKind
from ceasefire.domain.enforcement.plan import parse_plan
from ceasefire.domain.enforcement.plan_run import timeline
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
    assert "private rows of L4 differ" in found.reason


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
    at = NOW - timedelta(days=1)
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


def test_a_dispute_on_a_record_verified_commitment_is_settled_by_resolve(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    exchange_all(engine, agreement)
    later = NOW + timedelta(days=1)
    with writing(engine) as c:
        record_evidence(
            c,
            agreement,
            "exchange-ru",
            EvidenceKind.DISPUTED,
            text="RU says 7 were handed over",
            by="liaison-ru",
            at=NOW,
            quantity=None,
            clock=clock_at(NOW),
        )
        with pytest.raises(CommitmentError, match="only disputed and resolved"):
            record_evidence(
                c,
                agreement,
                "exchange-ru",
                EvidenceKind.FULFILLED,
                text="x",
                by="a",
                at=NOW,
                quantity=None,
                clock=clock_at(NOW),
            )
    with reading(engine) as c:
        assert states(c, agreement, NOW)["exchange-ru"][0] is Status.DISPUTED
        assert "commitment:exchange-ru" not in {
            v.violation_id for v in violations_in_record(c, agreement.name, at=NOW)
        }
    with writing(engine) as c:
        record_evidence(
            c,
            agreement,
            "exchange-ru",
            EvidenceKind.RESOLVED,
            text="lists checked at the JCCC",
            by="alice",
            at=later,
            quantity=None,
            clock=clock_at(later),
        )
        with pytest.raises(CommitmentError, match="is not disputed"):
            record_evidence(
                c,
                agreement,
                "exchange-ru",
                EvidenceKind.RESOLVED,
                text="again",
                by="alice",
                at=later,
                quantity=None,
                clock=clock_at(later),
            )
    with reading(engine) as c:
        assert states(c, agreement, later)["exchange-ru"] == (Status.OVERDUE, "5 of 10 persons")
        assert "commitment:exchange-ru" in {
            v.violation_id for v in violations_in_record(c, agreement.name, at=later)
        }


def test_quantities_cannot_exceed_what_is_still_due(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    loaded = agreement  # demining-ua: 10 hectares, verified by evidence
    with writing(engine) as c:
        record_evidence(
            c,
            loaded,
            "demining-ua",
            EvidenceKind.PARTIAL,
            text="8 cleared",
            by="a",
            at=NOW,
            quantity=8,
            clock=clock_at(NOW),
        )
        for kind, quantity, message in (
            (EvidenceKind.PARTIAL, 3, "3 is more than the 2 hectares still due"),
            (EvidenceKind.FULFILLED, 1, "leaves 1 still due; record it with `commitments partial`"),
            (EvidenceKind.DISPUTED, 1, "a disputed entry carries no quantity"),
        ):
            with pytest.raises(CommitmentError, match=message):
                record_evidence(
                    c,
                    loaded,
                    "demining-ua",
                    kind,
                    text="x",
                    by="a",
                    at=NOW,
                    quantity=quantity,
                    clock=clock_at(NOW),
                )
        record_evidence(
            c,
            loaded,
            "demining-ua",
            EvidenceKind.FULFILLED,
            text="the last 2",
            by="a",
            at=NOW,
            quantity=2,
            clock=clock_at(NOW),
        )
    with reading(engine) as c:
        assert states(c, loaded, NOW)["demining-ua"] == (Status.FULFILLED, "10 of 10 hectares")


def test_a_past_moment_is_judged_by_the_terms_the_record_held_then(
    engine: Engine, agreement: LoadedAgreement, tmp_path: Path
) -> None:
    amended = (
        (FIXTURES / "agreement.yaml")
        .read_text()
        .replace('due: "2026-02-06T00:00:00+02:00"', 'due: "2026-03-06T00:00:00+02:00"')
    )
    (tmp_path / "amended.yaml").write_text(amended)
    march = datetime(2026, 3, 1, tzinfo=UTC)
    newer, new, _ = load_into_record(engine, str(tmp_path / "amended.yaml"), clock=clock_at(march))
    assert new
    assert newer.version == 2
    with reading(engine) as c:
        assert states(c, newer, NOW)["exchange-ru"][0] is Status.OVERDUE  # version 1's deadline
        assert states(c, newer, march + timedelta(days=1))["exchange-ru"][0] is Status.PENDING
        assert states(c, newer, LOADED - timedelta(days=1)) == {}  # before the first load


def test_a_list_recorded_twice_in_another_order_or_from_the_other_side_is_refused(
    engine: Engine, agreement: LoadedAgreement, tmp_path: Path
) -> None:
    exchange_all(engine, agreement)
    lines = (FIXTURES / "agreed_ru.csv").read_text().splitlines()
    (tmp_path / "shuffled.csv").write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    shuffled = read_table(tmp_path / "shuffled.csv", PERSON_COLUMNS, [])
    with pytest.raises(ExchangeError, match="already recorded as list L1"), writing(engine) as c:
        import_agreed(c, agreement, "RU", shuffled, "shuffled.csv", by="a", clock=clock_at(NOW))
    # RU's own record of the 5 February exchange would count the persons UA received twice.
    recorded = r"already recorded as list L4 \(recorded by UA\)"
    with pytest.raises(ExchangeError, match=recorded), writing(engine) as c:
        record_exchange(
            c,
            agreement,
            "RU",
            EXCHANGED,
            handed_over=(rows("handed_ua_2026-02-05.csv"), "ru.csv"),
            received=None,
            by="a",
            clock=clock_at(NOW),
        )


def test_an_amended_agreed_list_replaces_the_old_one(
    engine: Engine, agreement: LoadedAgreement, tmp_path: Path
) -> None:
    exchange_all(engine, agreement)
    lines = (FIXTURES / "agreed_ua.csv").read_text().splitlines()
    (tmp_path / "amended.csv").write_text("\n".join(lines[:4]) + "\n")  # Popov taken off
    amended = read_table(tmp_path / "amended.csv", PERSON_COLUMNS, [])
    with (
        pytest.raises(ExchangeError, match="'L9' is not an agreed list of UA"),
        writing(engine) as c,
    ):
        import_agreed(
            c,
            agreement,
            "UA",
            amended,
            "amended.csv",
            by="a",
            clock=clock_at(NOW),
            replaces="L9",
        )
    with writing(engine) as c:
        new = import_agreed(
            c, agreement, "UA", amended, "amended.csv", by="a", clock=clock_at(NOW), replaces="L2"
        )
    with reading(engine) as c:
        ua = next(r for r in reconciliations(c, agreement, NOW) if r.side == "UA")
        assert (ua.agreed, len(ua.matched), ua.not_delivered) == (3, 3, ())
        assert {m.agreed.ref.split(".")[0] for m in ua.matched} == {new.record_id}
        assert (
            states(c, agreement, NOW - timedelta(minutes=1))["exchange-ua"][1] == "3 of 4 persons"
        )


def test_decisions_must_change_something_and_match_one_to_one(
    engine: Engine, agreement: LoadedAgreement
) -> None:
    exchange_all(engine, agreement)
    with writing(engine) as c:
        decide(
            c,
            agreement,
            "L1.3",
            "L4.3",
            same=True,
            by="alice",
            reason="Bondarenko's unit confirmed it",
            clock=clock_at(NOW),
        )
    for agreed, handed, same, message in (
        ("L1.3", "L4.3", True, "already decided to be the same person"),
        ("L1.3", "L4.9", True, "L1.3 is already decided to be the same person as L4.3"),
        ("L1.6", "L4.3", True, "L4.3 is already decided to be the same person as L1.3"),
    ):
        with pytest.raises(ExchangeError, match=message), writing(engine) as c:
            decide(
                c, agreement, agreed, handed, same=same, by="alice", reason="x", clock=clock_at(NOW)
            )
    with writing(engine) as c:
        decide(
            c,
            agreement,
            "L1.3",
            "L4.3",
            same=False,
            by="bea",
            reason="second look",
            clock=clock_at(NOW),
        )
        decide(
            c,
            agreement,
            "L1.6",
            "L4.3",
            same=True,
            by="bea",
            reason="photograph",
            clock=clock_at(NOW),
        )
    with reading(engine) as c:
        (ru, _) = reconciliations(c, agreement, NOW)
        assert {(m.agreed.ref, m.by) for m in ru.matched if m.delivered.ref == "L4.3"} == {
            ("L1.6", "bea")
        }
        payloads = " ".join(c.execute(select(ledger.c.payload)).scalars())
        assert "Bondarenko" not in payloads  # the reason stays with the persons
        assert verify(c).first_break is None


@pytest.mark.parametrize(
    ("statement", "subject", "reason"),
    [
        (
            "UPDATE commitment_records SET subject = 'UA' WHERE record_id = 'L1'",
            "L1",
            "filed under 'UA'",
        ),
        (
            "UPDATE exchange_persons SET row_no = row_no + 100 WHERE list_id = 'L3'",
            "L3",
            "renumbered",
        ),
    ],
)
def test_verify_sees_a_record_moved_or_renumbered(
    engine: Engine, agreement: LoadedAgreement, statement: str, subject: str, reason: str
) -> None:
    exchange_all(engine, agreement)
    with engine.begin() as connection:
        for table in ("commitment_records", "exchange_persons"):
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                connection.exec_driver_sql(f"DROP TRIGGER {table}_no_update")
        connection.exec_driver_sql(statement)
    with reading(engine) as c:
        found = verify(c).first_break
    assert found is not None
    assert found.subject_id == subject
    assert reason in found.reason


def test_a_withdrawal_is_fulfilled_at_the_first_visit_that_finds_everything_in_place(
    engine: Engine, agreement: LoadedAgreement, tmp_path: Path
) -> None:
    declared = (
        "area_id,lon,lat,weapon_class,serial\n"
        "HA-1,38.5,48.0,mlrs,G-1\nHA-1,38.5,48.0,mlrs,G-2\nHA-2,38.8,48.2,mlrs,G-3\n"
    )
    (tmp_path / "d.csv").write_text(declared)
    (tmp_path / "ha1.csv").write_text("serial\nG-1\nG-2\n")
    (tmp_path / "ha2.csv").write_text("serial\nG-3\n")
    (tmp_path / "ha2-empty.csv").write_text("serial\nX-1\n")

    def visit(area: str, file: str, day: int, recorded: int) -> None:
        with writing(engine) as c:
            inspect_area(
                c,
                agreement,
                area,
                read_table(tmp_path / file, SEEN_COLUMNS, []),
                at=datetime(2026, 2, day, tzinfo=UTC),
                by="p",
                clock=clock_at(datetime(2026, 2, recorded, tzinfo=UTC)),
            )

    with writing(engine) as c:
        declare(
            c,
            agreement,
            "RU",
            read_table(tmp_path / "d.csv", WEAPON_COLUMNS, []),
            "d.csv",
            by="a",
            clock=clock_at(LOADED),
        )
    visit("HA-1", "ha1.csv", 10, 10)
    visit("HA-2", "ha2.csv", 12, 20)  # entered late, after a later visit
    visit("HA-2", "ha2-empty.csv", 11, 11)
    visit("HA-1", "ha1.csv", 25, 25)  # a routine visit after the deadline
    with reading(engine) as c:
        state = next(
            s
            for s in commitment_states(c, agreement, NOW + timedelta(days=10))
            if s.spec.commitment_id == "withdrawal-ru"
        )
    assert state.status is Status.FULFILLED
    assert state.fulfilled_at == datetime(
        2026, 2, 12, tzinfo=UTC
    )  # before the 14 February deadline
    assert not state.deadline_missed
