"""Obligations per actor, on both databases: an action addressed to the twenty-one members of
the coalition is owed, reminded and overdue for each of them on its own; a channel for one
actor hears only what concerns it; a shared action is discharged by its first answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from ceasefire.domain.validation import IngestRules
from ceasefire.services.ingest import ingest_files
from ceasefire.services.live import (
    AcknowledgementError,
    acknowledge_action,
    adopt,
    open_actions,
    step,
)
from ceasefire.services.notify import add_channel, deliver_due
from ceasefire.services.plans import load_plan_data
from ceasefire.store.db import reading, writing
from ceasefire.store.schema import outbox
from ceasefire.store.verify import verify

T = datetime(2025, 4, 19, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
HEADER = "source_id,source_kind,external_id,observed_start,lon,lat,category,alleged_party\n"
COALITION = load_plan_data("coalition-three-phase")["actors"]["coalition_of_the_willing"]


def phase_two(engine: Engine, tmp_path: Path) -> datetime:
    """RU opens a track at T and violates again past the 24 h cure: phase 2 at T + 30 h."""
    rows = "".join(
        f"ua-liaison,party_complaint,{name},{(T + h * HOUR).isoformat()},37.9,48.3,artillery,RU\n"
        for name, h in (("a", 0), ("b", 30))
    )
    path = tmp_path / "r.csv"
    path.write_text(HEADER + rows)
    now = T + 31 * HOUR
    assert ingest_files(engine, [path], rules=IngestRules(now=now, zone=UTC), clock=lambda: now).ok
    return now


def action(engine: Engine, name: str, now: datetime, actor: str | None = None) -> dict[str, Any]:
    with reading(engine) as connection:
        return next(a for a in open_actions(connection, now, actor=actor) if a["action"] == name)


def test_each_coalition_member_owes_the_action_on_its_own(engine: Engine, tmp_path: Path) -> None:
    adopt(engine, "coalition-three-phase", counting="reported", clock=lambda: T - HOUR)
    now = phase_two(engine, tmp_path)
    with writing(engine) as connection:
        everyone = add_channel(
            connection, "webhook", "http://127.0.0.1:9/", events=["reminder"], clock=lambda: T
        )
        gb_only = add_channel(
            connection,
            "webhook",
            "http://127.0.0.1:9/gb",
            events=["action", "reminder"],
            actors=["GB"],
            clock=lambda: T,
        )
        ru_liaison = add_channel(
            connection,
            "webhook",
            "http://127.0.0.1:9/ru",
            events=["phase", "action", "reminder"],
            actors=["RU"],
            clock=lambda: T,
        )
    first = step(engine, now=now, clock=lambda: now, remind_every=HOUR)
    reminded = {(r.action["action"], r.actor) for r in first.reminders}
    # Each of the 21 is reminded of each phase-2 action; phase 1's actors of theirs.
    assert {a for a, who in reminded if who == "FR"} == {"reinforce", "support_defending_forces"}
    assert len([1 for a, _ in reminded if a == "reinforce"]) == len(COALITION) == 21

    reinforce = action(engine, "reinforce", now)
    with writing(engine) as connection:
        acknowledge_action(
            connection, reinforce["decision_id"], "GB", "ships sailed", clock=lambda: now
        )
        with pytest.raises(AcknowledgementError, match="already acknowledged"):
            acknowledge_action(connection, reinforce["decision_id"], "GB", "", clock=lambda: now)
    # One answer closes GB's part only: 20 still owe it and stay reminded.
    still = action(engine, "reinforce", now)
    assert still["obligation"].tally() == "1 of 21 acknowledged"
    assert still["obligation"].waiting == tuple(a for a in COALITION if a != "GB")
    with reading(engine) as connection:
        gb_owes = {a["action"] for a in open_actions(connection, now, actor="GB")}
    assert "reinforce" not in gb_owes
    assert "support_defending_forces" in gb_owes

    # The GB channel heard the actions addressed to GB and GB's own reminders, nothing else;
    # GB's queued reminder of what it acknowledged is cancelled, FR's on the other is not.
    with reading(engine) as connection:
        queued = connection.execute(
            select(outbox.c.channel_id, outbox.c.kind, outbox.c.actor, outbox.c.decision_id)
        ).all()
    with reading(engine) as connection:
        told_ru = connection.execute(
            select(outbox.c.kind, outbox.c.subject).where(outbox.c.channel_id == ru_liaison)
        ).all()
    # RU's liaison: its track's two phase entries and the cure assessed between them, the
    # notices to RU and their reminders.
    assert sorted(kind for kind, _ in told_ru) == ["action"] * 2 + ["phase"] * 3 + ["reminder"] * 2
    assert all(": acknowledge " in subject for kind, subject in told_ru if kind != "phase")
    heard = {(kind, actor) for channel, kind, actor, _ in queued if channel == gb_only}
    assert heard == {("action", None), ("reminder", "GB")}
    assert {a for c, k, a, _ in queued if c == everyone} >= {"GB", "FR", "US", "UA"}
    sent = deliver_due(engine, now=now, worker="w", senders={"webhook": lambda c, r: None})
    assert sent.cancelled == 2  # GB's reinforce reminder, on each channel

    later = now + 2 * HOUR
    again = step(engine, now=later, clock=lambda: later, remind_every=HOUR)
    reinforce_again = {r.actor for r in again.reminders if r.action["action"] == "reinforce"}
    assert reinforce_again == set(COALITION) - {"GB"}
    with reading(engine) as connection:
        assert verify(connection).first_break is None


def test_a_shared_action_is_discharged_by_any_one_actor(engine: Engine, tmp_path: Path) -> None:
    data = load_plan_data("coalition-three-phase")
    _action(data, "reinforce")["shared"] = True  # reinforce: any one of the coalition
    plan_file = tmp_path / "shared.yaml"
    plan_file.write_text(yaml.safe_dump(data))
    adopt(engine, str(plan_file), counting="reported", clock=lambda: T - HOUR)
    now = phase_two(engine, tmp_path)
    step(engine, now=now, clock=lambda: now, remind_every=HOUR)
    reinforce = action(engine, "reinforce", now)
    assert reinforce["obligation"].tally() == "any one of 21: none acknowledged"
    with writing(engine) as connection:
        acknowledge_action(connection, reinforce["decision_id"], "FR", "", clock=lambda: now)
        with pytest.raises(AcknowledgementError, match="already discharged: FR"):
            acknowledge_action(connection, reinforce["decision_id"], "GB", "", clock=lambda: now)
    with reading(engine) as connection:
        assert "reinforce" not in {a["action"] for a in open_actions(connection, now)}
    later = now + 2 * HOUR
    again = step(engine, now=later, clock=lambda: later, remind_every=HOUR)
    assert not [r for r in again.reminders if r.action["action"] == "reinforce"]


def _action(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for phase in plan["phases"] for a in phase["actions"] if a["action"] == name)
