"""What the meeting endpoints return, parsed defensively into frozen values. Pure.

A success body that is not what the endpoint documents raises ``MalformedResponse``; the
client turns it into an ``ApiError`` (code ``MALFORMED_SUCCESS``) with the endpoint and
trace id, so a surprise from the server never surfaces as a KeyError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from worker.exceptions import MalformedResponse


@dataclass(frozen=True)
class SubMeeting:
    """One occurrence of a recurring meeting, as ``sub_meetings`` lists it."""

    sub_meeting_id: str | None = None
    start_time: datetime | None = None  # aware, UTC
    end_time: datetime | None = None  # aware, UTC


@dataclass(frozen=True)
class MeetingInfo:
    """One meeting as the API describes it. Fields the answer leaves out are None.

    For a series (``meeting_type`` 1) the API's ``start_time``/``end_time`` may be those of
    the occurrence in progress or next, not of the first: ``sub_meetings`` holds them all.
    """

    meeting_id: str
    meeting_code: str | None = None
    join_url: str | None = None
    subject: str | None = None
    start_time: datetime | None = None  # aware, UTC
    end_time: datetime | None = None  # aware, UTC
    status: str | None = None  # MEETING_STATE_INIT, …_STARTED, …_CANCELLED, …
    creator_userid: str | None = None
    meeting_type: int | None = None  # 0 normal, 1 recurring
    sub_meetings: tuple[SubMeeting, ...] = ()
    # Userids of the request's hosts and invitees that the API did not apply, as they are
    # no registered users of the account.
    user_non_registered: tuple[str, ...] = ()
    # Whether joining takes a password: ``password`` is set, or ``need_password`` (what a
    # querier other than the creator is told instead). Never the password itself.
    has_password: bool = False


@dataclass(frozen=True)
class MeetingPage:
    """One page of ``GET /v1/meetings`` (a user's upcoming and running meetings)."""

    meetings: tuple[MeetingInfo, ...]
    remaining: int
    next_pos: int | None = None
    next_cursory: int | None = None


def _object(value: object, what: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"{what} is {type(value).__name__}, not a JSON object")
    return value


def _optional_str(item: Mapping[str, object], key: str) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MalformedResponse(f"{key} is {type(value).__name__}, not text")
    return str(value)


def _optional_int(item: Mapping[str, object], key: str) -> int | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise MalformedResponse(f"{key} is a boolean, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise MalformedResponse(f"{key} = {value!r} is not a whole number")


def _time(item: Mapping[str, object], key: str) -> datetime | None:
    seconds = _optional_int(item, key)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedResponse(f"{key} = {seconds} is not a usable time") from None


def parse_meeting(
    value: object, *, queried_userid: str | None = None, meeting_id: str | None = None
) -> MeetingInfo:
    """One entry of ``meeting_info_list``.

    ``meeting_id`` fills in an answer that omits it (update answers may); ``queried_userid``
    is the creator when the answer says the querying user's role is ``creator``.
    """
    item = _object(value, "meeting entry")
    found_id = _optional_str(item, "meeting_id") or meeting_id
    if not found_id:
        raise MalformedResponse("meeting entry has no meeting_id")
    creator = _optional_str(item, "creator_userid")
    if creator is None and item.get("join_meeting_role") == "creator":
        creator = queried_userid
    return MeetingInfo(
        meeting_id=found_id,
        meeting_code=_optional_str(item, "meeting_code"),
        join_url=_optional_str(item, "join_url"),
        subject=_optional_str(item, "subject"),
        start_time=_time(item, "start_time"),
        end_time=_time(item, "end_time"),
        status=_optional_str(item, "status"),
        creator_userid=creator,
        meeting_type=_optional_int(item, "meeting_type"),
        sub_meetings=_sub_meetings(item),
        user_non_registered=_userids(item.get("user_non_registered")),
        has_password=bool(item.get("password")) or item.get("need_password") is True,
    )


def _sub_meetings(item: Mapping[str, object]) -> tuple[SubMeeting, ...]:
    entries = item.get("sub_meetings")
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise MalformedResponse("sub_meetings is not a list")
    out = []
    for entry in entries:
        sub = _object(entry, "sub_meetings entry")
        out.append(
            SubMeeting(
                sub_meeting_id=_optional_str(sub, "sub_meeting_id"),
                start_time=_time(sub, "start_time"),
                end_time=_time(sub, "end_time"),
            )
        )
    return tuple(out)


def _userids(value: object) -> tuple[str, ...]:
    """The userids of a list the API names people in (strings, or ``{"userid": ...}``),
    each once. Leniently: it only informs, and a surprise in it must not turn a meeting
    that was made into a malformed answer, so anything else in it is left out."""
    if not isinstance(value, list):
        return ()
    found: dict[str, None] = {}
    for entry in value:
        userid = entry.get("userid") if isinstance(entry, Mapping) else entry
        if isinstance(userid, str) and userid:
            found.setdefault(userid, None)
    return tuple(found)


def _meeting_list(body: Mapping[str, object], *, queried_userid: str) -> tuple[MeetingInfo, ...]:
    entries = body.get("meeting_info_list")
    if entries is None:  # a user without upcoming meetings
        return ()
    if not isinstance(entries, list):
        raise MalformedResponse("meeting_info_list is not a list")
    return tuple(parse_meeting(e, queried_userid=queried_userid) for e in entries)


def parse_first_meeting(doc: object, *, meeting_id: str | None = None) -> MeetingInfo:
    """``meeting_info_list[0]`` of a create, update or get answer."""
    body = _object(doc, "response body")
    entries = body.get("meeting_info_list")
    if not isinstance(entries, list) or not entries:
        raise MalformedResponse("response has no meeting_info_list entry")
    return parse_meeting(entries[0], meeting_id=meeting_id)


def parse_page(doc: object, *, userid: str) -> MeetingPage:
    """One page of a user's meeting list; a missing ``remaining`` means none remain."""
    body = _object(doc, "response body")
    meetings = _meeting_list(body, queried_userid=userid)
    remaining = _optional_int(body, "remaining") or 0
    if remaining < 0:
        raise MalformedResponse(f"remaining = {remaining} is negative")
    return MeetingPage(
        meetings=meetings,
        remaining=remaining,
        next_pos=_optional_int(body, "next_pos"),
        next_cursory=_optional_int(body, "next_cursory"),
    )
