"""Whether a database's schema is at the migrations' head (readiness, `doctor`)."""

from __future__ import annotations

from sqlalchemy import Engine

from worker.store.engines import migrations_config


def script_heads(url: str) -> frozenset[str]:
    """The head revision(s) of the migrations this version ships."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(migrations_config(url)).get_heads())


def database_heads(engine: Engine) -> frozenset[str]:
    """The revision(s) the database says it is at (empty before `meeting-sync db upgrade`)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return frozenset(MigrationContext.configure(conn).get_current_heads())
