"""A database URL that cannot work is a configuration error that never shows the password.

``make_engine`` connects to nothing, so these need no database server.
"""

from __future__ import annotations

import pytest

from worker.exceptions import ConfigError
from worker.store.engines import display_url, make_engine

PASSWORD = "hunter2-secret"


@pytest.mark.parametrize(
    ("url", "needles"),
    [
        ("not a url", ["database.url is not a database URL", "sqlite:///"]),
        (f"user:{PASSWORD}@db.example/cal", ["database.url is not a database URL"]),
        (f"postgresql+psycopg://u:{PASSWORD}@h:port/db", ["database.url is not a database URL"]),
        (
            f"postgresql+asyncpg://u:{PASSWORD}@h/db",
            ["postgresql+asyncpg://u:***@h/db", "asyncio", "postgresql+psycopg://"],
        ),
        (
            f"mysql+mysqldb://u:{PASSWORD}@h/db",
            ["mysql+mysqldb://u:***@h/db", "MySQLdb", "pip install 'meeting-sync[mysql]'"],
        ),
        (
            f"sqlite+pysqlcipher://:{PASSWORD}@/cal.db",
            ["pysqlcipher3", "is not installed"],
        ),
        (f"nosuch://u:{PASSWORD}@h/db", ["nosuch://u:***@h/db", "no database kind 'nosuch'"]),
        (
            f"postgresql+nosuch://u:{PASSWORD}@h/db",
            ["no driver 'nosuch' for postgresql", "postgresql+psycopg://"],
        ),
    ],
)
def test_an_unusable_url_is_a_config_error_without_the_password(
    url: str, needles: list[str]
) -> None:
    with pytest.raises(ConfigError) as caught:
        make_engine(url)
    text = str(caught.value)
    for needle in needles:
        assert needle in text
    assert PASSWORD not in text
    assert "\n" not in text
    # Nothing of SQLAlchemy's own exception (which may quote the URL) rides along.
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_display_url_hides_a_password_in_the_query_too() -> None:
    url = f"postgresql+psycopg://u:{PASSWORD}@h/db?password={PASSWORD}&sslmode=require"
    shown = display_url(url)
    assert PASSWORD not in shown
    assert "sslmode=require" in shown and "u:***@h/db" in shown


def test_a_supported_url_still_builds_an_engine() -> None:
    engine = make_engine("postgresql+psycopg://u:pw@h/db")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
