"""The packages import only what docs/architecture.md says they may: the pure core stays pure
and nothing imports upwards."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "ceasefire"

# package -> the packages (or modules) of ours it may import, besides itself
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "ingest": {"domain"},
    "geofiles": {"domain", "data"},
    "store": {"domain"},
    "publish": {"domain"},
    "export": {"domain"},
    "services": {"domain", "store", "ingest", "geofiles", "publish", "data", "speed.collector"},
}
SPEED_ALLOWED = {"domain", "store", "services", "speed"}


def _imports(path: Path) -> set[str]:
    """The `ceasefire.X[.Y]` targets a module imports, as `X` and `X.Y`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "ceasefire" and len(parts) > 1:
                found.add(parts[1])
                found.add(".".join(parts[1:3]))
    return found


def _broken(package: str, allowed: set[str]) -> list[str]:
    problems = []
    for path in sorted((SRC / package).rglob("*.py")):
        for target in _imports(path):
            top = target.split(".")[0]
            if top == package or (top == "clock" and package != "domain"):
                continue
            if "." in target:
                fine = top in allowed or target in allowed
            else:
                fine = top in allowed or any(a.startswith(top + ".") for a in allowed)
            if not fine:
                problems.append(f"{path.relative_to(SRC)} imports ceasefire.{target}")
    return problems


def test_each_package_imports_only_what_the_architecture_allows() -> None:
    problems = [p for package, allowed in ALLOWED.items() for p in _broken(package, allowed)]
    problems += _broken("speed", SPEED_ALLOWED)
    assert problems == []


def test_the_domain_never_reads_the_clock() -> None:
    """Time comes into the core as an argument: only adapters read `ceasefire.clock`."""
    assert [p for p in _broken("domain", set()) if "ceasefire.clock" in p] == []
