"""Reading plan files: a path, or the name of a bundled plan."""

from __future__ import annotations

from pathlib import Path

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


def read_plan(name_or_path: str) -> Plan:
    path = plan_path(name_or_path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=StringTimesLoader)
    except FileNotFoundError:
        raise PlanError(
            str(path), [f"no such file (bundled plans: {', '.join(bundled_plans())})"]
        ) from None
    except yaml.YAMLError as exc:
        raise PlanError(str(path), [f"not valid YAML: {exc}"]) from None
    plan = parse_plan(data)
    if isinstance(plan, list):
        raise PlanError(str(path), plan)
    return plan
