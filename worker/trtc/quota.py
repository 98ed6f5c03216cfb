"""Which TRTC quotas a call spends, and which one a rate or quota error pauses. Pure.

The limit is 200 calls a second per API per SDKAppID (spec §1): one ledger scope per
command, ``trtc_api:{sdkappid}:{command}``, beside the SDKAppID's own scope (no limit of its
own; what 60011 and 60028 pause). An operation of the core reserves one call of every
command it may send, all together: an update may be a rename (update_room_info) or a
reschedule (create_room, get_room_info when the room exists already, destroy_room).
"""

from __future__ import annotations

from dataclasses import dataclass

from worker.quota.rates import Period, Rate, parse_period, parse_rate
from worker.quota.scopes import PauseTarget, Scope
from worker.trtc.errors import Pause, describe

DEFAULT_API_RATE = (parse_rate("200/1s"),)
SECOND = parse_period("1s")
DAY = parse_period("1d")

COMMANDS_OF: dict[str, tuple[str, ...]] = {
    "create": ("create_room", "get_room_info"),
    "update": ("update_room_info", "create_room", "get_room_info", "destroy_room"),
    "cancel": ("destroy_room",),
    "get": ("get_room_info",),
    "list": ("get_room_info",),
}


@dataclass(frozen=True)
class TrtcQuotas:
    sdkappid: int
    api: tuple[Rate, ...] = DEFAULT_API_RATE

    def app_key(self) -> str:
        return f"trtc:{self.sdkappid}"

    def api_key(self, command: str) -> str:
        return f"trtc_api:{self.sdkappid}:{command}"


def scopes_for(operation: str, quotas: TrtcQuotas) -> tuple[Scope, ...]:
    commands = COMMANDS_OF[operation]
    return (
        Scope(quotas.app_key(), ()),
        *(Scope(quotas.api_key(c), quotas.api) for c in commands),
    )


def pause_target(error_code: int, operation: str, quotas: TrtcQuotas) -> PauseTarget | None:
    pause = describe(error_code).pause
    if pause is None:
        return None
    if pause is Pause.APP:
        return PauseTarget(quotas.app_key(), _shortest(quotas))
    if pause is Pause.APP_DAY:
        # The trial's calls per day: nothing goes out before the next day.
        return PauseTarget(quotas.app_key(), DAY)
    if pause is Pause.CREATE_SECOND:
        # The same RoomId once a second: creates wait out the second (and the ledger's
        # boundary slack, 2 s by default), so the retry comes at least a second later.
        return PauseTarget(quotas.api_key("create_room"), SECOND)
    # The command this operation sends first is the one the server counts.
    return PauseTarget(quotas.api_key(COMMANDS_OF[operation][0]), _shortest(quotas))


def _shortest(quotas: TrtcQuotas) -> Period:
    periods = sorted((r.period for r in quotas.api), key=lambda p: p.approx_seconds)
    return periods[0] if periods else SECOND
