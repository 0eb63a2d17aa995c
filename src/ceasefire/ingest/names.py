"""The names the importer answers to: its formats and the languages it reads prose in.

Plain tuples, kept apart from the readers (which bring the prose extractor, NumPy and pyproj),
so that `ceasefire ingest --help` and `extract --help` can list them without loading those.
`formats` and `text_reader` re-export them; a test holds `FORMAT_NAMES` to the readers there.
"""

from __future__ import annotations

# The order `--help` and the error messages list them in: the table readers, then prose.
FORMAT_NAMES = ("csv", "jsonl", "geojson", "acled", "ucdp", "missile-attacks", "viina", "text")
LANGUAGES = ("en", "uk", "ru")
