"""The meeting to send: an immutable, validated request model and its request bodies. Pure.

A ``MeetingSpec`` that exists is one the API can accept as far as we can tell locally:
construction raises ``InvalidMeeting`` with a stable local code (``LOCAL_ERRORS``) before
anything is sent, so a bad row costs no quota and fails with a message its owner can act on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from worker.wemeet import checks, clearing
from worker.wemeet import settings as meeting_settings
from worker.wemeet.checks import MAX_INVITEES, MAX_SUBJECT_BYTES, invalid
from worker.wemeet.frozen import FrozenJson, PlainJson, thaw_json
from worker.wemeet.local_errors import LOCAL_ERRORS

__all__ = [
    "INSTANCE_ID",
    "LOCAL_ERRORS",
    "MAX_INVITEES",
    "MAX_SUBJECT_BYTES",
    "MeetingSpec",
    "cancel_body",
    "create_body",
    "encode_body",
    "update_body",
]

# The caller's device type; the API wants one, and 1 (PC) is what the official SDK uses.
INSTANCE_ID = 1


@dataclass(frozen=True)
class MeetingSpec:
    """One scheduled meeting as the API will receive it.

    ``start``/``end`` must be timezone-aware; they are kept in UTC and truncated to whole
    seconds (the API's resolution), so a meeting read back compares equal. ``hosts`` and
    ``invitees`` are tuples of userids (``{"userid": ...}`` objects are accepted too);
    ``settings`` and ``recurring_rule`` are stored as read-only JSON-like mappings, and an
    empty one counts as none.
    """

    userid: str
    subject: str
    start: datetime
    end: datetime
    time_zone: str | None = None
    password: str | None = field(default=None, repr=False)
    location: str | None = None
    hosts: tuple[str, ...] = ()
    invitees: tuple[str, ...] = ()
    settings: Mapping[str, FrozenJson] | None = field(default=None, hash=False)
    recurring_rule: Mapping[str, FrozenJson] | None = field(default=None, hash=False)

    def __post_init__(self) -> None:
        put = object.__setattr__  # frozen: normalised values are stored once, here
        put(self, "userid", checks.text(self.userid, "userid", required="local.userid_missing"))
        put(self, "subject", checks.subject(self.subject))
        put(self, "start", checks.instant(self.start, "start_time"))
        put(self, "end", checks.instant(self.end, "end_time"))
        if self.end <= self.start:
            raise invalid(
                "local.end_not_after_start",
                f"end_time {self.end.isoformat()} is not after start_time "
                f"{self.start.isoformat()}.",
                "end_time",
            )
        put(self, "time_zone", checks.time_zone(self.time_zone))
        put(self, "password", checks.password(self.password))
        put(self, "location", checks.location(self.location))
        put(self, "hosts", checks.userids(self.hosts, "hosts", "local.bad_hosts"))
        put(self, "invitees", checks.userids(self.invitees, "invitees", "local.bad_invitees"))
        put(self, "settings", checks.settings(self.settings))
        put(self, "recurring_rule", checks.recurring_rule(self.recurring_rule))

    @classmethod
    def from_values(
        cls,
        *,
        userid: object,
        subject: object,
        start: object,
        end: object,
        time_zone: object = None,
        password: object = None,
        location: object = None,
        hosts: object = None,
        invitees: object = None,
        settings: object = None,
        recurring_rule: object = None,
    ) -> MeetingSpec:
        """Build from loosely typed values (e.g. a database row): every value is checked
        at run time, so anything unusable raises ``InvalidMeeting``, never TypeError."""
        return cls(
            userid=cast(str, userid),
            subject=cast(str, subject),
            start=cast(datetime, start),
            end=cast(datetime, end),
            time_zone=cast("str | None", time_zone),
            password=cast("str | None", password),
            location=cast("str | None", location),
            hosts=cast("tuple[str, ...]", hosts),
            invitees=cast("tuple[str, ...]", invitees),
            settings=cast("Mapping[str, FrozenJson] | None", settings),
            recurring_rule=cast("Mapping[str, FrozenJson] | None", recurring_rule),
        )

    @property
    def owner(self) -> str:
        """The creator: whose quota the meeting spends and who may change it."""
        return self.userid

    @property
    def meeting_type(self) -> int:
        """1 for a recurring meeting, 0 for a normal one."""
        return 1 if self.recurring_rule else 0

    @property
    def uncleared(self) -> tuple[str, ...]:
        """The fields this meeting leaves empty that an update cannot clear on the API's
        side: the meeting keeps what it had for them (``worker.wemeet.clearing``)."""
        return clearing.uncleared(self.time_zone, self.settings)


def _seconds(moment: datetime) -> str:
    # Times travel as strings of Unix seconds in create/update bodies.
    return str(int(moment.timestamp()))


def _content(spec: MeetingSpec) -> dict[str, PlainJson]:
    """The fields create and update share, leaving out what the row leaves empty."""
    body: dict[str, PlainJson] = {
        "subject": spec.subject,
        "start_time": _seconds(spec.start),
        "end_time": _seconds(spec.end),
    }
    optional: dict[str, PlainJson] = {
        "password": spec.password,
        "time_zone": spec.time_zone,
        "location": spec.location,
        "hosts": [{"userid": u} for u in spec.hosts] or None,
        "invitees": [{"userid": u} for u in spec.invitees] or None,
        "settings": thaw_json(spec.settings) if spec.settings else None,
        "recurring_rule": thaw_json(spec.recurring_rule) if spec.recurring_rule else None,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


def create_body(spec: MeetingSpec) -> dict[str, PlainJson]:
    """Body of ``POST /v1/meetings`` (a scheduled meeting, type 0)."""
    body: dict[str, PlainJson] = {"userid": spec.userid, "instanceid": INSTANCE_ID, "type": 0}
    body.update(_content(spec))
    if spec.meeting_type:
        body["meeting_type"] = spec.meeting_type
    return body


def update_body(spec: MeetingSpec) -> dict[str, PlainJson]:
    """Body of ``PUT /v1/meetings/{id}``: the meeting's whole calendar-owned state.

    The API keeps every field an update leaves out, and the worker keeps no record of what
    it sent before, so every field goes out: the row's value, or the field's clearing form
    where the row leaves it empty (``worker.wemeet.clearing``), and every managed setting,
    at its default where the row does not set it (``worker.wemeet.settings``). An empty
    ``time_zone`` has no clearing form and stays out (``MeetingSpec.uncleared``).

    ``meeting_type`` is always sent: a recurring meeting updated without ``meeting_type: 1``
    silently becomes a normal one, and a row that dropped its rule should do just that.
    """
    body: dict[str, PlainJson] = {"userid": spec.userid, "instanceid": INSTANCE_ID}
    body.update(clearing.clearing_forms())
    body.update(_content(spec))
    body["settings"] = meeting_settings.for_update(spec.settings)
    body["meeting_type"] = spec.meeting_type
    return body


def cancel_body(
    userid: str,
    reason_code: int = 1,
    *,
    reason_detail: str | None = None,
    recurring: bool = False,
) -> dict[str, PlainJson]:
    """Body of ``POST /v1/meetings/{id}/cancel``; ``recurring`` for a whole series.

    A series is cancelled with ``meeting_type: 1``: the official CLI sends it to cancel the
    whole series and calls 0 (the default) "a normal meeting or a single sub-meeting", so
    without it a series may lose only one occurrence and stay live. A normal meeting's
    body leaves it at the documented default.
    """
    body: dict[str, PlainJson] = {
        "userid": checks.text(userid, "userid", required="local.userid_missing"),
        "instanceid": INSTANCE_ID,
        "reason_code": reason_code,
    }
    if recurring:
        body["meeting_type"] = 1
    if reason_detail:
        body["reason_detail"] = checks.text(reason_detail, "reason_detail")
    return body


def encode_body(obj: object) -> bytes:
    """The exact bytes that are signed and sent: compact JSON, sorted keys, UTF-8.

    Sorted compact JSON with ``ensure_ascii=False`` is what the official SDK sends (spec
    TV-2). Raises ``InvalidMeeting`` for text that is not valid UTF-8 or a non-JSON value.
    """
    try:
        text = json.dumps(
            obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
        )
        return text.encode("utf-8", errors="strict")
    except UnicodeEncodeError as exc:
        raise invalid(
            "local.not_utf8", f"the body has an invalid character ({exc.reason}).", None
        ) from None
    except (TypeError, ValueError) as exc:
        raise invalid("local.not_json", f"the body cannot be sent as JSON ({exc}).", None) from None
