"""Housekeeping: old sync_log entries go, recent ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select

from models import sync_log_table
from tests.fixtures.databases import T0
from worker.domain.rows import CallLogEntry
from worker.store.meetings import Store


def test_prune_log_deletes_only_entries_older_than_the_cutoff(engine: Engine, store: Store) -> None:
    store.log_calls(
        [
            CallLogEntry(action="create", at=T0 - timedelta(days=40), worker="w"),
            CallLogEntry(action="update", at=T0 - timedelta(days=31), worker="w"),
            CallLogEntry(action="cancel", at=T0 - timedelta(days=1), worker="w"),
        ]
    )

    assert store.prune_log(T0 - timedelta(days=30)) == 2

    with engine.connect() as db:
        left = db.scalars(select(sync_log_table.c.action)).all()
        assert left == ["cancel"]
        assert db.scalar(select(func.count()).select_from(sync_log_table)) == 1
