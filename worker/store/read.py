"""Reading claimed rows back: one SELECT for the batch, and a value that cannot be decoded
fails only its own row.

A calendar can store values the worker's driver cannot turn into Python values: psycopg
refuses a timestamptz outside the years 1 to 9999 ('infinity', '10000-01-01', a date BC);
SQLite's driver refuses text that is not UTF-8; on MariaDB/MySQL such text, and a zero date
in a worker-owned time, fail too. The batch is read in one SELECT. Only if that fails are
its rows read again one by one, and a row that still fails column by column, to name what
cannot be read: that row comes back as an ``UnreadableRow``, which the pass fails by id
without reading it again.

A driver's error text can hold the value it choked on (SQLite's quotes the text, which may
be a password), so those errors are dropped here: never logged, chained or raised again.

MariaDB/MySQL text is fetched as bytes and decoded here: PyMySQL decodes while it reads the
result off the wire, and a failure there leaves the rest of the answer unread and the
connection out of step for good, where a failure in this module leaves it usable.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Dialect,
    Integer,
    LargeBinary,
    RowMapping,
    Select,
    cast,
    select,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from models import meetings_table as meetings
from models.types import JSONDocument, UTCDateTime
from worker.domain.rows import ClaimedRow, ColumnKind, MeetingRow, UnreadableColumn, UnreadableRow
from worker.exceptions import DatabaseUnavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")
c = meetings.c


def read_claimed(conn: Connection, ids: Sequence[int]) -> list[ClaimedRow]:
    """The rows of ``ids``, within the caller's transaction (the claim's, which holds them).

    Each row is a ``MeetingRow``, or an ``UnreadableRow`` if the driver cannot decode one of
    its values. Only a fault of the database itself (one that fails any statement) raises.
    """
    if not ids:
        return []
    dialect = conn.dialect.name
    batch = _attempt(lambda: _fetch(conn, _every_column(dialect).where(c.id.in_(ids))))
    if not isinstance(batch, _Failed):
        return [MeetingRow.from_mapping(row) for row in batch]
    logger.warning(
        "claimed_rows_unreadable count=%d error=%s: reading them one by one",
        len(ids),
        batch.error,
    )
    found = (_read_one(conn, row_id, dialect) for row_id in ids)
    return [row for row in found if row is not None]


def _read_one(conn: Connection, row_id: int, dialect: str) -> ClaimedRow | None:
    query = _every_column(dialect).where(c.id == row_id)
    whole = _attempt(lambda: _fetch(conn, query))
    if not isinstance(whole, _Failed):
        return MeetingRow.from_mapping(whole[0]) if whole else None
    unreadable = tuple(
        UnreadableColumn(column.name, _kind_of(column))
        for column in meetings.columns
        if isinstance(_attempt(_reader(conn, column, row_id, dialect)), _Failed)
    )
    # A fault of the database rather than of a value fails every statement, this one too,
    # and raises here with nothing of the row in its text: an id always decodes.
    conn.scalar(select(c.id).where(c.id == row_id))
    if not unreadable:
        # Every column reads on its own, so no value is at fault: read it again, and let a
        # failure this time be raised as it is.
        return MeetingRow.from_mapping(_fetch(conn, query)[0])
    names = [u.name for u in unreadable]
    revision = (
        None if "revision" in names else conn.scalar(select(c.revision).where(c.id == row_id))
    )
    logger.warning("row_unreadable id=%s columns=%s", row_id, ",".join(names))
    return UnreadableRow(id=row_id, revision=revision, columns=unreadable, backend=dialect)


def _kind_of(column: Column[Any]) -> ColumnKind:
    if isinstance(column.type, UTCDateTime):
        return "time"
    if isinstance(column.type, Integer):
        return "number"
    return "text"


@dataclass(frozen=True)
class _Failed:
    error: str
    """The exception's type name only: its text may hold the value."""


def _attempt(read: Callable[[], T]) -> T | _Failed:
    try:
        return read()
    except DatabaseUnavailable:
        raise  # the connection is gone: nothing a row holds is to blame
    except Exception as exc:  # what a driver or a column type raises on a value varies
        return _Failed(type(exc).__name__)


def _fetch(conn: Connection, query: Select[Any]) -> Sequence[RowMapping]:
    with conn.execute(query) as result:
        return result.mappings().all()


def _reader(
    conn: Connection, column: Column[Any], row_id: int, dialect: str
) -> Callable[[], object]:
    query = select(_readable(column, dialect)).where(c.id == row_id)
    return lambda: _fetch(conn, query)


@cache
def _every_column(dialect: str) -> Select[Any]:
    # Built once per backend: the claim runs it for every batch.
    return select(*(_readable(column, dialect) for column in meetings.columns))


def _readable(column: Column[Any], dialect: str) -> ColumnElement[Any]:
    if dialect in ("mysql", "mariadb") and _kind_of(column) == "text":
        as_bytes = cast(column, LargeBinary())
        decoded = _UTF8(json=isinstance(column.type, JSONDocument))
        return type_coerce(as_bytes, decoded).label(column.name)
    return column


class _UTF8(TypeDecorator[Any]):
    """Bytes decoded as UTF-8, strictly (no replacement character is ever sent on), then
    parsed as the column's JSON if it is one."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, json: bool) -> None:
        super().__init__()
        self.json = json

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        text = bytes(value).decode("utf-8")
        return JSONDocument().process_result_value(text, dialect) if self.json else text
