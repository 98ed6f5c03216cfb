"""The meeting settings an update sends: the row's own, and every setting the worker manages
back at its documented default where the row does not set it. Pure.

The worker keeps no record of what it sent before, so it cannot tell a setting the calendar
removed from one it never set: an update therefore always sends every managed setting. The
defaults are the ones the official SDK's models document for ``PUT /v1/meetings/{id}`` and
``POST /v1/meetings`` (``V1MeetingsMeetingIdPutRequestSettings``,
``V1MeetingsPostRequestSettings``). Keys the worker does not manage are sent as the row
gives them and are not reset when the row drops them: nothing says what they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from worker.wemeet.frozen import FrozenJson, PlainJson, thaw_json

__all__ = ["DEFAULTS", "NO_DEFAULT", "PRECEDENCES", "Precedence", "for_update", "not_reset"]

DEFAULTS: Mapping[str, bool | int] = MappingProxyType(
    {
        "allow_in_before_host": True,  # "默认值为 true"
        "allow_unmute_self": True,  # "默认值为 true"
        "auto_in_waiting_room": False,  # "默认值为 false"
        "allow_screen_shared_watermark": False,  # "默认值为 false"
        "mute_enable_join": True,  # create model: "默认值为 true"
        "mute_enable_type_join": 2,  # "默认值为2" (mute once more than 6 have joined)
        "only_enterprise_user_allowed": False,  # "默认值为 false" (everyone may join)
        # No default of its own is documented: 1 ("all may join") is what the documented
        # default of only_enterprise_user_allowed above says.
        "only_user_join_type": 1,
    }
)

# Documented values but no documented default: the enterprise's account settings decide
# automatic recording and may lock it ("当企业强制锁定后，该参数必须与企业配置保持一致"), so any
# value sent in its place could be refused, and none is the default. The meeting keeps it.
NO_DEFAULT = ("auto_record_type",)


@dataclass(frozen=True)
class Precedence:
    """One setting with two keys, where ``typed`` wins when both are sent ("当同时传入 …
    时，将以 … 为准"). Sending the flag alone would leave a ``typed`` value sent earlier in
    force, so the typed key is always sent too: the row's own, or the flag translated."""

    flag: str
    typed: str
    typed_for_flag: Mapping[bool, int]


PRECEDENCES = (
    # mute_enable_type_join: 0 off, 1 on, 2 once more than 6 have joined.
    Precedence("mute_enable_join", "mute_enable_type_join", MappingProxyType({True: 1, False: 0})),
    # only_user_join_type: 1 everyone, 2 invitees only, 3 the enterprise only.
    Precedence(
        "only_enterprise_user_allowed", "only_user_join_type", MappingProxyType({True: 3, False: 1})
    ),
)


def for_update(settings: Mapping[str, FrozenJson] | None) -> dict[str, PlainJson]:
    """The ``settings`` object of an update: the defaults, overlaid with the row's own."""
    given = {key: thaw_json(value) for key, value in (settings or {}).items()}
    body: dict[str, PlainJson] = {**DEFAULTS, **given}
    for pair in PRECEDENCES:
        flag = given.get(pair.flag)
        if pair.typed not in given and isinstance(flag, bool):
            body[pair.typed] = pair.typed_for_flag[flag]
    return body


def not_reset(settings: Mapping[str, FrozenJson] | None) -> tuple[str, ...]:
    """The settings with no default that the row does not set: an update cannot clear them."""
    return tuple(key for key in NO_DEFAULT if key not in (settings or {}))
