"""What an update sends for a calendar-owned field the row leaves empty, and what it cannot
clear. Pure.

An update of ``PUT /v1/meetings/{id}`` changes only the fields it carries: one left out keeps
its old value on the meeting. The worker keeps no record of what it sent before, so it
cannot tell a field the calendar emptied from one it never set; an update therefore carries
every field, an empty one in the API's clearing form. The sources, by field:

- ``password: ""`` — "如果将字段值改为空字符串\"\"，则表示取消会议密码" (official SDK model
  ``V1MeetingsMeetingIdPutRequest``).
- ``hosts: []`` — "传入空列表即覆盖为空" (the SDK model; the API reference for the update:
  "如果传入空列表，则该字段清空"); with none named, the creator is the host.
- ``invitees: []`` — the update's own text says nothing; an empty list is the clearing form
  of every list of the update (``hosts``, ``guests``) and of the invitees endpoint
  ("传空数组会清空受邀成员列表").
- ``location: ""`` — a plain string with no lower bound in the SDK model; the empty string is
  the only empty value it has.
- ``settings`` — ``worker.wemeet.settings``: every managed setting at its default.

``time_zone`` has no clearing form: no empty value is documented and ``""`` is no time zone.
An update leaves it out when the row has none, so the meeting keeps the one it had; the row's
message says so (``note``), as it does for the settings with no default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from worker.wemeet import settings as meeting_settings
from worker.wemeet.frozen import FrozenJson, PlainJson

__all__ = ["clearing_forms", "note", "uncleared"]

# Why each field that cannot be cleared keeps its value: the row's message gives the reason.
_WHY_NOT = {
    "time_zone": "Tencent Meeting documents no way to remove a meeting's time zone",
    "settings.auto_record_type": (
        "no default to return to: the enterprise's account settings decide it"
    ),
}


def clearing_forms() -> dict[str, PlainJson]:
    """Each clearable field in the form that empties it on the meeting (a fresh copy)."""
    return {"password": "", "location": "", "hosts": [], "invitees": []}


def uncleared(time_zone: str | None, settings: Mapping[str, FrozenJson] | None) -> tuple[str, ...]:
    """The fields the row leaves empty that an update cannot clear: the meeting keeps them."""
    names = ("time_zone",) if time_zone is None else ()
    return names + tuple(f"settings.{key}" for key in meeting_settings.not_reset(settings))


def note(names: Sequence[str]) -> str | None:
    """What the row's message says of fields an update left on the meeting; None if none."""
    if not names:
        return None
    reasons = "; ".join(f"{name} ({_WHY_NOT[name]})" for name in names)
    return f"Synced; the meeting keeps what it was last sent, if anything, for: {reasons}."
