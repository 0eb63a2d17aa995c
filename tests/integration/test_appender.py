"""Group commit on both databases: many requests' reports in one transaction, each request
still all or nothing and answered only once stored; retries of one key answered alike."""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text

from ceasefire.domain.incidents.book import incident_label
from ceasefire.domain.incidents.review import Action, Review
from ceasefire.domain.incidents.story import Terms
from ceasefire.domain.validation import Accepted, IngestRules, parse_report
from ceasefire.services.appender import Answer, Appender, Submission
from ceasefire.services.incidents import record_review
from ceasefire.store.db import reading, writing
from ceasefire.store.incident_check import membership_problem
from ceasefire.store.ledger_store import lock_head
from ceasefire.store.verify import verify

NOW = datetime(2025, 5, 1, tzinfo=UTC)


def accepted(name: str, lat: float = 48.3) -> Accepted:
    fields: dict[str, Any] = {
        "source_id": "osce",
        "source_kind": "monitor_patrol",
        "external_id": name,
        "observed_start": "2025-04-20T10:00Z",
        "lon": 37.9,
        "lat": lat,
        "category": "artillery",
    }
    result = parse_report(fields, IngestRules(now=NOW, zone=UTC))
    assert isinstance(result, Accepted)
    return result


def submit_all(appender: Appender, submissions: list[Submission]) -> list[Answer]:
    """All at once, from as many threads: the writer groups whatever is waiting."""
    answers: list[Answer | None] = [None] * len(submissions)
    start = threading.Barrier(len(submissions))

    def go(k: int) -> None:
        start.wait()
        answers[k] = appender.submit(submissions[k])

    threads = [threading.Thread(target=go, args=(k,)) for k in range(len(submissions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [a for a in answers if a is not None]


def count(engine: Engine, table: str) -> int:
    with reading(engine) as connection:
        return int(connection.execute(text(f"select count(*) from {table}")).scalar_one())


def test_many_requests_one_chain_each_answered(engine: Engine) -> None:
    appender = Appender(engine, lambda: NOW)
    answers = submit_all(
        appender, [Submission(f"u{k}", [accepted(f"r{k}"), accepted("shared")]) for k in range(20)]
    )
    assert count(engine, "reports") == 21
    assert sum(a.body["added"] for a in answers) == 21  # "shared" added once, repeated 19 times
    assert all(
        a.body["reports"][1]["incident"] == answers[0].body["reports"][1]["incident"]
        for a in answers
    )
    with reading(engine) as connection:
        assert verify(connection).first_break is None


def test_a_conflict_refuses_only_its_own_request(engine: Engine) -> None:
    appender = Appender(engine, lambda: NOW)
    appender.submit(Submission("u", [accepted("x")]))
    answers = submit_all(
        appender,
        [
            Submission("a", [accepted("a1"), accepted("x", lat=48.9)], batch=True),
            Submission("b", [accepted("b1")]),
        ],
    )
    assert sorted(a.status for a in answers) == [201, 409]
    refused = next(a for a in answers if a.status == 409)
    assert refused.body["problems"][0]["field"] == "reports[1].external_id"
    assert count(engine, "reports") == 2  # x and b1; a1 went with its request


def test_retries_of_one_key_get_one_answer(engine: Engine) -> None:
    appender = Appender(engine, lambda: NOW)
    same = Submission("u", [accepted("k1")], idempotency_key="key", request_sha256="s1")
    answers = submit_all(appender, [same] * 8)
    assert len({str(a.body) for a in answers}) == 1
    assert count(engine, "idempotency") == 1
    other = appender.submit(
        Submission("u", [accepted("k2")], idempotency_key="key", request_sha256="s2")
    )
    assert other.status == 422


def test_answers_name_the_incident_each_report_is_in_once_stored(engine: Engine) -> None:
    # A new report's incident comes from the grouping, a repeat's from the record: both must
    # be what the record says after the transaction, merges included.
    appender = Appender(engine, lambda: NOW)
    appender.submit(Submission("u", [accepted("west", lat=48.30)]))
    appender.submit(Submission("u", [accepted("east", lat=48.32)]))
    answer = appender.submit(
        Submission("u", [accepted("west", lat=48.30), accepted("between", lat=48.31)], batch=True)
    )
    assert [r["status"] for r in answer.body["reports"]] == ["repeat", "added"]
    with reading(engine) as connection:
        stored = dict(
            connection.execute(
                text(
                    "select r.external_id, m.incident_no from reports r "
                    "join incident_members m on m.report_id = r.report_id"
                )
            ).all()
        )
    labels = {r["report_id"]: r["incident"] for r in answer.body["reports"]}
    named = [accepted(name).report.report_id for name in ("west", "between")]
    assert [labels[report_id] for report_id in named] == [
        incident_label(stored["west"]),
        incident_label(stored["between"]),
    ]


def test_a_request_given_up_before_the_writer_took_it_is_not_stored(engine: Engine) -> None:
    # An async caller cancelled while its submission waited: the writer skips it, answers
    # the submissions around it, and stays up for the next.
    appender = Appender(engine, lambda: NOW)
    with writing(engine) as connection:
        lock_head(connection)  # the writer takes `first`, then waits for this transaction
        first = appender.enqueue(Submission("u", [accepted("first")]))
        deadline = time.monotonic() + 10
        while not first.running() and time.monotonic() < deadline:
            time.sleep(0.01)
        # Running: the writer has taken every submission waiting with it (it marks them
        # running only after that look), so the next ones wait for its next round.
        assert first.running()
        given_up = appender.enqueue(Submission("u", [accepted("given-up")]))
        later = appender.enqueue(Submission("u", [accepted("later")]))
        assert given_up.cancel()
    assert first.result(30).status == 201
    assert later.result(30).status == 201
    assert appender.submit(Submission("u", [accepted("next")])).status == 201
    with reading(engine) as connection:
        stored = set(connection.execute(text("select external_id from reports")).scalars())
        assert verify(connection).first_break is None
    assert stored == {"first", "later", "next"}


def crowded(name: str, rng: random.Random, **changed: Any) -> Accepted:
    """A report of a busy hour at one village: a few sources, a few hundred metres apart,
    observed in any order within two hours (links reach 30 minutes)."""
    hour = rng.choice([10, 11])
    fields: dict[str, Any] = {
        "source_id": rng.choice(["osce", "uav-1", "party-ua", "party-ru"]),
        "source_kind": "monitor_patrol",
        "external_id": name,
        "observed_start": f"2025-04-20T{hour}:{rng.randrange(60):02d}Z",
        "lon": 37.9 + rng.uniform(-0.01, 0.01),
        "lat": 48.3 + rng.uniform(-0.01, 0.01),
        "category": rng.choice(["artillery", "mortar", "small_arms"]),
    }
    result = parse_report(fields | changed, IngestRules(now=NOW, zone=UTC))
    assert isinstance(result, Accepted)
    return result


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_writer_keeps_its_book_and_the_incidents_stay_as_the_rule_says(
    engine: Engine, seed: int
) -> None:
    # The writer keeps its incident book from one transaction to the next, catching up with
    # another server's reports; a review or a refused request and it begins again. Whatever
    # happened, the stored incidents must be what a replay of the record says.
    rng = random.Random(seed)
    writer, other = Appender(engine, lambda: NOW), Appender(engine, lambda: NOW)
    kept: list[tuple[int, int] | None] = []
    first: Accepted | None = None
    for k in range(12):
        batch = [crowded(f"s{seed}-{k}-{j}", rng) for j in range(rng.randint(1, 6))]
        first = first or batch[0]
        writer.submit(Submission("u", batch, batch=True))
        kept.append(writer.kept)
        if k % 3 == 1:  # another server files between two of this writer's transactions,
            # among them a source's correction of a report this writer stored, moving it out
            # of the village's reach: only the link holds the two in one incident
            corrected = batch[-1]
            correction = crowded(
                f"c{seed}-{k}",
                rng,
                source_id=corrected.source.source_id,
                updates=corrected.report.external_id,
                lat=48.6,
            )
            more = [crowded(f"o{seed}-{k}-{j}", rng) for j in range(3)]
            other.submit(Submission("u", [*more, correction], batch=True))
        if k == 5:  # an analyst splits a report off its incident
            split_one_off(engine)
        if k == 8:  # a request refused: its transaction rolled back whatever it grouped
            source = {"source_id": first.source.source_id}  # the same id, other content
            repeat = crowded(first.report.external_id, rng, **source)
            assert writer.submit(Submission("u", [repeat])).status == 409
            assert writer.kept is None
    with reading(engine) as connection:
        assert membership_problem(connection) is None
        assert verify(connection).first_break is None
        stored = int(connection.execute(text("select count(*) from reports")).scalar_one())
        links = int(connection.execute(text("select count(*) from incident_links")).scalar_one())
    assert stored > 40
    assert links > 0  # corrections (a split may cut some)
    begun = [held[0] for held in kept if held is not None]
    held = [held[1] for held in kept if held is not None]
    assert len(begun) == len(kept)
    # one book, caught up with the other server's reports, until the split; then another
    assert begun[0] == begun[1] == begun[2] == begun[3] == begun[4] == begun[5] < begun[6]
    assert held[5] > held[0] > 0


def split_one_off(engine: Engine) -> None:
    with reading(engine) as connection:
        rows = connection.execute(
            text("select incident_no, report_id from incident_members order by report_id")
        ).all()
    members: dict[int, list[str]] = {}
    for number, report_id in rows:
        members.setdefault(int(number), []).append(report_id)
    number, ids = max(members.items(), key=lambda item: len(item[1]))
    assert len(ids) > 1
    draft = Review(0, number, Action.SPLIT, "alice", NOW, reports=(ids[0],))
    with writing(engine) as connection:
        record_review(connection, draft, Terms(parties=("RU", "UA")), clock=lambda: NOW)
