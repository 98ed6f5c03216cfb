"""`/readyz`: may this worker be sent traffic? The database answers, its schema is at the
migrations' head, and the circuit is closed. Each check is named, with why it failed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
