"""Write docs/importers.md from the importers' own tables."""

from pathlib import Path

from ceasefire.ingest.mapping_doc import importer_mappings_markdown

target = Path(__file__).resolve().parent.parent / "docs" / "importers.md"
target.write_text(importer_mappings_markdown(), encoding="utf-8")
print(f"wrote {target}")
