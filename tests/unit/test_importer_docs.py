"""docs/importers.md is what the importers do: written from their tables, compared here."""

from __future__ import annotations

from ceasefire.ingest.mapping_doc import importer_mappings_markdown
from tests.conftest import REPO


def test_the_mapping_document_matches_the_code() -> None:
    written = (REPO / "docs" / "importers.md").read_text(encoding="utf-8")
    assert written == importer_mappings_markdown(), (
        "docs/importers.md is stale: run `.venv/bin/python scripts/write_importer_docs.py`"
    )
    assert "| Battles | Armed clash | `armed_clash` |" in written
