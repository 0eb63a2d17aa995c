"""Data shipped with the package: boundaries, demo geography, agreement files (see README)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent
BUNDLED_PREFIX = "bundled:"
# The plan adopted, replayed and simulated when none is named: one of the bundled plans.
DEFAULT_PLAN = "coalition-three-phase"


def bundled(kind: str) -> list[str]:
    """Names of the bundled files of a kind (`agreements`, `plans`, `scenarios`): here, not
    beside the YAML reader, so that a command's help can list them without loading it."""
    return sorted(p.stem for p in (DATA_DIR / kind).glob("*.yaml"))


def resolve(reference: str, relative_to: Path | None = None) -> Path:
    """A path from an agreement file or the command line: `bundled:geo/x.geojson` is inside
    the package; anything else is a path, relative to `relative_to` when given."""
    if reference.startswith(BUNDLED_PREFIX):
        return DATA_DIR / reference[len(BUNDLED_PREFIX) :]
    path = Path(reference).expanduser()
    if relative_to is not None and not path.is_absolute():
        return relative_to / path
    return path
