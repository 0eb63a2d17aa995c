"""Reading plan files: a path, or the name of a bundled plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ceasefire.data import DEFAULT_PLAN as DEFAULT_PLAN
from ceasefire.domain.enforcement.plan import STATUSES, Plan, PlanError, parse_plan
from ceasefire.services.yaml_files import bundled, find, not_found, read_yaml


def bundled_plans() -> list[str]:
    return bundled("plans")


def plan_path(name_or_path: str) -> Path:
    return find("plans", name_or_path)


class PlanNotFound(PlanError):
    """No plan file at that path, and no bundled plan of that name: a mistake in the command,
    not a problem found in a plan."""


def load_plan_data(name_or_path: str) -> dict[str, Any]:
    """The plan file's content as data (not yet checked)."""
    path = plan_path(name_or_path)
    missing = not_found("plans", path)
    if missing:
        raise PlanNotFound(name_or_path, [missing])
    data, problem = read_yaml("plans", path)
    if problem:
        raise PlanError(str(path), [problem])
    if not isinstance(data, dict):
        raise PlanError(str(path), ["a plan file is a mapping of keys to values"])
    return data


def with_counting(data: dict[str, Any], level: str) -> dict[str, Any]:
    """The plan file's data counting violations of `level` or better (`reported` counts
    everything): what `--counting` does, for adoption and simulation alike."""
    if level not in STATUSES:
        raise ValueError(f"--counting: {level!r} is not one of {', '.join(STATUSES)}")
    statuses = list(STATUSES[STATUSES.index(level) :])
    return {**data, "counting": {**(data.get("counting") or {}), "statuses": statuses}}


def read_plan(name_or_path: str) -> Plan:
    plan = parse_plan(load_plan_data(name_or_path))
    if isinstance(plan, list):
        raise PlanError(str(plan_path(name_or_path)), plan)
    return plan
