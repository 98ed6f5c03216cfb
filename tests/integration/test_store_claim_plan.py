"""The claim reads its order off an index and sorts nothing but its batch, on every backend.

What keeps the claim's cost flat as the table grows (bench.claim_scale measures it): the
planner must be able to walk an index in the claim's order and stop after the batch. That
holds only while the query repeats the index's expressions exactly (models.urgency), so the
plans of the statements the claim really sends are read here. ``alembic check`` cannot
compare an index on expressions (alembic/env.py); this is where a drift shows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event

from tests.fixtures.databases import T0, insert_meeting
from worker.store.meetings import Store


def claim_statements(engine: Engine, store: Store) -> list[tuple[str, Any]]:
    """The statements of one claim that choose its rows (those with an ORDER BY)."""
    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        if "ORDER BY" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", note)
    try:
        store.claim(owner="w", now=T0, lease_seconds=60, limit=5)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def plan(conn: Connection, statement: str, params: Any) -> list[str]:
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # Whatever the table's size, prefer an index and a plan without a sort where one
        # exists: a sort left in the plan then means the index cannot give the order.
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_sort = off")
        rows = conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + statement, params).all()
        return [str(r[0]) for r in rows]
    if dialect == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        return [str(r[-1]) for r in rows]
    rows = conn.exec_driver_sql("EXPLAIN " + statement, params).mappings().all()
    return [f"key={r['key']} extra={r['Extra']}" for r in rows]


def test_the_claim_walks_its_index_in_order(engine: Engine, store: Store) -> None:
    for n in range(12):
        insert_meeting(engine, f"row-{n}", sync_state="synced" if n % 3 else "pending")
    insert_meeting(engine, "cancel", status="cancelled")
    statements = claim_statements(engine, store)

    with engine.connect() as conn, conn.begin():
        plans = [plan(conn, statement, params) for statement, params in statements]
        conn.rollback()

    dialect = engine.dialect.name
    shown = "\n\n".join("\n".join(p) for p in plans)
    if dialect == "postgresql":
        [lines] = plans
        # The only sort is of the batch, after the UPDATE: under "CTE due" there is none.
        due = lines[lines.index("  CTE due") : lines.index("  CTE leased")]
        assert any("Index Scan using ix_meetings_claim on meetings" in s for s in due), shown
        assert not any("Sort" in s for s in due), shown
    elif dialect == "sqlite":
        [lines] = plans
        assert any("USING INDEX ix_meetings_claim" in s for s in lines), shown
        assert not any("TEMP B-TREE" in s for s in lines), shown
    else:
        # Cancellations, then the rest, each off its own index in start order.
        assert [p[0].split()[0] for p in plans] == [
            "key=ix_meetings_claim_cancelled",
            "key=ix_meetings_claim_by_start",
        ], shown
        assert not any("filesort" in s for p in plans for s in p), shown
