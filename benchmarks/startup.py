"""Start-up: `ceasefire --help` and every command's own help against a minimal Typer app.

The yardstick is a Typer app of as many commands as `ceasefire` has at its root, each with a
docstring, printing its help: what any command line built on the same library costs to start.
Each row is a pair of whole processes: `ceasefire CMD --help` against the yardstick's command
of the same name printing its help (the root's help against the yardstick's). Every row runs
once per round, ceasefire and the yardstick alternating, `--repeat` rounds; the table gives
the medians and the median of the paired ratios (a burst of load elsewhere on the machine
lands on both halves of a pair). `--sub-commands` adds a row for each sub-command's help
(`reports list --help`, ...), against the same yardstick as its group. `reports list` on a
small record (the bundled sample's first 200 reports) shows what a real command costs to
start and answer.

Usage: .venv/bin/python benchmarks/startup.py [--repeat 5] [--sub-commands]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ceasefire.cli.app import COMMANDS

REPO = Path(__file__).resolve().parents[1]
GOAL = 1.5  # a command's help within 1.5 times the yardstick's (issue #22)


def yardstick(folder: Path) -> Path:
    """A minimal Typer app with as many root commands as ceasefire's."""
    lines = ["import typer", "app = typer.Typer(add_completion=False)"]
    for k, name in enumerate(COMMANDS):
        lines += [
            f"@app.command({name!r})",
            f"def command_{k}(value: str = '') -> None:",
            f'    """The {name} command, as a one-line summary."""',
        ]
    lines += ["if __name__ == '__main__':", "    app()"]
    path = folder / "minimal.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def help_paths(sub_commands: bool) -> list[tuple[str, ...]]:
    """Each root command (not the former names), and with `sub_commands` each of its
    sub-commands, as typed after `ceasefire`."""
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    for name, entry in COMMANDS.items():
        if entry.renamed:
            continue
        if sub_commands:
            walk(entry.load(name), (name,))
        else:
            found.append((name,))
    return found


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--sub-commands", action="store_true", help="a row for every sub-command's help too"
    )
    args = parser.parse_args()
    python = sys.executable
    ceasefire = [python, "-m", "ceasefire"]
    with tempfile.TemporaryDirectory() as folder:
        minimal = yardstick(Path(folder))
        db = f"sqlite:///{Path(folder) / 'small.db'}"
        sample = REPO / "data" / "samples" / "ucdp_ged_donbas_minsk2.csv"
        small = Path(folder) / "small.csv"
        small.write_text("".join(sample.open().readlines()[:201]))
        subprocess.run([*ceasefire, "--db", db, "init"], check=True, capture_output=True)
        subprocess.run(
            [*ceasefire, "--db", db, "ingest", str(small)], check=True, capture_output=True
        )
        pairs = {
            "ceasefire --help": ([*ceasefire, "--help"], [python, str(minimal), "--help"]),
        }
        for path in help_paths(args.sub_commands):
            pairs[f"ceasefire {' '.join(path)} --help"] = (
                [*ceasefire, *path, "--help"],
                [python, str(minimal), path[0], "--help"],
            )
        pairs |= {
            "ceasefire reports list (200 reports)": (
                [*ceasefire, "--db", db, "reports", "list"],
                [python, str(minimal), "reports"],
            ),
        }
        mine: dict[str, list[float]] = {name: [] for name in pairs}
        yard: dict[str, list[float]] = {name: [] for name in pairs}
        for _ in range(args.repeat):  # rounds: every row once, ceasefire and yardstick alternating
            for name, (ours, theirs) in pairs.items():
                mine[name].append(seconds(ours))
                yard[name].append(seconds(theirs))
    table = Table("command", "median s", "yardstick median s", f"ratio (goal: {GOAL} for help)")
    ratios: dict[str, float] = {}
    for name in pairs:
        ratios[name] = statistics.median(m / y for m, y in zip(mine[name], yard[name], strict=True))
        table.add_row(
            name,
            f"{statistics.median(mine[name]):.3f}",
            f"{statistics.median(yard[name]):.3f}",
            f"{ratios[name]:.2f}",
        )
    console = Console()
    console.print(table)
    helps = {name: ratio for name, ratio in ratios.items() if name.endswith("--help")}
    worst = max(helps, key=lambda name: helps[name])
    over = [name for name, ratio in helps.items() if ratio > GOAL]
    console.print(
        f"worst help: {worst} at {helps[worst]:.2f}; "
        + (f"above {GOAL}: {', '.join(over)}" if over else f"every help within {GOAL}"),
        highlight=False,
    )


if __name__ == "__main__":
    main()
