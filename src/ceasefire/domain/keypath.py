"""Reading the YAML files people write (agreements, plans) into problems named by key path.

Each problem reads `phases[2].actions[0].actor: reason`, so the writer finds the key at once;
every problem of a file is collected before any is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class KeyPathProblems:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, reason: str) -> None:
        self.problems.append(f"{path}: {reason}")

    def mapping(
        self, value: Any, path: str, allowed: set[str], required: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """A section of the file: unknown keys and missing required ones are problems. An
        absent optional section (None) reads as empty."""
        if value is None and not required:
            return {}
        if not isinstance(value, Mapping):
            self.fail(path, f"must be a mapping, not {type(value).__name__}")
            return {}
        for key in sorted(set(value) - allowed, key=str):
            self.fail(
                f"{path}.{key}" if path else str(key),
                f"unknown key; valid: {', '.join(sorted(allowed))}",
            )
        for key in sorted(required - set(value)):
            self.fail(f"{path}.{key}" if path else key, "required")
        return dict(value)

    def time(self, value: Any, path: str) -> datetime | None:
        """An ISO 8601 time with its offset (written quoted, so YAML leaves it text)."""
        if not isinstance(value, str):
            self.fail(
                path, 'must be an ISO 8601 time with its offset, e.g. "2025-03-18T00:00+02:00"'
            )
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(path, f"{value!r} is not an ISO 8601 time")
            return None
        if moment.tzinfo is None:
            self.fail(path, 'needs its UTC offset, e.g. "2025-03-18T00:00+02:00"')
            return None
        return moment
