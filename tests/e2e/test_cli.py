"""The command line as a user types it, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ceasefire.cli.app import app
from ceasefire.store.migrate import head_revision

from ..conftest import FIXTURES, REPO

runner = CliRunner()


def run(db: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", db, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def db(db_url: str) -> str:
    code, out, err = run(db_url, "init")
    assert code == 0, err
    assert f"-> {head_revision()}" in out
    return db_url


def test_commands_before_init_say_what_to_do(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "new.db"), "reports", "list")
    assert code == 2
    assert "`ceasefire --db " in err
    assert "init` creates one" in err
    assert not (tmp_path / "new.db").exists()  # a mistyped --db leaves no stray file behind


def test_a_database_that_is_not_one_is_said_in_a_line(tmp_path: Path) -> None:
    csv = tmp_path / "reports.csv"
    csv.write_text("a,b\n1,2\n")
    for command in (["reports", "list"], ["init"], ["verify"]):
        code, _, err = run(str(csv), *command)
        assert code == 2, command
        assert err.strip().splitlines() == [
            f"error: cannot open the database sqlite:///{csv}: file is not a database"
        ]
    assert csv.read_text() == "a,b\n1,2\n"


def test_a_plan_that_is_not_there_is_a_usage_mistake_for_every_command(tmp_path: Path) -> None:
    """Exit 2 and the name as typed (never the package path a bundled name is looked for
    at), whether checking, adopting, replaying or simulating; a plan with problems is exit 1
    for checking and adopting alike."""
    db = f"sqlite:///{tmp_path / 'p.db'}"
    assert run(db, "init")[0] == 0
    for command in (
        ["plan", "check", "nope"],
        ["plan", "adopt", "nope"],
        ["replay", "--plan", "nope"],
        ["simulate", "--plan", "nope", "--truce", "2025-01-01/2025-01-02"],
    ):
        code, _, err = run(db, *command)
        assert code == 2, command
        assert "nope: no such file, and no bundled plan of that name" in err
        assert "coalition-three-phase" in err
        assert "data/plans" not in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbogus: 1\n")
    for command in (["plan", "check", str(bad)], ["plan", "adopt", str(bad)]):
        code, _, err = run(db, *command)
        assert code == 1, command
        assert f"{bad}: the plan has problems" in err
        assert "bogus: unknown key" in err
    code, _, err = run(db, "agreement", "load", "nope")
    assert code == 2
    assert "no bundled agreement of that name" in err


def test_an_unexpected_failure_is_one_line_and_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ceasefire.cli import app as module

    def broken() -> None:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(module, "app", broken)
    monkeypatch.delenv("CEASEFIRE_DEBUG", raising=False)
    with pytest.raises(SystemExit) as exited:
        module.main()
    assert exited.value.code == module.FAILED == 3
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1
    assert said[0].startswith("error: unexpected RuntimeError: the disk caught fire")
    monkeypatch.setenv("CEASEFIRE_DEBUG", "1")
    with pytest.raises(RuntimeError):
        module.main()


def test_init_twice_is_harmless(db: str) -> None:
    code, out, _ = run(db, "init")
    assert (code, "schema is current" in out) == (0, True)


def test_init_regroups_a_record_of_the_earlier_rule_in_the_migration(tmp_path: Path) -> None:
    """A record written by the release before the first-report rule: one `init` migrates it
    and regroups it, says so, and the log then verifies, the regroup in it."""
    import gzip

    path = tmp_path / "legacy.db"
    with gzip.open(FIXTURES / "legacy" / "single-linkage-0009.db.gz") as packed:
        path.write_bytes(packed.read())
    code, out, err = run(str(path), "init")
    assert code == 0, err
    assert "schema 0009 -> " in out
    assert "3 incidents before, 73 after" in out
    assert "77 report placements made again" in out  # weapons judged where they were
    code, out, _ = run(str(path), "verify")
    assert (code, out.startswith("OK 91 ledger entries")) == (0, True)  # and the log's key
    code, out, _ = run(str(path), "incidents", "show", "INC-73")
    assert (code, "INC-68" in out) == (0, True)  # the number merged by hand still leads there


def test_ingest_list_summary_verify(db: str, tmp_path: Path) -> None:
    sample = REPO / "data" / "samples" / "ucdp_ged_donbas_minsk2.csv"
    code, out, _ = run(db, "ingest", str(sample))
    assert code == 0
    assert "stored 1447 new reports" in out
    code, out, _ = run(db, "ingest", str(sample))
    assert "stored 0 new reports" in out
    assert "1447 already in the record" in out
    code, out, _ = run(
        db,
        "reports",
        "list",
        "--since",
        "2015-02-15",
        "--until",
        "2015-02-20",
        "--bbox",
        "37.5,47.8,38.5,48.5",
        "--format",
        "json",
    )
    listed = json.loads(out)
    assert listed
    assert all(37.5 <= r["lon"] <= 38.5 and 47.8 <= r["lat"] <= 48.5 for r in listed)
    assert all(r["observed_start"] < "2015-02-20T22" for r in listed)
    code, out, _ = run(db, "reports", "summary")
    assert "1447 reports from 1 sources" in out
    code, out, _ = run(db, "verify")
    assert (code, "OK 1449 ledger entries verified" in out) == (0, True)


def test_rejections_printed_and_exit_1(db: str, tmp_path: Path) -> None:
    path = tmp_path / "reports_bad.csv"
    shutil.copy(FIXTURES / "reports_bad.csv", path)
    code, out, err = run(db, "ingest", str(path))
    assert code == 1
    assert re.search(r"reports_bad\.csv:4: lon/lat: .* look swapped", err)
    assert "stored 2 new reports" in out
    assert (tmp_path / "reports_bad.rejects.csv").exists()


@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_export_imports_again_to_the_same_reports(db: str, tmp_path: Path, fmt: str) -> None:
    for name in ("reports_good.csv", "reports.jsonl"):
        shutil.copy(FIXTURES / name, tmp_path / name)
        run(db, "ingest", str(tmp_path / name))
    exported = tmp_path / f"export.{fmt}"
    code, _, err = run(db, "reports", "list", "--format", fmt, "-o", str(exported))
    assert code == 0, err
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    run(fresh, "init")
    code, out, _ = run(fresh, "ingest", str(exported))
    assert (code, "stored 6 new reports" in out) == (0, True)
    _, original, _ = run(db, "reports", "list", "--format", "json")
    _, copied, _ = run(fresh, "reports", "list", "--format", "json")

    def strip(text: str) -> list[dict[str, object]]:
        return [{k: v for k, v in r.items() if k != "received_at"} for r in json.loads(text)]

    assert strip(original) == strip(copied)
    code, out, _ = run(db, "ingest", str(exported))
    assert "stored 0 new reports" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["reports", "list", "--bbox", "1,2,3"], "--bbox"),
        (["reports", "list", "--category", "bombing"], "--category: unknown 'bombing'"),
        (["reports", "list", "--since", "the day before"], "--since"),
        (["reports", "list", "--format", "xml"], "--format"),
        (["ingest", "--tz", "Mars/Olympus", str(FIXTURES / "reports_good.csv")], "--tz"),
    ],
)
def test_bad_options_are_named(db: str, args: list[str], message: str) -> None:
    code, _, err = run(db, *args)
    assert code == 2
    assert message in err


def test_verify_names_the_tampered_entry(sqlite_url: str, tmp_path: Path) -> None:
    import sqlite3

    run(sqlite_url, "init")
    path = tmp_path / "good.csv"
    shutil.copy(FIXTURES / "reports_good.csv", path)
    run(sqlite_url, "ingest", str(path))
    connection = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    connection.execute("DROP TRIGGER reports_no_update")
    connection.execute("UPDATE reports SET killed = 0 WHERE external_id = 'UA-2025-0417'")
    seq = connection.execute(
        "SELECT ledger_seq FROM reports WHERE external_id = 'UA-2025-0417'"
    ).fetchone()[0]
    connection.commit()
    connection.close()
    code, _, err = run(sqlite_url, "verify")
    assert code == 1
    assert f"BROKEN ledger entry {seq}" in err
    assert "killed is 0 in the table, 2 in the log" in err


def _command_paths(command: object, prefix: str = "") -> list[str]:
    if hasattr(command, "loaded"):  # the root: its commands load when asked
        children: dict[str, object] = command.loaded()
    elif hasattr(command, "commands"):  # a group
        children = command.commands
    else:
        return [prefix]
    return [
        path
        for name, sub in children.items()
        for path in _command_paths(sub, f"{prefix} {name}".strip())
    ]


def test_the_cli_reference_is_written_from_the_commands() -> None:
    """docs/cli.md is generated from the command definitions: it names every command and
    option, and a change to a command without regenerating it fails here."""
    from ceasefire.cli.reference import cli_reference_markdown

    written = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert written == cli_reference_markdown(), (
        "docs/cli.md is stale: run `.venv/bin/python scripts/write_cli_docs.py`"
    )
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) >= 40
    assert [p for p in paths if f"`ceasefire {p}`" not in written] == []
    assert "| `--by` |" in written
    assert "One of: `table`, `json`, `csv`" in written


def test_every_command_is_shown_by_an_example_and_every_doc_is_linked() -> None:
    written = [p for p in (REPO / "docs").glob("*.md") if p.name != "cli.md"]  # not generated
    documents = "".join(p.read_text() for p in [REPO / "README.md", *written])
    paths = _command_paths(typer.main.get_command(app))
    missing = [p for p in paths if f"ceasefire {p}" not in documents]
    assert missing == []
    readme = (REPO / "README.md").read_text()
    unlinked = [d.name for d in (REPO / "docs").glob("*.md") if f"docs/{d.name}" not in readme]
    assert unlinked == []


def test_the_root_lists_each_command_by_a_line_its_own_help_begins_with() -> None:
    """The root's `--help` loads no command: its lines are written in `cli.app.COMMANDS`, and
    each must begin as the command's own help begins (so an entry cannot point at another)."""
    from ceasefire.cli.app import COMMANDS

    for name, entry in COMMANDS.items():
        if entry.renamed:
            continue
        command = entry.load(name)
        first_word = (command.help or "").split()[0].rstrip(".:,;")
        assert entry.summary.split()[0].rstrip(".:,;") == first_word, (name, command.help)


def test_a_renamed_command_still_runs_and_names_its_new_name(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    code, out, err = run(db, "report", "daily", "--help")
    assert code == 0
    assert "now `ceasefire publish`" in err
    assert "--cutoff" in out
    code, out, err = run(db, "--help")
    listed = {line.split()[1] for line in out.splitlines() if line.startswith("│ ")}
    assert "publish" in listed
    assert "report" not in listed


def test_serve_refuses_a_tile_url_it_could_not_use(tmp_path: Path) -> None:
    code, _, err = run(f"sqlite:///{tmp_path / 't.db'}", "serve", "--tiles", "tiles.example.org")
    assert code == 2
    assert "--tiles: 'tiles.example.org' is not a tile URL with {z}, {x} and {y}" in err


# Libraries only some commands use: SciPy, matplotlib and Jinja2 had been part of the start of
# every command; the web stack never was, and is checked so that it does not become so.
LOADED_ON_USE = ("scipy", "matplotlib", "jinja2", "fastapi", "uvicorn")


def test_a_command_starts_without_the_libraries_only_some_commands_use() -> None:
    """SciPy (grouping, the gazetteer), matplotlib and Jinja2 (published reports) and the web
    stack are imported by the commands that use them, not by the start of every command."""
    names = ", ".join(repr(name) for name in LOADED_ON_USE)
    code = (
        "import sys\nimport ceasefire.cli.app\n"
        f"print(' '.join(m for m in ({names}) if m in sys.modules))"
    )
    started = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert started.stdout.split() == []


def test_a_missing_rejects_folder_is_said_before_anything_is_stored(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert run(db, "init")[0] == 0
    bad = str(FIXTURES / "reports_bad.csv")
    code, _, err = run(db, "ingest", "--rejects-dir", str(tmp_path / "absent"), bad)
    assert code == 2
    assert "--rejects-dir:" in err
    assert "is not a folder" in err
    code, out, _ = run(db, "reports", "summary")
    assert "No reports stored yet" in out


# What a command imports when it runs, never to print its help: the database layer, geometry
# and NumPy, the web stack, the document renderers, YAML.
LOADED_TO_RUN = (
    "sqlalchemy",
    "alembic",
    "shapely",
    "numpy",
    "pyproj",
    "scipy",
    "matplotlib",
    "jinja2",
    "weasyprint",
    "httpx",
    "fastapi",
    "uvicorn",
    "yaml",
)

# Every command's and sub-command's help, in one process; after each, the libraries it was
# the first to import, if any.
_EVERY_HELP = """
import contextlib, io, sys
import typer
from ceasefire.cli.app import COMMANDS, app

root = typer.main.get_command(app)
seen = set()

def paths(command, path):
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from paths(sub, (*path, name))

for name, entry in COMMANDS.items():
    if entry.renamed:
        continue
    for path in paths(entry.load(name), (name,)):
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown):
            root.main([*path, "--help"], prog_name="ceasefire", standalone_mode=False)
        assert "Usage" in shown.getvalue(), path
        new = [m for m in LIBRARIES if m in sys.modules and m not in seen]
        seen.update(new)
        if new:
            print(" ".join(path) + ": " + " ".join(new))
"""


def test_a_commands_help_imports_nothing_the_command_needs_only_to_run() -> None:
    """`ceasefire CMD [SUB] --help` imports the command's module and builds its options, and
    nothing else: each module keeps at its top what its options need (Typer, the choices they
    offer), and imports its services, the store and the domain's heavy parts inside the
    commands. So that no command's help starts slowly again (issue #22)."""
    code = f"LIBRARIES = {LOADED_TO_RUN!r}\n{_EVERY_HELP}"
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert shown.stdout.splitlines() == []


def test_the_choices_help_lists_are_those_the_importer_has() -> None:
    """`ingest --help` lists the formats from `ingest.names`, apart from the readers so that
    the help does not load them: the two lists are one."""
    from ceasefire.ingest.formats import FORMAT_NAMES, PARSERS

    assert (*PARSERS, "text") == FORMAT_NAMES
