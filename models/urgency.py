"""The order in which due rows are claimed, shared by the claim query and its index.

Most urgent first: cancellations, then the meeting that starts soonest, then the oldest row.
When the quota is scarce, a meeting that starts in ten minutes must not wait behind next
month's backlog; and a meeting called off must not stay live, where people may still join
it, behind meetings still to be made.

A start that is no time the worker can read (NULL; on PostgreSQL 'infinity' or a year past
9999; on SQLite text that is not a time) ranks with the earliest. Such a row cannot be
scheduled: it fails with its message, and sends no request (but the lookup of a lost create,
if one is pending), so going first costs no quota; and it never waits behind a backlog.

The expressions are built without bound parameters: a planner can only read an index on an
expression (PostgreSQL, SQLite) for a query that repeats the expression exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, FunctionElement, case, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Grouping

CANCELLED: ColumnElement[str] = literal_column("'cancelled'")


def cancellations_first(status: ColumnElement[Any]) -> ColumnElement[int]:
    """0 for a cancellation, 1 for anything else (NULL, 'scheduled', a status to refuse)."""
    return case((status == CANCELLED, literal_column("0")), else_=literal_column("1"))


class start_rank(FunctionElement[Any]):
    """``start_time`` as the claim ranks it, ascending: the instant, with a start that is no
    readable time among the earliest (see the module's docstring).

    PostgreSQL: the time itself, or '-infinity' for NULL, 'infinity' and years past 9999
    (psycopg cannot read those; a BC time sorts early by itself). SQLite: ``julianday()``, the
    instant of whatever text the calendar wrote (an ISO time with an offset compares by its
    instant, not as text), NULL for text that is no time, and NULLs sort first.
    MariaDB/MySQL: the DATETIME itself; NULLs sort first, a zero date next.
    """

    inherit_cache = True


@compiles(start_rank)
def _start_rank_default(element: start_rank, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(start_rank, "postgresql")
def _start_rank_postgresql(element: start_rank, compiler: SQLCompiler, **kw: Any) -> str:
    start = compiler.process(element.clauses, **kw)
    # NULL fails the comparison too, and so lands in the ELSE.
    return (
        f"CASE WHEN {start} < '10000-01-01 00:00:00+00'::timestamptz "
        f"THEN {start} ELSE '-infinity'::timestamptz END"
    )


@compiles(start_rank, "sqlite")
def _start_rank_sqlite(element: start_rank, compiler: SQLCompiler, **kw: Any) -> str:
    return f"julianday({compiler.process(element.clauses, **kw)})"


def urgency(
    status: ColumnElement[Any], start_time: ColumnElement[Any], row_id: ColumnElement[Any]
) -> tuple[ColumnElement[Any], ...]:
    """The claim's sort key, most urgent first (every part ascending).

    The expressions come in parentheses, the only form PostgreSQL's CREATE INDEX takes.
    """
    return (Grouping(cancellations_first(status)), Grouping(start_rank(start_time)), row_id)
