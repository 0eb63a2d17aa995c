"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from ceasefire.domain.canonical import utc_iso


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware instant, always returned in UTC.

    PostgreSQL stores `timestamptz`. SQLite has no time type, so the value is stored as the
    canonical ISO 8601 text in UTC that the log hashes (`2025-04-20T11:35:00+00:00`), whose
    text order is time order, so range filters work in SQL on both databases. Naive datetimes
    are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored: give it a zone")
        if dialect.name == "sqlite":
            return utc_iso(value)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.astimezone(UTC)
