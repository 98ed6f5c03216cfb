"""Alembic environment: runs the migrations against the calendar database.

The URL comes from, in order: ``-x url=...`` on the command line; ``sqlalchemy.url`` set on
the Config by a program (``worker.db.upgrade``); meeting-sync's own configuration.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Column
from sqlalchemy.pool import NullPool

from models import metadata
from worker.store.engines import make_engine

config = context.config


def database_url() -> str:
    from_command_line = context.get_x_argument(as_dictionary=True).get("url")
    if from_command_line:
        return from_command_line
    from_program = config.get_main_option("sqlalchemy.url")
    if from_program:
        return from_program
    from worker.config import load_config

    return load_config().database.url


def run_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def compared_here(dialect: str) -> Callable[..., bool]:
    """``include_object`` for ``alembic check``: what it can compare on this backend.

    An index the models create on other backends only (models.base.only_on) is not missing
    here. An index on expressions is left out: SQLite's cannot be reflected, and PostgreSQL
    reflects its own rewriting of the text (casts, line breaks), which never equals the
    models'. The claim's index is checked instead by what matters, that the claim reads it
    in order (tests/integration/test_store_claim_plan.py).
    """

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ != "index":
            return True
        if any(not isinstance(e, Column) for e in obj.expressions):
            return False
        dialects = None if reflected else obj.info.get("dialects")
        return dialects is None or dialect in dialects

    return include


EXPRESSION_INDEX_WARNINGS = (
    "Skipped unsupported reflection of expression-based index",
    "autogenerate skipping metadata-specified expression-based index",
)


def run_online() -> None:
    engine = make_engine(database_url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                # SQLite alters tables by copying them; later migrations need batch mode.
                render_as_batch=connection.dialect.name == "sqlite",
                transaction_per_migration=True,
                include_object=compared_here(connection.dialect.name),
            )
            with context.begin_transaction(), warnings.catch_warnings():
                # What compared_here leaves out on purpose, said again for SQLite.
                for skipped in EXPRESSION_INDEX_WARNINGS:
                    warnings.filterwarnings("ignore", message=skipped)
                context.run_migrations()
    finally:
        engine.dispose()


if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
