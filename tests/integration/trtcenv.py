"""Shared set-up for the TRTC tests: the worker's [trtc] settings, environment and an
administrator's client for a sandbox, and a room row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.syncenv import SOON, insert
from worker.config import TrtcConfig
from worker.trtc.auth import AdminAuth, TrtcCredentials
from worker.trtc.client import TrtcClient

TRTC = "trtc_room"


def trtc_config(sandbox: SandboxServer, key: str | None = None) -> TrtcConfig:
    """The worker's [trtc] section for ``sandbox`` (with another ``key`` when given)."""
    rooms = sandbox.config.trtc
    return TrtcConfig(
        base_url=sandbox.base_url,
        sdkappid=rooms.sdkappid,
        key=rooms.key if key is None else key,
        admin=rooms.admin,
    )


def trtc_env(sandbox: SandboxServer, key: str | None = None) -> dict[str, str]:
    """The same as MEETING_SYNC_TRTC_* variables, for `meeting-sync` processes."""
    t = trtc_config(sandbox, key)
    return {
        "MEETING_SYNC_TRTC_BASE_URL": t.base_url,
        "MEETING_SYNC_TRTC_SDKAPPID": str(t.sdkappid),
        "MEETING_SYNC_TRTC_KEY": t.key,
        "MEETING_SYNC_TRTC_ADMIN": t.admin,
    }


def admin_client(sandbox: SandboxServer) -> TrtcClient:
    """The worker's client, to make or destroy rooms behind the worker's back."""
    t = trtc_config(sandbox)
    return TrtcClient(AdminAuth(TrtcCredentials(t.sdkappid, t.key, t.admin)), t.base_url)


def insert_room(
    engine: Engine,
    external_id: str,
    subject: str,
    start: datetime = SOON,
    length: timedelta = timedelta(hours=1),
    **columns: Any,
) -> None:
    insert(
        engine,
        external_id,
        subject,
        provider=TRTC,
        start_time=start,
        end_time=start + length,
        **columns,
    )
