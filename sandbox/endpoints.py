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
from sandbox.state import KEPT_FIELDS, Meeting, MeetingStore
from sandbox.validate import (
    check_create,
    check_optional,
    check_subject,
    check_times,
    require_user,
    unix_seconds,
)

MEETING_PATH = re.compile(r"^/v1/meetings/([^/]+)$")
CANCEL_PATH = re.compile(r"^/v1/meetings/([^/]+)/cancel$")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: Mapping[str, str]
    body: Mapping[str, Any]


def endpoint_of(method: str, path: str) -> str:
    if path == "/v1/meetings":
        return {"POST": "create", "GET": "list"}.get(method, "unsupported")
    if MEETING_PATH.match(path):
        return {"PUT": "update", "GET": "get"}.get(method, "unsupported")
    if CANCEL_PATH.match(path) and method == "POST":
        return "cancel"
    return "unsupported"


def userid_of(call: Call) -> str | None:
    value = call.body.get("userid") or call.query.get("userid") or call.query.get("operator_id")
    return value if isinstance(value, str) else None


def handle(
    endpoint: str, call: Call, store: MeetingStore, config: SandboxConfig, now: float
) -> dict[str, Any] | None:
    """The 200 answer's JSON (None for an empty body), or a Rejection raised."""
    if endpoint == "create":
        return _create(call.body, store, config, now)
    if endpoint == "update":
        return _update(_path_id(MEETING_PATH, call.path), call.body, store, config, now)
    if endpoint == "cancel":
        _cancel(_path_id(CANCEL_PATH, call.path), call.body, store, config, now)
        # Clients must take an empty 200 as success; the official SDK parses the body as
        # JSON, so an empty object is what keeps both working.
        return {}
    if endpoint == "get":
        return _get(_path_id(MEETING_PATH, call.path), call.query, store, config, now)
    if endpoint == "list":
        return _list(call.query, store, config, now)
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
    meeting = store.create(creator, start, end, body, now)
    return {"meeting_number": 1, "meeting_info_list": [meeting.info(now)]}


def _owned(meeting_id: str, userid: Any, store: MeetingStore, config: SandboxConfig) -> Meeting:
    user = require_user(userid, config.users)
    meeting = store.by_id.get(meeting_id)
    if meeting is None or meeting.cancelled:
        raise reject(MEETING_NOT_FOUND, "MEETING NOT EXIST")
    if meeting.creator != user:
        raise reject(NO_PERMISSION, "no permission to modify the meeting")
    return meeting


def _update(
    meeting_id: str,
    body: Mapping[str, Any],
    store: MeetingStore,
    config: SandboxConfig,
    now: float,
) -> dict[str, Any]:
    meeting = _owned(meeting_id, body.get("userid"), store, config)
    if not isinstance(body.get("instanceid"), int):
        raise reject(BAD_PARAMETER, "instanceid is required")
    if "subject" in body:
        check_subject(body["subject"], config.sensitive_words)
    start = unix_seconds(body["start_time"], "start_time") if "start_time" in body else None
    end = unix_seconds(body["end_time"], "end_time") if "end_time" in body else None
    check_times(start or meeting.start_time, end or meeting.end_time)
    check_optional(body)
    meeting.start_time = start or meeting.start_time
    meeting.end_time = end or meeting.end_time
    meeting.fields.update({k: body[k] for k in KEPT_FIELDS if k in body})
    if "meeting_type" not in body:
        # The real service turns a recurring meeting into a normal one when an update
        # leaves meeting_type out (spec §3).
        meeting.fields["meeting_type"] = 0
    meeting.updates += 1
    meeting.updated_at = now
    info = meeting.info(now)
    return {
        "meeting_number": 1,
        "meeting_info_list": [
            {"meeting_id": info["meeting_id"], "meeting_code": info["meeting_code"]}
        ],
    }


def _cancel(
    meeting_id: str,
    body: Mapping[str, Any],
    store: MeetingStore,
    config: SandboxConfig,
    now: float,
) -> None:
    meeting = _owned(meeting_id, body.get("userid"), store, config)
    if not isinstance(body.get("reason_code"), int):
        raise reject(BAD_PARAMETER, "reason_code is required")
    meeting.cancelled = True
    meeting.updated_at = now


def _get(
    meeting_id: str,
    query: Mapping[str, str],
    store: MeetingStore,
    config: SandboxConfig,
    now: float,
) -> dict[str, Any]:
    require_user(query.get("userid") or query.get("operator_id"), config.users)
    meeting = store.by_id.get(meeting_id)
    if meeting is None:
        raise reject(MEETING_NOT_FOUND, "MEETING NOT EXIST")
    return {"meeting_number": 1, "meeting_info_list": [meeting.info(now)]}


def _list(
    query: Mapping[str, str], store: MeetingStore, config: SandboxConfig, now: float
) -> dict[str, Any]:
    userid = require_user(query.get("userid"), config.users)
    pos = _optional_int(query.get("pos"), "pos")
    cursory = _optional_int(query.get("cursory"), "cursory")
    page, remaining = store.page(userid, now, pos, cursory)
    last = page[-1] if page else None
    return {
        "meeting_number": len(page),
        "meeting_info_list": [m.info(now) for m in page],
        "remaining": remaining,
        "next_pos": last.start_time if last else 0,
        "next_cursory": last.seq if last else 0,
    }


def _optional_int(value: str | None, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise reject(BAD_PARAMETER, f"{name} must be a non-negative integer")
    return int(value)
