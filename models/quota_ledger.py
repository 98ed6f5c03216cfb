"""The shared quota ledger: every worker that uses one AppId counts its calls here."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from models.base import MYSQL_TABLE_ARGS, Base
from models.meetings import RowId
from models.types import UTCDateTime

# Scope keys hold an AppId and a userid; 191 characters keep a utf8mb4 key indexable on MySQL.
SCOPE = String(191)


class QuotaEvent(Base):
    """One reserved call, for the sliding windows (per minute, per hour)."""

    __tablename__ = "quota_events"
    __table_args__ = (Index("ix_quota_events_scope_at", "scope", "at"), MYSQL_TABLE_ARGS)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(SCOPE)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuotaCounter(Base):
    """Calls counted in one of the provider's calendar windows (a natural day or month)."""

    __tablename__ = "quota_counters"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    scope: Mapped[str] = mapped_column(SCOPE, primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger)


class QuotaPause(Base):
    """A quota the provider said is spent: nobody calls on it until ``until``."""

    __tablename__ = "quota_pauses"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    scope: Mapped[str] = mapped_column(SCOPE, primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    error_code: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuotaLock(Base):
    """One row per scope, locked (FOR UPDATE) while a reservation counts that scope."""

    __tablename__ = "quota_locks"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    scope: Mapped[str] = mapped_column(SCOPE, primary_key=True)


quota_events_table = cast(Table, QuotaEvent.__table__)
quota_counters_table = cast(Table, QuotaCounter.__table__)
quota_pauses_table = cast(Table, QuotaPause.__table__)
quota_locks_table = cast(Table, QuotaLock.__table__)
