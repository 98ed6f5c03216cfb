"""Column types: aware UTC times and never-raising JSON, decided without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.dialects import mysql, postgresql, sqlite

from models.types import JSONDocument, MalformedJSON, MalformedTime, UTCDateTime

SQLITE = sqlite.dialect()
POSTGRESQL = postgresql.psycopg.dialect()  # type: ignore[attr-defined]
MYSQL = mysql.pymysql.dialect()  # type: ignore[attr-defined]
SHANGHAI = timezone(timedelta(hours=8))
INSTANT = datetime(2030, 5, 1, 2, 0, 0, 250_000, tzinfo=UTC)


def bind(value: Any, dialect: Any, type_: Any = None) -> Any:
    return (type_ or UTCDateTime()).process_bind_param(value, dialect)


def read(value: Any, dialect: Any = SQLITE, type_: Any = None) -> Any:
    return (type_ or UTCDateTime()).process_result_value(value, dialect)


def test_binding_converts_to_utc_in_each_backends_form() -> None:
    local = INSTANT.astimezone(SHANGHAI)
    assert bind(local, SQLITE) == "2030-05-01 02:00:00.250000"
    assert bind(local, MYSQL) == datetime(2030, 5, 1, 2, 0, 0, 250_000)
    assert bind(local, POSTGRESQL) == INSTANT
    assert bind(local, POSTGRESQL).tzinfo == UTC


@pytest.mark.parametrize("dialect", [SQLITE, MYSQL, POSTGRESQL], ids=lambda d: d.name)
def test_binding_a_naive_datetime_raises(dialect: Any) -> None:
    with pytest.raises(ValueError, match="naive datetime 2030-05-01T10:00:00"):
        bind(datetime(2030, 5, 1, 10, 0), dialect)


def test_binding_something_else_raises() -> None:
    with pytest.raises(TypeError, match="aware datetime"):
        bind("2030-05-01 10:00", SQLITE)


@pytest.mark.parametrize(
    "stored",
    [
        "2030-05-01 02:00:00.250000",
        "2030-05-01 02:00:00.250",
        "2030-05-01T02:00:00.25Z",
        "2030-05-01T10:00:00.25+08:00",
        " 2030-05-01T03:00:00.25+01:00 ",
        datetime(2030, 5, 1, 2, 0, 0, 250_000),
        INSTANT.astimezone(SHANGHAI),
    ],
)
def test_reading_yields_aware_utc(stored: Any) -> None:
    value = read(stored)
    assert value == INSTANT and value.tzinfo == UTC


def test_a_naive_value_is_utc_never_local_time() -> None:
    assert read(datetime(2030, 5, 1, 2, 0, 0, 250_000), MYSQL) == INSTANT


def test_unreadable_text_is_a_marker_on_calendar_columns_and_an_error_elsewhere() -> None:
    assert read("next tuesday", type_=UTCDateTime(lenient=True)) == MalformedTime("next tuesday")
    with pytest.raises(ValueError, match="not a date and time"):
        read("next tuesday")


def test_null_stays_none() -> None:
    assert read(None) is None and bind(None, SQLITE) is None
    assert JSONDocument().process_result_value(None, SQLITE) is None
    assert JSONDocument().process_bind_param(None, SQLITE) is None


@pytest.mark.parametrize("dialect", [SQLITE, MYSQL], ids=lambda d: d.name)
def test_json_text_round_trips_unicode(dialect: Any) -> None:
    doc = JSONDocument()
    value = [{"userid": "张三", "is_anonymous": False, "n": 1.5}]
    stored = doc.process_bind_param(value, dialect)
    assert "张三" in stored
    assert doc.process_result_value(stored, dialect) == value


@pytest.mark.parametrize("raw", ['[{"userid": ', "not json", "", "{'single': 'quotes'}"])
def test_json_that_does_not_parse_reads_as_a_marker(raw: str) -> None:
    assert JSONDocument().process_result_value(raw, SQLITE) == MalformedJSON(raw)


def test_a_marker_is_written_back_as_the_text_it_holds() -> None:
    assert JSONDocument().process_bind_param(MalformedJSON("[x"), SQLITE) == "[x"


def test_postgresql_values_arrive_parsed_and_pass_through() -> None:
    doc = JSONDocument()
    assert doc.process_result_value({"a": [1]}, POSTGRESQL) == {"a": [1]}
    assert doc.process_bind_param({"a": [1]}, POSTGRESQL) == {"a": [1]}
