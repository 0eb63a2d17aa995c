"""Write docs/cli.md from the commands' own definitions (`ceasefire.cli.reference`)."""

from pathlib import Path

from ceasefire.cli.reference import cli_reference_markdown

target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
target.write_text(cli_reference_markdown(), encoding="utf-8")
print(f"wrote {target}")
