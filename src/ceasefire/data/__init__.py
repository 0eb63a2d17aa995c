"""Data shipped with the package: boundaries, demo geography, agreement files (see README)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent
BUNDLED_PREFIX = "bundled:"


def resolve(reference: str, relative_to: Path | None = None) -> Path:
    """A path from an agreement file or the command line: `bundled:geo/x.geojson` is inside
    the package; anything else is a path, relative to `relative_to` when given."""
    if reference.startswith(BUNDLED_PREFIX):
        return DATA_DIR / reference[len(BUNDLED_PREFIX) :]
    path = Path(reference).expanduser()
    if relative_to is not None and not path.is_absolute():
        return relative_to / path
    return path
