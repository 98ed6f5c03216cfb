"""Field checks behind ``MeetingSpec``: each returns the normalised value or raises
``InvalidMeeting`` with a code of ``LOCAL_ERRORS``. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from worker.exceptions import InvalidMeeting
from worker.wemeet.frozen import FrozenJson, freeze_json, utf8_problem
from worker.wemeet.local_errors import EVERY_LOCAL_ERROR

MAX_SUBJECT_BYTES = 512
MAX_INVITEES = 300
# "36 letters or 18 CJK characters": a wide character weighs two.
MAX_LOCATION_WEIGHT = 36
_PASSWORD = re.compile(r"[0-9]{4,6}")
_MEETING_ID = re.compile(r"[0-9]{1,64}")
# C0 controls, DEL and C1 controls (Unicode category Cc).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BOOL_SETTINGS = frozenset(
    {
        "mute_enable_join",
        "allow_unmute_self",
        "allow_in_before_host",
        "auto_in_waiting_room",
        "allow_screen_shared_watermark",
        "only_enterprise_user_allowed",
        "mute_all",
        "play_ivr_on_leave",
        "play_ivr_on_join",
    }
)
_JOIN_TYPES = (1, 2, 3)
_MUTE_TYPES = (0, 1, 2)  # off, on, once more than 6 have joined
_RECORD_TYPES = ("none", "local", "cloud")
_RULE_RANGES: Mapping[str, tuple[int, int]] = {
    "recurring_type": (0, 5),
    "until_type": (0, 1),
    "until_date": (1, 2**63 - 1),
    "until_count": (1, 2**31 - 1),
    "customized_recurring_step": (1, 2**31 - 1),
}


def invalid(code: str, detail: str, field_name: str | None) -> InvalidMeeting:
    """The exception for ``code``: what is wrong, then what to do about it."""
    return InvalidMeeting(code, f"{detail} {EVERY_LOCAL_ERROR[code]}", field=field_name)


def text(value: object, name: str, *, required: str | None = None) -> str:
    """Text that can be sent as UTF-8; ``required`` is the code raised when it is empty."""
    if required and (value is None or (isinstance(value, str) and not value.strip())):
        raise invalid(required, f"{name} is empty.", name)
    if not isinstance(value, str):
        raise invalid("local.bad_type", f"{name} is {type(value).__name__}, not text.", name)
    problem = utf8_problem(value)
    if problem:
        raise invalid("local.not_utf8", f"{name} {problem}.", name)
    control = _CONTROL.search(value)
    if control:
        # Invitations and the client show these fields; a NUL or an escape sequence in them
        # is a broken import, never something a person meant to send.
        raise invalid(
            "local.control_character",
            f"{name} holds the control character U+{ord(control.group()):04X} at position "
            f"{control.start() + 1}.",
            name,
        )
    return value


def meeting_id(value: str) -> str:
    """A meeting id as the API issues them: digits. Checked before it goes into a path,
    where anything else would address another endpoint, or none."""
    if not value.strip():
        raise invalid("local.meeting_id_missing", "meeting_id is an empty string.", "meeting_id")
    if not _MEETING_ID.fullmatch(value):
        raise invalid(
            "local.bad_meeting_id",
            f"meeting_id {clip(value)!r} is not a Tencent Meeting id (digits only).",
            "meeting_id",
        )
    return value


def optional_text(value: object, name: str) -> str | None:
    return None if value is None or value == "" else text(value, name)


def subject(value: object) -> str:
    result = text(value, "subject", required="local.subject_missing")
    size = len(result.encode("utf-8"))
    if size > MAX_SUBJECT_BYTES:
        raise invalid(
            "local.subject_too_long",
            f"subject is {size} bytes in UTF-8 (at most {MAX_SUBJECT_BYTES}).",
            "subject",
        )
    return result


def instant(value: object, name: str) -> datetime:
    """An aware time in UTC, truncated to whole seconds (the API's resolution)."""
    if value is None:
        raise invalid("local.time_missing", f"{name} is empty.", name)
    if not isinstance(value, datetime):
        raise invalid("local.bad_time", f"{name} is {type(value).__name__}, not a time.", name)
    if value.tzinfo is None or value.utcoffset() is None:
        raise invalid("local.naive_time", f"{name} {value.isoformat()} has no time zone.", name)
    return value.astimezone(UTC).replace(microsecond=0)


def time_zone(value: object) -> str | None:
    name = optional_text(value, "time_zone")
    if name is None:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(
            "local.bad_time_zone", f"time_zone {name!r} is unknown.", "time_zone"
        ) from None
    return name


def password(value: object) -> str | None:
    result = optional_text(value, "password")
    if result is not None and not _PASSWORD.fullmatch(result):
        # The password itself is never echoed: messages end up in logs and on the row.
        raise invalid("local.bad_password", "password is not 4 to 6 digits.", "password")
    return result


def location(value: object) -> str | None:
    result = optional_text(value, "location")
    if result is None:
        return None
    weight = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in result)
    if weight > MAX_LOCATION_WEIGHT:
        raise invalid(
            "local.location_too_long",
            f"location weighs {weight} (a CJK character counts 2; at most {MAX_LOCATION_WEIGHT}).",
            "location",
        )
    return result


def userids(value: object, name: str, code: str) -> tuple[str, ...]:
    """A list of userids, or of ``{"userid": ...}`` objects, as a tuple of userids."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise invalid(code, f"{name} is {type(value).__name__}, not a list.", name)
    out: list[str] = []
    for item in value:
        userid = item.get("userid") if isinstance(item, Mapping) else item
        if not isinstance(userid, str) or not userid.strip():
            raise invalid(code, f"{name} holds {item!r}, not a userid.", name)
        out.append(text(userid, name))
    if name == "invitees" and len(out) > MAX_INVITEES:
        raise invalid(
            "local.too_many_invitees",
            f"invitees lists {len(out)} users (at most {MAX_INVITEES}).",
            name,
        )
    return tuple(out)


def json_object(value: object, name: str, code: str) -> Mapping[str, FrozenJson] | None:
    """A read-only copy of a JSON object; None for None or an empty object."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise invalid(code, f"{name} is {type(value).__name__}, not a JSON object.", name)
    try:
        frozen = freeze_json(value)
    except UnicodeError as exc:
        raise invalid("local.not_utf8", f"{name} {exc}.", name) from None
    except (TypeError, ValueError) as exc:
        raise invalid(code, f"{name}: {exc}.", name) from None
    return cast("Mapping[str, FrozenJson]", frozen) or None


def _bad_setting(key: str, item: FrozenJson) -> bool:
    if key in _BOOL_SETTINGS:
        return not isinstance(item, bool)
    if key == "only_user_join_type":
        return isinstance(item, bool) or item not in _JOIN_TYPES
    if key == "mute_enable_type_join":
        return isinstance(item, bool) or item not in _MUTE_TYPES
    if key == "auto_record_type":
        return item not in _RECORD_TYPES
    return False


def settings(value: object) -> Mapping[str, FrozenJson] | None:
    result = json_object(value, "settings", "local.bad_settings")
    for key, item in (result or {}).items():
        if _bad_setting(key, item):
            raise invalid(
                "local.bad_settings", f"settings.{key} = {item!r} is not allowed.", "settings"
            )
    return result


def recurring_rule(value: object) -> Mapping[str, FrozenJson] | None:
    name, code = "recurring_rule", "local.bad_recurring_rule"
    rule = json_object(value, name, code)
    if rule is None:
        return None
    if "recurring_type" not in rule:
        raise invalid(code, "recurring_rule has no recurring_type.", name)
    for key, (low, high) in _RULE_RANGES.items():
        if key not in rule:
            continue
        item = rule[key]
        if isinstance(item, bool) or not isinstance(item, int) or not low <= item <= high:
            raise invalid(code, f"recurring_rule.{key} = {clip(repr(item))} is not allowed.", name)
    return rule


def clip(text: str, limit: int = 40) -> str:
    """Enough of a bad value to recognise it; a message is no place for a 400-digit number."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
