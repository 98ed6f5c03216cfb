"""OAuth tokens of a third-party app: one row per authorized user (open_id).

The token columns hold ciphertext when the worker has an encryption key, and are marked
plain otherwise (worker/store/token_cipher.py); they are never written in clear by accident.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import MYSQL_TABLE_ARGS, Base
from models.types import UTCDateTime

# An open_id is a key; 191 characters keep a utf8mb4 key indexable on MySQL.
OPEN_ID = String(191)


class OAuthTokenRow(Base):
    __tablename__ = "oauth_tokens"
    __table_args__ = (MYSQL_TABLE_ARGS,)

    open_id: Mapped[str] = mapped_column(OPEN_ID, primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scopes: Mapped[str] = mapped_column(Text)  # space-separated, as OAuth writes them
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refreshed_by: Mapped[str] = mapped_column(String(191))
    state: Mapped[str] = mapped_column(String(16))  # active | reauthorize
    error_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)


oauth_tokens_table = cast(Table, OAuthTokenRow.__table__)
