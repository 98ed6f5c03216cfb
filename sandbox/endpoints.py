"""The Tencent Meeting endpoints over the meeting store. Called with the app's lock held."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.errors import (
    BAD_PARAMETER,
    MEETING_NOT_FOUND,
    NO_PERMISSION,
    UNSUPPORTED,
    reject,
)
from sandbox.registered import applied, named, unknown_people
from sandbox.state import KEPT_FIELDS, Meeting, MeetingStore
from sandbox.validate import (
    check_create,
    check_optional,
    check_subject,
    check_times,
    int_field,
    require_int,
    require_user,
    unix_seconds,
)

MEETING_PATH = re.compile(r"^/v1/meetings/([^/]+)$")
CANCEL_PATH = re.compile(r"^/v1/meetings/([^/]+)/cancel$")
ENDPOINTS = ("create", "update", "cancel", "get", "list")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: Mapping[str, str]
    body: Mapping[str, Any]


def endpoint_of(method: str, path: str) -> str:
    """The operation a request asks for: one of ENDPOINTS, or "unsupported"."""
    if path == "/v1/meetings":
        return {"POST": "create", "GET": "list"}.get(method, "unsupported")
    if MEETING_PATH.match(path):
        return {"PUT": "update", "GET": "get"}.get(method, "unsupported")
    if CANCEL_PATH.match(path) and method == "POST":
        return "cancel"
    return "unsupported"


def meeting_id_of(endpoint: str, path: str) -> str | None:
    """The meeting a call names in its path (update, cancel, get), for the request log."""
    pattern = CANCEL_PATH if endpoint == "cancel" else MEETING_PATH
    match = pattern.match(path) if endpoint in ("update", "cancel", "get") else None
    return match.group(1) if match else None


def userid_of(call: Call) -> str | None:
    """The user a call acts for (newer SDKs send operator_id in queries)."""
    value = call.body.get("userid") or call.query.get("userid") or call.query.get("operator_id")
    return value if isinstance(value, str) else None


def handle(
    endpoint: str, call: Call, store: MeetingStore, config: SandboxConfig, now: float
) -> dict[str, Any] | None:
    """The 200 answer's JSON (None for an empty body), or a Rejection raised."""
    if endpoint == "create":
        return _create(call.body, store, config, now)
    if endpoint == "update":
        return update_meeting(_path_id(MEETING_PATH, call.path), call.body, store, config, now)
    if endpoint == "cancel":
        cancel_meeting(_path_id(CANCEL_PATH, call.path), call.body, store, config, now)
        # The documented answer is an empty 200; the official SDK parses every answer as
        # JSON, so "{}" is what keeps both it and a literal client working.
        return None if config.empty_cancel_body else {}
    if endpoint == "get":
        return _get(_path_id(MEETING_PATH, call.path), call, store, config, now)
    if endpoint == "list":
        return _list(call, store, config, now)
    raise reject(UNSUPPORTED, "unsupported API request")


def _path_id(pattern: re.Pattern[str], path: str) -> str:
    match = pattern.match(path)
    assert match is not None  # endpoint_of matched it already
    return match.group(1)


def _create(
    body: Mapping[str, Any], store: MeetingStore, config: SandboxConfig, now: float
) -> dict[str, Any]:
    creator = require_user(body.get("userid"), config.users)
    start, end = check_create(body, config.sensitive_words)
    unknown = unknown_people(body, config.users)
    meeting = store.create(creator, start, end, _kept(applied(body, unknown)), now)
    meeting.not_registered = unknown
    return {"meeting_number": 1, "meeting_info_list": [meeting.info(now)]}


def _kept(body: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the sandbox keeps, integers as integers however they were sent."""
    kept = {k: body[k] for k in KEPT_FIELDS if k in body}
    for name in ("type", "meeting_type"):
        if name in kept:
            kept[name] = int_field(kept[name])
    return kept


def _owned(meeting_id: str, userid: Any, store: MeetingStore, config: SandboxConfig) -> Meeting:
    """The live meeting ``userid`` may change: 9003 when absent or cancelled, 9102 when
    someone else created it."""
    user = require_user(userid, config.users)
    meeting = store.by_id.get(meeting_id)
    if meeting is None or meeting.removed or meeting.cancelled:
        raise reject(MEETING_NOT_FOUND, "MEETING NOT EXIST")
    if meeting.creator != user:
        raise reject(NO_PERMISSION, "no permission to modify the meeting")
    return meeting


def update_meeting(
    meeting_id: str,
    body: Mapping[str, Any],
    store: MeetingStore,
    config: SandboxConfig,
    now: float,
) -> dict[str, Any]:
    meeting = _owned(meeting_id, body.get("userid"), store, config)
    require_int(body, "instanceid")
    if "subject" in body:
        check_subject(body["subject"], config.sensitive_words)
    start = unix_seconds(body["start_time"], "start_time") if "start_time" in body else None
    end = unix_seconds(body["end_time"], "end_time") if "end_time" in body else None
    start = meeting.start_time if start is None else start
    end = meeting.end_time if end is None else end
    check_times(start, end)
    check_optional(body, stored_rule=meeting.fields.get("recurring_rule"))
    before = (meeting.start_time, meeting.end_time, meeting.recurring)
    meeting.start_time, meeting.end_time = start, end
    unknown = unknown_people(body, config.users)
    kept = _kept(applied(body, unknown))
    if isinstance(kept.get("settings"), Mapping):
        # An update's settings change the keys it sends and keep the others: the API
        # documents no reset of a key left out, so the sandbox holds clients to the stricter
        # reading. Every other field an update leaves out keeps its value too, and one sent
        # empty ("" or []) is cleared.
        kept["settings"] = {**meeting.fields.get("settings", {}), **kept["settings"]}
    meeting.fields.update(kept)
    meeting.not_registered.update(unknown)
    if int_field(body.get("meeting_type", 0)) == 0:
        # The real service turns a recurring meeting into a normal one when an update
        # leaves meeting_type out (spec §3; the SDK's update model: "默认值为0"), and a
        # normal one into a series when it sends meeting_type 1 with a rule.
        meeting.fields["meeting_type"] = 0
        meeting.fields.pop("recurring_rule", None)
    if "recurring_rule" in body or before != (start, end, meeting.recurring):
        meeting.schedule()  # the whole series moves with its times and its rule
    meeting.updates += 1
    store.touch(meeting, now)
    return {
        "meeting_number": 1,
        "meeting_info_list": [
            {
                "meeting_id": meeting.meeting_id,
                "meeting_code": meeting.meeting_code,
                # The people of this update that were not applied.
                "user_non_registered": named(unknown),
            }
        ],
    }


def cancel_meeting(
    meeting_id: str,
    body: Mapping[str, Any],
    store: MeetingStore,
    config: SandboxConfig,
    now: float,
) -> None:
    meeting = _owned(meeting_id, body.get("userid"), store, config)
    require_int(body, "reason_code")
    meeting_type = require_int(body, "meeting_type", (0, 1)) if "meeting_type" in body else 0
    sub_meeting_id = body.get("sub_meeting_id")
    if sub_meeting_id is not None or (meeting.recurring and meeting_type != 1):
        _cancel_occurrence(meeting, sub_meeting_id, now)
        return
    meeting.cancelled = True
    meeting.cancelled_at = now
    store.touch(meeting, now)


def _cancel_occurrence(meeting: Meeting, sub_meeting_id: Any, now: float) -> None:
    """One occurrence of a series: the one named, else the current one.

    The official sources disagree on a series cancelled without ``sub_meeting_id`` and
    without ``meeting_type`` 1: the SDK's cancel model says the series goes, the official
    CLI sends ``meeting_type`` 1 to cancel the whole series and calls 0 "a normal meeting
    or a single sub-meeting". The sandbox takes the stricter reading, so that a client
    that leaves ``meeting_type`` 1 out is caught leaving the rest of the series live.
    """
    if not meeting.recurring:
        raise reject(BAD_PARAMETER, "sub_meeting_id is only for a recurring meeting")
    if sub_meeting_id is None:
        occurrence = meeting.current(now)
    elif isinstance(sub_meeting_id, str):
        occurrence = meeting.sub_meeting(sub_meeting_id)
    else:
        raise reject(BAD_PARAMETER, "sub_meeting_id must be a string")
    if occurrence is None or occurrence.deleted:
        raise reject(MEETING_NOT_FOUND, "MEETING NOT EXIST")
    occurrence.deleted = True
    meeting.updated_at = now


def _get(
    meeting_id: str, call: Call, store: MeetingStore, config: SandboxConfig, now: float
) -> dict[str, Any]:
    require_user(userid_of(call), config.users)
    meeting = store.by_id.get(meeting_id)
    if meeting is None or meeting.removed:
        raise reject(MEETING_NOT_FOUND, "MEETING NOT EXIST")
    return {"meeting_number": 1, "meeting_info_list": [meeting.info(now)]}


def _list(call: Call, store: MeetingStore, config: SandboxConfig, now: float) -> dict[str, Any]:
    userid = require_user(userid_of(call), config.users)
    pos = _optional_int(call.query.get("pos"), "pos")
    cursory = _optional_int(call.query.get("cursory"), "cursory")
    page, remaining = store.page(userid, now, pos, cursory)
    last = page[-1] if page else None
    return {
        "meeting_number": len(page),
        "meeting_info_list": [m.info(now) for m in page],
        "remaining": remaining,
        "next_pos": last.shown_times(now)[0] if last else 0,
        "next_cursory": last.cursor if last else 0,
    }


def _optional_int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):
        raise reject(BAD_PARAMETER, f"{name} must be a non-negative integer")
    return int(value)
