"""The YAML files people write (agreements, plans): found by path or bundled name, read with
the problem said in a sentence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ceasefire.data import DATA_DIR
from ceasefire.data import bundled as bundled


class StringTimesLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: PyYAML would turn an offset time into naive UTC."""


StringTimesLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def find(kind: str, name_or_path: str) -> Path:
    """A path to a file, or the name of a bundled one."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return path
    return DATA_DIR / kind / f"{name_or_path}.yaml"


def not_found(kind: str, path: Path) -> str | None:
    """Why `path` (from `find`) cannot be read because it is not there, or None if it is: in
    the user's terms, without the package path a bundled name was looked for at."""
    if path.exists():
        return None
    names = ", ".join(bundled(kind))
    return f"no such file, and no bundled {kind.rstrip('s')} of that name (bundled: {names})"


def read_yaml(kind: str, path: Path) -> tuple[Any, str | None]:
    """The file's data, or None and the reason it cannot be read."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=StringTimesLoader), None
    except FileNotFoundError:
        return None, f"no such file (bundled {kind}: {', '.join(bundled(kind))})"
    except yaml.YAMLError as exc:
        return None, f"not valid YAML: {exc}"
