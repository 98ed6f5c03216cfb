"""Local error codes of TRTC rows: why a row was refused before anything was sent.

The field checks shared with Tencent Meeting (text, times, userid lists) raise their codes
too (``worker.wemeet.local_errors``); these are the ones only a room has.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from worker.wemeet.local_errors import EVERY_LOCAL_ERROR as SHARED

LOCAL_ERRORS: Mapping[str, str] = MappingProxyType(
    {
        "local.bad_room_id": "meeting_id is written by the worker and holds a TRTC RoomId "
        "(letters, digits, '-' and '_', at most 48); set it to the room's real RoomId, or to "
        "NULL to create the room again, then edit the row (any calendar column).",
        "local.room_too_short": "A scheduled room lasts at least 5 minutes: move end_time "
        "to 5 minutes or more after start_time.",
        "local.room_recurring": "A TRTC room cannot recur: clear recurring_rule, or use one "
        "row per occurrence.",
        "local.room_password": "A TRTC room has no password: clear password, or use the "
        "wemeet provider for a meeting that needs one.",
        "local.room_id_taken": "A room with this row's RoomId exists and belongs to another "
        "owner or time: destroy that room in TRTC, or edit the row's external_id.",
    }
)

EVERY_LOCAL_ERROR: Mapping[str, str] = MappingProxyType({**SHARED, **LOCAL_ERRORS})
"""Every code a check of this package may raise."""
