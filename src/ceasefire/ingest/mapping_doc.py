"""The importers' mapping tables as Markdown, written from the tables the importers use, so
the documentation (`docs/importers.md`) cannot drift from the code: a test compares them."""

from __future__ import annotations

from collections.abc import Sequence

from ceasefire.domain.taxonomy import ACLED_NOTE_REFINEMENTS, ACLED_SUB_EVENT_TYPES
from ceasefire.ingest import datasets, strikes, viina


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def importer_mappings_markdown() -> str:
    acled = [
        (event, sub, "skipped (outside the taxonomy)" if c is None else f"`{c.value}`")
        for (event, sub), c in ACLED_SUB_EVENT_TYPES.items()
    ]
    refine = [
        (", ".join(sorted(f"`{c.value}`" for c in applies)), stem, f"`{refined.value}`")
        for applies, stem, refined in ACLED_NOTE_REFINEMENTS
    ]
    ucdp = [(code, f"`{c.value}`") for code, c in datasets._UCDP_CATEGORY.items()]
    ucdp_geo = [(code, p, f"{int(m):,} m") for code, (p, m) in datasets._UCDP_GEO.items()]
    acled_geo = [(code, p, f"{int(m):,} m") for code, (p, m) in datasets._ACLED_GEO.items()]
    viina_rows = [(label, f"`{c.value}`") for label, c in viina.LABELS]
    parts = [
        "# How the importers map other datasets to reports",
        "",
        "Written by `python scripts/write_importer_docs.py` from the tables the importers use; "
        "a test fails when this file and the code differ.",
        "",
        "## ACLED (`--format acled`)",
        "",
        _table(("event_type", "sub_event_type", "category"), acled),
        "",
        "The notes refine a generic category when they name the weapon (first match wins, "
        "whole words, singular or plural):",
        "",
        _table(("applies to", "word in the notes", "category"), refine),
        "",
        "`time_precision` 1, 2, 3 become day, week, month. `geo_precision`:",
        "",
        _table(("ACLED geo_precision", "precision", "uncertainty"), acled_geo),
        "",
        "## UCDP GED (`--format ucdp`)",
        "",
        _table(("type_of_violence", "category"), ucdp),
        "",
        "`date_prec` 1 is the day, 2 a week, 3 to 5 a month. `where_prec`:",
        "",
        _table(("where_prec", "precision", "uncertainty"), ucdp_geo),
        "",
        "## Missile attacks on Ukraine (`--format missile-attacks`)",
        "",
        _table(
            ("model matches", "category"),
            [
                (f"`{strikes.RECONNAISSANCE.pattern}`", "skipped (a reconnaissance flight)"),
                (f"`{strikes.DRONES.pattern}`", "`drone_strike`"),
                (f"`{strikes.GUIDED_BOMBS.pattern}`", "`air_strike`"),
                ("anything else", "`missile_strike`"),
            ],
        ),
        "",
        "Checked in that order, case-insensitive. A date without a time keeps day precision. "
        "`target` is a place name only: an oblast is province precision; `Ukraine`, `south`, "
        "`east` and the like are country precision. `launched` is the projectile count; the "
        "alleged party is RU; the source is the reporting command (`ua-kpszsu`, ...).",
        "",
        "## VIINA event_1pd (`--format viina`)",
        "",
        _table(("label (first present wins)", "category"), viina_rows),
        "",
        "Rows with none of these labels are skipped. The date keeps day precision. "
        "`feature_code` ADM1 is an oblast (province, 150 km), ADM2 a raion (district, 50 km), "
        "anything else a place known to about 25 km. `t_hospital_b` marks a medical object "
        "damaged. The alleged party is the side that initiated when only one did.",
        "",
    ]
    return "\n".join(parts)
