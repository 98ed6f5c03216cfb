"""Changes made "in the Tencent Meeting app": a host cancels, moves or renames a meeting,
or an admin deletes it in the console, outside any API client.

Each goes through the same rules as the API call that would make it (the creator acts, so
a change the service would refuse is refused here, with its code), and bumps the meeting's
modification time, so the list's cursors see it as they see any other change. Nothing here
is signed or counted against a quota: it is no API call. Called with the app's lock held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.endpoints import cancel_meeting, update_meeting
from sandbox.errors import Rejection
from sandbox.state import MeetingStore

# What a host can change of a meeting in the app; times are Unix seconds.
CHANGEABLE = ("subject", "start_time", "end_time", "password", "location")


def change_from_app(
    store: MeetingStore,
    config: SandboxConfig,
    meeting_id: str,
    doc: Mapping[str, Any],
    now: float,
) -> dict[str, Any]:
    """``{"cancel": true}``, ``{"delete": true}`` or some of CHANGEABLE; the meeting as
    the API's get would now show it. A refusal raises ValueError with the service's code."""
    meeting = store.by_id.get(meeting_id)
    if meeting is None or meeting.removed:
        raise ValueError(f"no meeting {meeting_id!r}")
    unknown = sorted(set(doc) - {"cancel", "delete", *CHANGEABLE})
    if unknown:
        raise ValueError(f"cannot change {unknown} from the app; use {list(CHANGEABLE)}")
    try:
        if doc.get("delete") is True:
            # Deleted in the console: gone, as a get of it answers (9003).
            meeting.removed = True
            store.touch(meeting, now)
        elif doc.get("cancel") is True:
            body = {"userid": meeting.creator, "reason_code": 1, "meeting_type": 1}
            cancel_meeting(meeting_id, body, store, config, now)
        else:
            body = {"userid": meeting.creator, "instanceid": 1, **_kind(meeting.fields)}
            body.update({k: _field(k, doc[k]) for k in CHANGEABLE if k in doc})
            update_meeting(meeting_id, body, store, config, now)
    except Rejection as exc:
        raise ValueError(f"refused as the service would: {exc.error_code} {exc.message}") from None
    return meeting.info(now)


def _kind(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A change in the app keeps a series a series (an update without ``meeting_type`` 1
    would make it a normal meeting)."""
    if fields.get("meeting_type") != 1:
        return {}
    return {"meeting_type": 1, "recurring_rule": fields.get("recurring_rule")}


def _field(name: str, value: Any) -> Any:
    # The API takes times as strings of Unix seconds.
    return str(value) if name in ("start_time", "end_time") else value
