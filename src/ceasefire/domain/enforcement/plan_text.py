"""A plan in plain words, for `plan check` and for anyone reviewing a plan file."""

from __future__ import annotations

from ceasefire.domain.enforcement.plan import ActionSpec, Plan


def describe_plan(plan: Plan) -> list[str]:
    lines = [f"{plan.name}: {plan.title}", _tracks(plan), _counting(plan)]
    lines.append(f'Phase 1 "{plan.phase(1).name}": entered at the first counting violation (T0).')
    lines += _actions(plan, 1)
    lines.append(f'Phase 2 "{plan.phase(2).name}": {_phase2(plan)}{_gate(plan, 2)}')
    lines += _actions(plan, 2)
    lines.append(f'Phase 3 "{plan.phase(3).name}": {_phase3(plan)}{_gate(plan, 3)}')
    lines += _actions(plan, 3)
    if plan.deescalate_3_to_2_h is not None:
        lines.append(
            f"Phase 3 gives way to phase 2 after {_h(plan.deescalate_3_to_2_h)} without a "
            "broader attack."
        )
    lines.append(
        f"At the end of the cure period ({_h(plan.cure_period_h)} after phase 1 began) the "
        "record states whether the violations stopped, with the violations of the period."
    )
    lines.append(
        f"Stand-down to phase 0: after {_h(plan.quiet_period_h)} without a counting violation."
    )
    for e in plan.exemptions:
        where = "anywhere" if e.sectors is None else "in " + ", ".join(sorted(e.sectors))
        if e.bbox is not None:
            where += f" within lon {e.bbox[0]:g}..{e.bbox[2]:g}, lat {e.bbox[1]:g}..{e.bbox[3]:g}"
        verb = "not counted" if e.handling == "suppress" else "counted and flagged"
        lines.append(
            f"Exemption {e.name!r}: {e.start.isoformat()} to {e.end.isoformat()} {where}: "
            f"violations inside are {verb}, and each is noted as a decision."
        )
    skip = "may" if plan.allow_phase_skip else "may not"
    lines.append(f"A track {skip} pass from phase 1 straight to phase 3.")
    lines.append(f"Plan content SHA-256: {plan.content_sha256}")
    return lines


def _h(hours: float) -> str:
    days = hours / 24
    return f"{hours:g} h ({days:g} days)" if hours >= 48 and days.is_integer() else f"{hours:g} h"


def _tracks(plan: Plan) -> str:
    if plan.subjects is None:
        return "Tracks: every party, under the same rules."
    parties = ", ".join(
        f"{p} ({plan.defenders[p]} defends)" if p in plan.defenders else p
        for p in sorted(plan.subjects)
    )
    return f"Tracks: {parties}; other parties' violations open no track."


def _counting(plan: Plan) -> str:
    c = plan.counting
    statuses = " or ".join(sorted(c.statuses))
    kinds = "every category" if c.categories is None else ", ".join(sorted(c.categories))
    targets = (
        "any target"
        if c.damaged_objects is None
        else "damage to " + ", ".join(sorted(c.damaged_objects))
    )
    missed = (
        "; and missed deadlines of " + ", ".join(sorted(c.commitments)) + " commitments"
        if c.commitments
        else ""
    )
    return (
        f"Counts: {statuses} violations, {c.min_severity.value} or worse; {kinds}; {targets}"
        f"{missed}."
    )


def _rules(rules: list[str]) -> str:
    return "; ".join(rules) if rules else "no rule (switched off)"


def _phase2(plan: Plan) -> str:
    e = plan.escalation
    rules = []
    if e.more_severe_than_initial:
        rules.append("a violation more severe than the initial one")
    if e.count_in_24h:
        rules.append(f"{e.count_in_24h} counting violations within 24 h")
    if e.sectors_in_24h:
        rules.append(f"violations in {e.sectors_in_24h} sectors within 24 h")
    return (
        f"entered when a counting violation comes more than {_h(plan.cure_period_h)} after "
        f"phase 1 began (the cure period), or at once when escalation is evident: {_rules(rules)}."
    )


def _phase3(plan: Plan) -> str:
    b = plan.broader_attack
    rules = []
    if b.categories:
        kinds = ", ".join(sorted(c.value.replace("_", " ") for c in b.categories))
        rules.append(f"a grave violation of these kinds: {kinds}")
    if b.count_in_24h:
        spread = f" spread over {b.count_spread_km:g} km or more" if b.count_spread_km else ""
        rules.append(f"{b.count_in_24h} counting violations within 24 h{spread}")
    if b.major_sectors_in_6h:
        rules.append(f"major-or-worse violations in {b.major_sectors_in_6h} sectors within 6 h")
    stops = (
        "even if the attack stops before then"
        if b.proceed_if_attack_stops
        else "only if counting violations continue within the 24 h before it"
    )
    return (
        f"entered when a broader attack is established ({_rules(rules)}); it takes effect at the "
        f"later of that moment and T0 + {_h(plan.phase3_earliest_h)}, never earlier, {stops}."
    )


def _gate(plan: Plan, number: int) -> str:
    who = plan.phase(number).confirm_by
    if not who:
        return ""
    return (
        f" When its conditions are met the track awaits confirmation by {', '.join(who)}, "
        "and enters the phase only when one of them confirms it (or records that it is not "
        "to be entered)."
    )


def _actions(plan: Plan, number: int) -> list[str]:
    return [
        f"  - {_actor(plan, a)}: {a.description or a.action} ({_due(a)})"
        for a in plan.phase(number).actions
    ]


def _actor(plan: Plan, action: ActionSpec) -> str:
    if action.actor == "violator":
        return "the violating party"
    if action.actor == "defender":
        return "the defending party"
    members = plan.actors.get(action.actor, ())
    shown = ", ".join(members[:6]) + (f" and {len(members) - 6} more" if len(members) > 6 else "")
    group = f"{action.actor.replace('_', ' ')} ({shown})"
    if len(members) < 2:
        return group
    # Who must answer: every member on its own, or the first of them for all.
    return f"any one of {group}" if action.shared else f"each of {group}"


def _due(action: ActionSpec) -> str:
    return "at once" if action.due_h == 0 else f"within {_h(action.due_h)}"
