"""What the plan's decisions tell the outside world: events, their payloads, CAP 1.2 alerts.

Each decision becomes at most one event with a stable id, so a receiver that is sent the same
event twice (delivery is at least once) can tell and drop the second. The JSON payload carries
the decision as recorded; a CAP 1.2 alert (OASIS Common Alerting Protocol) says the same for
alerting systems: a phase or action is an Alert, a withdrawal Cancels the alert it withdraws,
a reminder Updates the action's alert.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from xml.etree import ElementTree as ET

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "ceasefire@monitoring.invalid"  # CAP's sender: who issued it; set per deployment


class EventKind(StrEnum):
    PHASE = "phase"  # a track entered a phase, stood down, or a decision was withdrawn
    ACTION = "action"  # the plan requires an actor to act
    REMINDER = "reminder"  # an overdue action, not yet acknowledged


_KIND_OF_DECISION = {
    "phase_entered": EventKind.PHASE,
    "stood_down": EventKind.PHASE,
    "withdrawn": EventKind.PHASE,
    "cure_assessed": EventKind.PHASE,
    "not_confirmed": EventKind.PHASE,
    "awaiting_confirmation": EventKind.ACTION,  # the named actors must confirm or decline
    "action_required": EventKind.ACTION,
}


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str  # stable: receivers drop a second delivery of the same id
    kind: EventKind
    summary: str
    decision: dict[str, Any]  # the decision's recorded content
    actor: str | None = None  # a reminder's addressee: the one actor it reminds

    def payload(self) -> str:
        body = {
            "id": self.event_id,
            "event": self.kind.value,
            "summary": self.summary,
            "decision": self.decision,
        }
        if self.actor is not None:
            body["actor"] = self.actor
        return json.dumps(body, sort_keys=True)

    def concerns(self, actors: frozenset[str]) -> bool:
        """Whether a channel for these actors or parties wants it: their own track's phases,
        the actions addressed to them, the reminders to them (an empty set: everything)."""
        if not actors:
            return True
        if self.actor is not None:
            return self.actor in actors
        d = self.decision
        if d["actors"] and d["kind"] in ("action_required", "awaiting_confirmation", "withdrawn"):
            return bool(actors & set(d["actors"]))
        return d["party"] in actors


def decision_event(content: dict[str, Any]) -> Event | None:
    """The event a recorded decision makes, if any (exemptions make none)."""
    kind = _KIND_OF_DECISION.get(content["kind"])
    if kind is None:
        return None
    return Event(content["decision_id"], kind, content["summary"], content)


def reminder_event(content: dict[str, Any], reminded_at: datetime, actor: str, tally: str) -> Event:
    """A reminder to one actor that still owes an overdue action (each is reminded alone)."""
    stamp = reminded_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Event(
        f"{content['decision_id']}/reminder/{actor}/{stamp}",
        EventKind.REMINDER,
        f"Reminder to {actor}, overdue ({tally}): {content['summary']}",
        content,
        actor,
    )


# -- CAP 1.2 ---------------------------------------------------------------------------------


def cap_time(moment: datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset, and UTC written -00:00 (CAP 1.2, 3.3.2)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "-00:00"


def cap_identifier(event_id: str) -> str:
    return "ceasefire-" + event_id.replace("/", "-")


@dataclass(frozen=True, slots=True)
class CapContext:
    sent: datetime  # when this alert is issued
    polygon: Sequence[tuple[float, float]]  # (lon, lat), a closed ring of 4 or more points
    area: str  # words for the area: the sectors, or the line of contact
    references: str | None = None  # "sender,identifier,sent" of the alert this one changes
    sender: str = SENDER


def cap_alert(event: Event, context: CapContext) -> str:
    """The CAP 1.2 alert XML for an event (valid against the OASIS schema; a test checks)."""
    d = event.decision
    msg_type = "Alert"
    if d["kind"] == "withdrawn" and context.references:
        msg_type = "Cancel"
    elif event.kind is EventKind.REMINDER and context.references:
        msg_type = "Update"
    ET.register_namespace("", CAP_NS)
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _text(alert, "identifier", cap_identifier(event.event_id))
    _text(alert, "sender", context.sender)
    _text(alert, "sent", cap_time(context.sent))
    _text(alert, "status", "Actual")
    _text(alert, "msgType", msg_type)
    _text(alert, "scope", "Restricted")
    _text(alert, "restriction", "Guarantors and the parties' liaison officers")
    if msg_type != "Alert":
        _text(alert, "references", context.references or "")
    info = ET.SubElement(alert, f"{{{CAP_NS}}}info")
    _text(info, "category", "Security")
    _text(info, "event", _event_name(d))
    _text(info, "urgency", _urgency(event))
    _text(info, "severity", _severity(d))
    _text(info, "certainty", "Likely")
    _text(info, "effective", cap_time(datetime.fromisoformat(d["effective_at"])))
    if d.get("due_at"):
        _text(info, "expires", cap_time(datetime.fromisoformat(d["due_at"])))
    _text(info, "headline", event.summary[:160])
    _text(info, "description", _description(d))
    if event.actor is not None:
        _text(info, "instruction", f"Required of {event.actor}: {d['action']}")
    elif d.get("actors"):
        each = "any one of " if d.get("shared") else ""
        _text(info, "instruction", f"Required of {each}{', '.join(d['actors'])}: {d['action']}")
    parameter = ET.SubElement(info, f"{{{CAP_NS}}}parameter")
    _text(parameter, "valueName", "ceasefire-decision")
    _text(parameter, "value", d["decision_id"])
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    _text(area, "areaDesc", context.area)
    _text(area, "polygon", " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in context.polygon))
    return ET.tostring(alert, encoding="unicode", xml_declaration=False)


def _text(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, f"{{{CAP_NS}}}{name}").text = value


def _event_name(d: dict[str, Any]) -> str:
    if d["kind"] == "action_required":
        return f"Ceasefire enforcement: action required ({d['party']})"
    if d["kind"] == "withdrawn":
        return f"Ceasefire enforcement: decision withdrawn ({d['party']})"
    if d["kind"] == "stood_down":
        return f"Ceasefire enforcement: stand-down ({d['party']})"
    if d["kind"] == "cure_assessed":
        return f"Ceasefire enforcement: cure period assessed ({d['party']})"
    if d["kind"] == "awaiting_confirmation":
        return f"Ceasefire enforcement: phase {d['phase']} awaits confirmation ({d['party']})"
    if d["kind"] == "not_confirmed":
        return f"Ceasefire enforcement: phase {d['phase']} not confirmed ({d['party']})"
    return f"Ceasefire enforcement: phase {d['phase']} ({d['party']})"


def _urgency(event: Event) -> str:
    d = event.decision
    if event.kind is EventKind.REMINDER or d.get("phase", 0) >= 3:
        return "Immediate"
    return "Expected"


def _severity(d: dict[str, Any]) -> str:
    if d["kind"] in ("stood_down", "withdrawn", "cure_assessed", "not_confirmed"):
        return "Minor"
    return {1: "Minor", 2: "Moderate"}.get(int(d.get("phase") or 1), "Severe")


def _description(d: dict[str, Any]) -> str:
    lines = [
        d["summary"],
        f"Rule: {d['rule']} ({d['explanation']}).",
        f"Plan: {d['plan']}. T0: {d.get('t0') or '-'}.",
        f"Evidence: {', '.join(d['evidence']) or '-'}.",
    ]
    if d.get("late"):
        lines.append("Late: the data arrived after this should have taken effect.")
    return "\n".join(lines)
