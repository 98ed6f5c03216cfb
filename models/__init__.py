"""The calendar database schema (SQLAlchemy 2 typed ORM), one module per table family."""

from __future__ import annotations

from models.base import Base
from models.meetings import CALENDAR_COLUMNS, SYNC_STATES, Meeting, meetings_table
from models.sync_log import SyncLog, sync_log_table

metadata = Base.metadata

__all__ = [
    "CALENDAR_COLUMNS",
    "SYNC_STATES",
    "Base",
    "Meeting",
    "SyncLog",
    "meetings_table",
    "metadata",
    "sync_log_table",
]
