"""Local error codes of the sync core: why a row was refused before any provider saw it.

Written to the row's ``error_code`` with a message in ``error_message``; the codes are
stable (calendars and dashboards may match on them). Each provider documents its own codes
beside its checks (``worker.wemeet.local_errors``); together they are every ``local.*``
code the worker writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

CORE_ERRORS: Mapping[str, str] = MappingProxyType(
    {
        "local.userid_missing": "Set userid to the meeting creator's user id at the provider "
        "(for Tencent Meeting, the creator's userid).",
        "local.unknown_provider": "Set provider to one this worker serves ('wemeet' once "
        "the Tencent Meeting credentials are configured, 'trtc_room' once [trtc] sdkappid "
        "and key are), or configure the one the row names; the message says what to set.",
        "local.bad_status": "Set status to 'scheduled' or 'cancelled'.",
        "local.start_in_past": "Move start_time to the future; a meeting cannot be created "
        "for a time that has passed.",
        "local.too_many_attempts": "The worker gave up after its maximum number of attempts "
        "(worker.max_attempts); the message holds the last error. Edit the row to try again.",
        "local.bad_sync_after": "Store sync_after as a timestamp in UTC, or leave it empty.",
        "local.unreadable_value": "A column holds a value the database driver cannot read (a "
        "time before year 1 or after 9999, an infinity or a zero date; bytes that are not "
        "UTF-8 text); the message names the column. Write a valid value into it.",
    }
)
