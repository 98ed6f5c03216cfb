"""Alembic environment: runs the migrations against the calendar database.

The URL comes from, in order: ``-x url=...`` on the command line; ``sqlalchemy.url`` set on
the Config by a program (``worker.db.upgrade``); meeting-sync's own configuration.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
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
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
