"""Start-up: `ceasefire --help` and a command's own help against a minimal Typer app.

The yardstick is a Typer app of as many commands as `ceasefire` has at its root, each with a
docstring, printing its help: what any command line built on the same library costs to start.
Each command runs as a whole process, ceasefire and the yardstick alternating, `--repeat`
times; the table gives medians and the ratio. `reports list` on a small record (the bundled
sample's first 200 reports) shows what a real command costs to start and answer.

Usage: .venv/bin/python benchmarks/startup.py [--repeat 5]
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


def seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
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
            "ceasefire ingest --help": (
                [*ceasefire, "ingest", "--help"],
                [python, str(minimal), "ingest", "--help"],
            ),
            "ceasefire reports list (200 reports)": (
                [*ceasefire, "--db", db, "reports", "list"],
                [python, str(minimal), "reports"],
            ),
        }
        table = Table("command", "median s", "yardstick median s", "ratio (goal: 1.5 for help)")
        for name, (ours, theirs) in pairs.items():
            mine, yard = [], []
            for _ in range(args.repeat):  # alternating
                mine.append(seconds(ours))
                yard.append(seconds(theirs))
            ratio = statistics.median(m / y for m, y in zip(mine, yard, strict=True))
            table.add_row(
                name,
                f"{statistics.median(mine):.3f}",
                f"{statistics.median(yard):.3f}",
                f"{ratio:.2f}",
            )
    Console().print(table)


if __name__ == "__main__":
    main()
