"""Body checks of create and update, as the real service makes them. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sandbox.errors import BAD_PARAMETER, SENSITIVE_SUBJECT, USER_NOT_FOUND, reject

MAX_SUBJECT_BYTES = 512
MAX_INVITEES = 300
MAX_LOCATION_UNITS = 36  # letters count 1, CJK characters 2
PASSWORD = re.compile(r"^\d{4,6}$")
# Meeting settings with documented values (the official SDK's settings models); keys not
# listed are taken as they come.
BOOL_SETTINGS = frozenset(
    {
        "allow_in_before_host", "allow_multi_device", "allow_screen_shared_watermark",
        "allow_unmute_self", "auto_asr", "auto_in_waiting_room",
        "enable_host_pause_auto_record", "mute_enable_join", "only_enterprise_user_allowed",
        "participant_join_auto_record", "play_ivr_on_join", "play_ivr_on_leave",
    }
)  # fmt: skip
CHOICE_SETTINGS: Mapping[str, tuple[Any, ...]] = {
    "mute_enable_type_join": (0, 1, 2),
    "only_user_join_type": (1, 2, 3),
    "auto_record_type": ("none", "local", "cloud"),
}


def require_user(userid: Any, users: tuple[str, ...] | None) -> str:
    if not isinstance(userid, str) or not userid:
        raise reject(BAD_PARAMETER, "userid is required")
    if users is not None and userid not in users:
        raise reject(USER_NOT_FOUND, "user not exist")
    return userid


def int_field(value: Any) -> int | None:
    """An integer field as the service takes it: a JSON number or a decimal string (the
    official examples send ``"instanceid": "1"``); None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def require_int(body: Mapping[str, Any], name: str, allowed: tuple[int, ...] = ()) -> int:
    value = int_field(body.get(name))
    if value is None or (allowed and value not in allowed):
        choice = f" ({' or '.join(map(str, allowed))})" if allowed else ""
        raise reject(BAD_PARAMETER, f"{name} is required as an integer{choice}")
    return value


def unix_seconds(value: Any, name: str) -> int:
    """Times travel as decimal strings of Unix seconds; bare integers are taken too."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise reject(BAD_PARAMETER, f"{name} must be Unix seconds")
    return int(text)


def check_subject(subject: Any, sensitive_words: tuple[str, ...]) -> str:
    if not isinstance(subject, str) or not subject.strip():
        raise reject(BAD_PARAMETER, "subject is required")
    if len(subject.encode("utf-8")) > MAX_SUBJECT_BYTES:
        raise reject(BAD_PARAMETER, "subject is longer than 512 bytes")
    if any(word in subject for word in sensitive_words):
        raise reject(SENSITIVE_SUBJECT, "subject contains sensitive words")
    return subject


def check_optional(body: Mapping[str, Any], stored_rule: Any = None) -> None:
    """Optional fields of a create or update; ``stored_rule`` is the recurring rule an
    update's meeting already has (an update need not send it again)."""
    password = body.get("password")
    if password not in (None, "") and not (isinstance(password, str) and PASSWORD.match(password)):
        raise reject(BAD_PARAMETER, "password must be 4 to 6 digits")
    for key in ("hosts", "invitees"):
        users = body.get(key)
        if users is None:
            continue
        if not isinstance(users, list) or not all(
            isinstance(u, Mapping) and isinstance(u.get("userid"), str) for u in users
        ):
            raise reject(BAD_PARAMETER, f"{key} must be a list of {{userid}}")
        if key == "invitees" and len(users) > MAX_INVITEES:
            raise reject(BAD_PARAMETER, "too many invitees (at most 300)")
    location = body.get("location")
    if location is not None:
        if not isinstance(location, str):
            raise reject(BAD_PARAMETER, "location must be a string")
        units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in location)
        if units > MAX_LOCATION_UNITS:
            raise reject(BAD_PARAMETER, "location is too long")
    for key in ("settings", "recurring_rule"):
        if body.get(key) is not None and not isinstance(body[key], Mapping):
            raise reject(BAD_PARAMETER, f"{key} must be an object")
    check_settings(body.get("settings") or {})
    meeting_type = require_int(body, "meeting_type", (0, 1)) if "meeting_type" in body else 0
    rule = body.get("recurring_rule", stored_rule)
    if meeting_type == 1 and not isinstance(rule, Mapping):
        raise reject(BAD_PARAMETER, "a recurring meeting needs recurring_rule")


def check_settings(settings: Mapping[str, Any]) -> None:
    for key, value in settings.items():
        if key in BOOL_SETTINGS and not isinstance(value, bool):
            raise reject(BAD_PARAMETER, f"settings.{key} must be true or false")
        choices = CHOICE_SETTINGS.get(key)
        if choices is not None and (isinstance(value, bool) or value not in choices):
            raise reject(BAD_PARAMETER, f"settings.{key} must be one of {choices}")


def check_times(start: int, end: int) -> None:
    if end <= start:
        raise reject(BAD_PARAMETER, "end_time must be later than start_time")


def check_create(body: Mapping[str, Any], sensitive_words: tuple[str, ...]) -> tuple[int, int]:
    require_int(body, "type", (0, 1))  # 0 scheduled, 1 instant
    require_int(body, "instanceid")
    check_subject(body.get("subject"), sensitive_words)
    start = unix_seconds(body.get("start_time"), "start_time")
    end = unix_seconds(body.get("end_time"), "end_time")
    check_times(start, end)
    check_optional(body)
    return start, end
