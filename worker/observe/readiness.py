"""`/readyz`: may this worker be sent traffic? The database answers, its schema is at the
migrations' head, and the circuit is closed. Each check is named, with why it failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from worker.exceptions import MeetingSyncError
from worker.store.meetings import Store
from worker.store.migrations import database_heads


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def readiness(store: Store, heads: frozenset[str], circuit_code: str | None) -> list[Check]:
    checks = [_database(store, heads)]
    checks.append(
        Check("circuit", True, "closed")
        if circuit_code is None
        else Check("circuit", False, f"open after error {circuit_code}: run meeting-sync doctor")
    )
    return checks


def _database(store: Store, heads: frozenset[str]) -> Check:
    url = store.engine.url
    on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    # A pooled connection keeps working on a file deleted under it, and all it then writes
    # is lost at the next start: that database is gone as far as anyone can see.
    if on_file and url.database and not Path(url.database).exists():
        return Check("database", False, f"the SQLite file {url.database} is gone")
    try:
        store.now()
        at = database_heads(store.engine)
    except (MeetingSyncError, SQLAlchemyError) as exc:
        return Check("database", False, f"unreachable: {type(exc).__name__}")
    if at != heads:
        return Check(
            "database",
            False,
            f"schema at {sorted(at) or 'no revision'}, expected {sorted(heads)}: "
            "run meeting-sync db upgrade",
        )
    return Check("database", True, f"reachable, schema at {', '.join(sorted(at))}")


Readiness = Callable[[], list[Check]]
