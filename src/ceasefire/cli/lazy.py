"""Commands loaded when they run, so that `ceasefire --help` and every command start fast.

Each command module pulls in what it needs (SQLAlchemy, Alembic, Shapely, pyproj, NumPy, the
web stack): importing all of them to print the list of commands took most of a second. The
root group knows each command by a `Lazy` entry (where it lives and the line `--help` shows)
and imports its module only when that command runs or its own help is asked for. A test holds
each entry's line to the loaded command's own summary, so the two cannot drift apart.

A command's own help imports its module and builds its options, so a command module keeps at
its top only what its options need (Typer, `cli.context`, `cli.listing`, the choices they
offer, from light modules such as `domain.incidents.vocabulary`) and imports its services, the
store and the domain's heavy parts inside the commands; type hints of helpers come under
`TYPE_CHECKING`. A test runs every command's help and fails if it imports any of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import typer
from typer import _click as click  # Typer carries its own Click, which its groups subclass
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Lazy:
    """Where a command lives (`module:attribute`, a Typer app of subcommands or a command
    function) and the one line the root's `--help` shows for it."""

    target: str
    summary: str
    renamed: str = ""  # a former name: not listed, still runs, and names its successor

    def load(self, name: str) -> click.Command:
        if self.renamed:
            typer.echo(f"note: `ceasefire {name}` is now `ceasefire {self.renamed}`", err=True)
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        holder = typer.Typer(add_completion=False)
        if isinstance(found, typer.Typer):  # added as a group, as `add_typer` would, so that a
            holder.add_typer(found, name=name)  # group of one command stays a group
        else:
            holder.command(name)(found)
        holder.callback()(_none)  # a holder with a callback is a group: its child is ours
        group = typer.main.get_command(holder)
        assert isinstance(group, TyperGroup)
        return group.commands[name]


class _Listed(TyperCommand):
    """A command as the root's `--help` lists it: its name and its line, nothing loaded."""

    def __init__(self, name: str, summary: str) -> None:
        super().__init__(name, help=summary, short_help=summary)


class LazyGroup(TyperGroup):
    """The root group: its own commands, then those of `lazy` (set by a subclass), in order."""

    lazy: Mapping[str, Lazy] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        listed = [name for name, entry in self.lazy.items() if not entry.renamed]
        return [*listed, *super().list_commands(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if entry is not None:
            return _Listed(cmd_name, entry.summary)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        entry = self.lazy.get(args[0]) if args else None
        if entry is not None:
            return args[0], entry.load(args[0]), args[1:]
        return super().resolve_command(ctx, args)

    def loaded(self, ctx: click.Context | None = None) -> dict[str, click.Command]:
        """Every command, loaded (for tests and generated documentation)."""
        context = ctx or click.Context(self)
        found: dict[str, Any] = {}
        for name in self.list_commands(context):
            entry = self.lazy.get(name)
            found[name] = entry.load(name) if entry else super().get_command(context, name)
        return found


def _none() -> None:
    """The holder's callback: nothing to do."""
