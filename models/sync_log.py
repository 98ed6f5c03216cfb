"""The `sync_log` table: one row per API call, for audits and `meeting-sync status`."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from models.base import MYSQL_TABLE_ARGS, Base
from models.meetings import RowId
from models.types import UTCDateTime


class SyncLog(Base):
    __tablename__ = "sync_log"
    # Only an index on `at` (housekeeping prunes by age); no foreign key, so that logging a
    # call never waits on the meetings row.
    __table_args__ = (Index("ix_sync_log_at", "at"), MYSQL_TABLE_ARGS)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    meeting_row_id: Mapped[int | None] = mapped_column(BigInteger)
    external_id: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(40))
    trace_id: Mapped[str | None] = mapped_column(String(128))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


sync_log_table = cast(Table, SyncLog.__table__)
