"""Reading plan files: a path, or the name of a bundled plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ceasefire.data import DATA_DIR
from ceasefire.domain.engine.plan import Plan, PlanError, parse_plan
from ceasefire.services.agreements import StringTimesLoader

DEFAULT_PLAN = "coalition-three-phase"


def bundled_plans() -> list[str]:
    return sorted(p.stem for p in (DATA_DIR / "plans").glob("*.yaml"))


def plan_path(name_or_path: str) -> Path:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return DATA_DIR / "plans" / f"{name_or_path}.yaml"


def load_plan_data(name_or_path: str) -> dict[str, Any]:
    """The plan file's content as data (not yet checked)."""
    path = plan_path(name_or_path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=StringTimesLoader)
    except FileNotFoundError:
        known = ", ".join(bundled_plans())
        raise PlanError(str(path), [f"no such file (bundled plans: {known})"]) from None
    except yaml.YAMLError as exc:
        raise PlanError(str(path), [f"not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise PlanError(str(path), ["a plan file is a mapping of keys to values"])
    return data


def read_plan(name_or_path: str) -> Plan:
    plan = parse_plan(load_plan_data(name_or_path))
    if isinstance(plan, list):
        raise PlanError(str(plan_path(name_or_path)), plan)
    return plan
