"""The declarative base shared by every table of the calendar database."""

from __future__ import annotations

from sqlalchemy import Index, MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names on every backend, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Binary collation keeps string comparison (and so `external_id` uniqueness) case-sensitive
# on MariaDB/MySQL, as it is on PostgreSQL and SQLite; utf8mb4 holds any subject text.
MYSQL_TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def only_on(index: Index, *dialects: str) -> Index:
    """``index`` exists on these backends only: created there (``ddl_if``), and compared with
    the database there alone by ``alembic check`` (alembic/env.py reads ``info``)."""
    index.info["dialects"] = dialects
    # A tuple of names is documented (and honoured); the annotation says one name.
    return index.ddl_if(dialect=dialects)  # type: ignore[arg-type]
