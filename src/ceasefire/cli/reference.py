"""The command-line reference (docs/cli.md), written from the commands' own definitions.

Hand-kept reference pages drift from the code they describe; this one is generated from the
same Click objects `--help` prints (`scripts/write_cli_docs.py`), and a test fails when the
page and the commands differ.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from enum import Enum
from typing import Any

from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command

PREAMBLE = """\
# Command-line reference

Written by `.venv/bin/python scripts/write_cli_docs.py` from the commands' own definitions; a
test fails when this page and the code differ. `ceasefire COMMAND --help` prints the same.

## For every command

- **The database**: `--db` (before the command) takes an SQLite file path or a
  `postgresql://` URL; without it, `$CEASEFIRE_DB`, else `ceasefire.db` in the current folder.
  A command that reads the record never creates a database: `ceasefire init` does.
- **Times** take ISO 8601 (`2025-04-20`, `2025-04-20T15:00Z`, `2025-04-20T18:00+03:00`) or a
  time relative to now: `now`, `today`, `yesterday`, `-3d`, `-36h`. A time without an offset
  is read in `--tz` where the command has it, else UTC. A date alone as `--until` includes
  that day.
- **Lists** take `--format`: `table` for reading, `json` or `csv` with every field whole.
  Piped or redirected, a table is printed whole, as wide as its contents (set `COLUMNS` to
  wrap it instead).
- **Who**: commands that record a person's act (`incidents review`, `actions ack`,
  `agreement use`, the commitment commands) take `--by`; without it, `$CEASEFIRE_USER`, else
  the login name.
- **Exit codes**: `0` done; `1` the command ran and found problems (`verify` found a
  break, rows or files were refused, a plan or agreement file has problems: each is listed);
  `2` a usage mistake (an unknown option, plan or agreement name, a missing folder, no
  database yet), said in one line; `3` the command failed for a reason outside it (the
  database refused, the disk is full), said in one line (`CEASEFIRE_DEBUG=1` shows the
  traceback).
- Former names still run and say their new one on standard error: `ceasefire report` is
  `ceasefire publish`, `ceasefire review` is `ceasefire incidents review`.

## Commands
"""


def cli_reference_markdown() -> str:
    """The whole page, commands in the order the root's `--help` lists them."""
    from ceasefire.cli.app import app

    root = get_command(app)
    parts = [PREAMBLE]
    for path, command in _walk(root, []):
        parts.append(_section(path, command))
    return "\n".join(parts).rstrip() + "\n"


def _walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    children = command.loaded() if hasattr(command, "loaded") else getattr(command, "commands", {})
    if path:
        yield path, command
    for name, child in children.items():
        if getattr(child, "hidden", False):
            continue
        yield from _walk(child, [*path, name])


def _section(path: list[str], command: Any) -> str:
    level = "#" * min(2 + len(path), 4)
    lines = [f"{level} `ceasefire {' '.join(path)}`", ""]
    text = inspect.cleandoc(command.help or "")
    if text:
        lines += [text, ""]
    arguments = [p for p in command.params if isinstance(p, TyperArgument)]
    options = [
        p
        for p in command.params
        if isinstance(p, TyperOption) and not p.hidden and p.name != "help"
    ]
    if isinstance(command, TyperGroup):
        return "\n".join(lines)
    usage = " ".join(
        [f"ceasefire {' '.join(path)}"]
        + (["[OPTIONS]"] if options else [])
        + [_argument_usage(a) for a in arguments]
    )
    lines += ["```", usage, "```", ""]
    if arguments or options:
        lines += ["| argument or option | what it is | default |", "| --- | --- | --- |"]
        lines += [_row(p) for p in [*arguments, *options]]
        lines.append("")
    return "\n".join(lines)


def _argument_usage(argument: Any) -> str:
    name = argument.name.upper()
    shown = f"{name}..." if argument.nargs == -1 else name
    return shown if argument.required else f"[{shown}]"


def _row(param: Any) -> str:
    if isinstance(param, TyperArgument):
        name = f"`{param.name.upper()}`"
    else:
        names = [*param.opts, *param.secondary_opts]
        name = " / ".join(f"`{n}`" for n in names)
    help_text = " ".join((getattr(param, "help", None) or "").split())
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    choices = (
        list(annotation) if isinstance(annotation, type) and issubclass(annotation, Enum) else []
    )
    if choices:
        help_text += (
            (" " if help_text else "") + "One of: " + ", ".join(f"`{_choice(c)}`" for c in choices)
        )
    if getattr(param, "required", False) and isinstance(param, TyperOption):
        help_text += " (required)"
    return f"| {name} | {_cell(help_text)} | {_default(param)} |"


def _choice(value: Any) -> str:
    return str(getattr(value, "value", value))


def _default(param: Any) -> str:
    default = param.default
    if callable(default) or default is None or default == () or default == []:
        return ""
    if isinstance(param, TyperOption) and param.is_flag and not param.secondary_opts:
        return "off" if not default else "on"
    if isinstance(default, bool) and param.secondary_opts:
        return f"`{param.opts[0] if default else param.secondary_opts[0]}`"
    return f"`{_choice(default)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
