"""Rows are built from a report's content in order; that order must be the table's."""

from __future__ import annotations

from ceasefire.domain.canonical import OPTIONAL_CONTENT_KEYS, REPORT_CONTENT_KEYS
from ceasefire.domain.validation import REPORT_FIELDS
from ceasefire.store.schema import reports


def test_reports_table_columns_follow_the_content_keys() -> None:
    columns = tuple(column.name for column in reports.columns)
    assert columns == (
        *REPORT_CONTENT_KEYS,
        "fingerprint",
        "received_at",
        "ledger_seq",
        *OPTIONAL_CONTENT_KEYS,
    )


def test_import_fields_are_the_content_plus_the_source_description() -> None:
    described = {"source_kind", "source_org", "source_reliability"}
    content = {*REPORT_CONTENT_KEYS, *OPTIONAL_CONTENT_KEYS}
    assert set(REPORT_FIELDS) - described == content - {"report_id"}
