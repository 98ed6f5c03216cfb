"""Builds MeetingRow values for tests of the pure core (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models import meetings_table
from worker.domain.rows import MeetingRow
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.provider import WemeetProvider
from worker.wemeet.quota import WemeetQuotas
from worker.wemeet.signing import Credentials

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def make_row(**overrides: Any) -> MeetingRow:
    values: dict[str, Any] = {c.name: None for c in meetings_table.columns}
    values.update(
        id=1,
        external_id="cal-1",
        provider="wemeet",
        userid="alice",
        subject="Weekly sync",
        start_time=NOW + timedelta(days=1),
        end_time=NOW + timedelta(days=1, hours=1),
        status="scheduled",
        sync_state="pending",
        revision=1,
        attempts=1,
        created_at=NOW,
        updated_at=NOW,
    )
    values.update(overrides)
    return MeetingRow.from_mapping(values)


def wemeet_provider(quotas: WemeetQuotas | None = None) -> WemeetProvider:
    """Tencent Meeting's provider, for the pure parts of the interface (no call is made)."""
    client = WemeetClient(AkSkAuth(Credentials("app", "sid", "key")), "https://api.meeting.qq.com")
    return WemeetProvider(client, quotas or WemeetQuotas("app", (), ()))
