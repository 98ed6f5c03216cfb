"""Column types that behave the same on PostgreSQL, MariaDB/MySQL and SQLite.

Times are aware UTC datetimes in Python everywhere; JSON columns hold parsed values. Reading
never raises on a value a calendar application wrote badly (SQLite accepts any text): the
value comes back as a marker, so that one bad row fails alone instead of breaking a batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, FunctionElement, Text
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

# SQLAlchemy's usual text form for SQLite datetimes; it sorts like the instants it names.
SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

JSONValue = None | bool | int | float | str | list[Any] | dict[str, Any]


@dataclass(frozen=True)
class MalformedJSON:
    """A JSON column whose stored text does not parse; ``raw`` is the text as stored."""

    raw: str


@dataclass(frozen=True)
class MalformedTime:
    """A time column whose stored text is not a date and time; ``raw`` is the text as stored."""

    raw: str


class _SQLiteText(sqlite.DATETIME):
    """DATETIME in the DDL, but values pass through untouched: UTCDateTime parses them."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class _RawJSON(mysql.JSON):
    """MySQL JSON in the DDL; the text is encoded and decoded by JSONDocument."""

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: ``timestamptz`` on PostgreSQL, ``DATETIME(6)`` holding UTC on MariaDB/MySQL,
    UTC text on SQLite.

    Binding a naive datetime raises (its zone would be a guess). A naive value read back is
    UTC, never local time. With ``lenient=True`` (calendar-owned columns), SQLite text that
    is not a time reads as ``MalformedTime`` instead of raising; ISO text with an offset is
    converted to UTC.
    """

    impl = DateTime
    cache_ok = True

    def __init__(self, lenient: bool = False) -> None:
        super().__init__()
        self.lenient = lenient

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.TIMESTAMP(timezone=True))
        if dialect.name in ("mysql", "mariadb"):
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        if dialect.name == "sqlite":
            return _SQLiteText()  # type: ignore[no-untyped-call]
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected an aware datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} given for a UTC column: "
                "pass an aware datetime, e.g. datetime.now(UTC)"
            )
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.strftime(SQLITE_FORMAT)
        if dialect.name in ("mysql", "mariadb"):
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            return as_utc(value)
        try:
            return as_utc(datetime.fromisoformat(str(value).strip()))
        except ValueError:
            if self.lenient:
                return MalformedTime(str(value))
            raise ValueError(f"stored time {str(value)[:40]!r} is not a date and time") from None


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class JSONDocument(TypeDecorator[Any]):
    """JSON: JSONB on PostgreSQL, JSON on MariaDB/MySQL, TEXT on SQLite.

    SQL NULL is Python None. Text that does not parse reads as ``MalformedJSON``.
    """

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        if dialect.name in ("mysql", "mariadb"):
            return _RawJSON()
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        if isinstance(value, MalformedJSON):
            return value.raw
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql" or not isinstance(value, str | bytes):
            # PostgreSQL's driver has parsed it already: a str there is a JSON string value,
            # not text to parse again.
            return value
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        try:
            return json.loads(text)
        except ValueError:
            return MalformedJSON(text)


class utcnow(FunctionElement[datetime]):
    """The database's current time in UTC, in the column's storage form."""

    type = UTCDateTime()
    inherit_cache = True


@compiles(utcnow, "postgresql")
def _utcnow_postgresql(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "now()"


@compiles(utcnow, "mysql")
@compiles(utcnow, "mariadb")
def _utcnow_mysql(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "UTC_TIMESTAMP(6)"


@compiles(utcnow, "sqlite")
def _utcnow_sqlite(element: utcnow, compiler: SQLCompiler, **kw: Any) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"
