"""The calendar database schema (SQLAlchemy 2 typed ORM), one module per table family."""

from __future__ import annotations

from models.base import Base
from models.meetings import CALENDAR_COLUMNS, SYNC_STATES, Meeting, meetings_table
from models.oauth_tokens import oauth_tokens_table
from models.quota_ledger import (
    quota_counters_table,
    quota_events_table,
    quota_locks_table,
    quota_pauses_table,
)
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
    "oauth_tokens_table",
    "quota_counters_table",
    "quota_events_table",
    "quota_locks_table",
    "quota_pauses_table",
    "sync_log_table",
]
