"""The TRTC error catalogue: what each ``ErrorCode`` means for a sync worker (spec §4,
seed 003's table). One table of data read by pure lookups, as for Tencent Meeting.

Read from the wording, as the first provider's catalogue is:
- a code naming the App, the administrator, the UserSig, the URL or the package (every
  call would fail the same way) is configuration: the circuit opens with a diagnosis;
- a frequency limit is a rate window; the trial's daily quota (60028) parks until the
  next day; a timeout is transient;
- a code naming the request or the room is row-permanent;
- where the desired state already holds (a create of a RoomId that exists, a destroy of
  one that does not), the code is done for that operation.
Unknown codes are row-permanent: retrying an error nobody has seen from every worker
would only burn quota.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError

# Client-side codes (never sent by the server, whose codes are all positive).
NO_ENVELOPE = 0
"""An answer that is not the JSON envelope (a 5xx page, a proxy's error): transient."""
UNEXPECTED_STATUS = -1
"""A non-200 answer with no envelope that is no server failure: wrong base_url or a proxy."""
MALFORMED_SUCCESS = -2
"""ErrorCode 0 with a payload that is not what the command returns. A create may have
happened (harmless here: the RoomId makes the retry idempotent)."""

ROOM_EXISTS, ROOM_MISSING, ROOM_YOURS, CREATED_TOO_FAST = 100003, 100004, 100010, 100012


class Pause(StrEnum):
    """What a rate-window or quota error pauses (``worker.trtc.quota``)."""

    API = "api"  # this command for the SDKAppID (200 calls/s)
    APP = "app"  # every command of the SDKAppID
    APP_DAY = "app_day"  # every command, until the next day (trial quota)
    CREATE_SECOND = "create_second"  # create_room, for the rest of the second


@dataclass(frozen=True)
class TrtcError:
    code: int
    text: str
    kind: ErrorKind
    pause: Pause | None = None
    by_operation: Mapping[str, ErrorKind] = field(default_factory=lambda: MappingProxyType({}))

    def kind_for(self, operation: str) -> ErrorKind:
        return self.by_operation.get(operation, self.kind)


_T, _R, _Q = ErrorKind.TRANSIENT, ErrorKind.RATE_WINDOW, ErrorKind.QUOTA_EXHAUSTED
_C, _P, _D, _SAT = (
    ErrorKind.CONFIGURATION,
    ErrorKind.ROW_PERMANENT,
    ErrorKind.DONE,
    ErrorKind.SATURATED,
)
E = TrtcError

_TABLE: tuple[TrtcError, ...] = (
    E(NO_ENVELOPE, "HTTP failure without an envelope (client-side)", _T),
    E(UNEXPECTED_STATUS, "unexpected HTTP status without an envelope (client-side)", _C),
    E(MALFORMED_SUCCESS, "success envelope with a malformed payload (client-side)", _T),
    # Seed 003's table.
    E(60002, "HTTP parsing error, please check the HTTP request URL format.", _P),
    E(60003, "HTTP request JSON parsing error, please check the JSON format.", _P),
    E(60004, "Request URL or JSON payload contains an incorrect account or signature.", _C),
    E(60005, "Request URL or JSON payload contains an incorrect account or signature.", _C),
    E(60006, "SDKAppID invalid, please verify the validity of SDKAppID.", _C),
    E(60007, "RESTful API invocation frequency exceeds its limit.", _R, Pause.API),
    E(60008, "Service request timed out or HTTP request format is incorrect.", _T),
    E(60009, "Request Resource Error, please check the request URL.", _C),
    E(60010, "The request requires App administrator privileges.", _C),
    E(60011, "SDKAppID request frequency exceeds the limit.", _R, Pause.APP),
    E(60012, "RESTful API requires SDKAppID, please check the SDKAppID in the URL.", _C),
    E(60013, "HTTP response package JSON parsing error.", _T),
    E(60014, "Account Replacement timed out.", _T),
    E(60015, "The request body has the wrong account type (must be a string).", _P),
    E(60016, "SDKAppID is disabled.", _C),
    E(60017, "The request is disabled.", _C),
    E(60018, "The request is too frequent, please try again later.", _R, Pause.API),
    E(60019, "The request is too frequent, please try again later.", _R, Pause.API),
    E(60020, "Your Professional Edition package has expired and been deactivated.", _C),
    E(60021, "The Call Source IP for RestAPI is illegal.", _C),
    # Spec §1 and §4, beyond the seed's table.
    E(60025, "The request cannot be served for this App.", _P),
    E(60026, "The SDKAppID does not belong to this region's domain.", _C),
    E(60027, "The request cannot be served for this App.", _P),
    E(60028, "The trial edition's daily quota is used up.", _Q, Pause.APP_DAY),
    # UserSig (spec §2): the administrator's credentials, so every call fails alike.
    E(70001, "UserSig expired.", _C),
    E(70003, "UserSig invalid.", _C),
    E(70005, "UserSig invalid.", _C),
    E(70009, "UserSig HMAC mismatch (wrong key).", _C),
    E(70013, "UserSig identifier mismatch.", _C),
    E(70014, "UserSig SDKAppID mismatch.", _C),
    # Room codes (spec §4).
    E(100001, "Internal error of the room service.", _T),
    E(100002, "Bad parameter.", _P),
    E(ROOM_EXISTS, "The RoomId exists.", _P, by_operation=MappingProxyType({"create": _D})),
    E(
        ROOM_MISSING,
        "The room does not exist.",
        _P,
        by_operation=MappingProxyType({"cancel": _D}),
    ),
    E(100006, "No permission for this room.", _P),
    E(100007, "No paid package for rooms.", _C),
    E(
        ROOM_YOURS,
        "The RoomId is already yours.",
        _P,
        by_operation=MappingProxyType({"create": _D}),
    ),
    E(
        CREATED_TOO_FAST,
        "The RoomId was created too fast; retry after a second.",
        _R,
        Pause.CREATE_SECOND,
    ),
    E(100013, "Over the paid package's limit of rooms.", _SAT),
    E(100015, "Bad room type.", _P),
    E(100026, "Sensitive content.", _P),
)

CATALOGUE: Mapping[int, TrtcError] = MappingProxyType({e.code: e for e in _TABLE})

_CAUSES: Mapping[int, str] = MappingProxyType(
    {
        60004: "trtc.admin is not the App's administrator account, or its UserSig was made "
        "with another key: check trtc.admin and trtc.key against the console",
        60005: "as for 60004: check trtc.admin and trtc.key",
        60006: "trtc.sdkappid is not an App's SDKAppID",
        60009: "trtc.base_url is not a REST API domain (https://console.tim.qq.com, or the "
        "App's regional adminapi*.im.qcloud.com host)",
        60010: "trtc.admin is not an App administrator account (console: App administrator)",
        60012: "the request carried no SDKAppID: set trtc.sdkappid",
        60016: "the App is disabled in the console",
        60017: "the App may not call this API",
        60020: "the App's package has expired: renew it",
        60021: "this host's address is not on the App's REST API IP allow-list",
        60026: "trtc.base_url is another region's domain than the App's: use the App's region",
        70001: "the UserSig has expired: this host's clock is far off, or "
        "trtc.usersig_ttl_seconds is too short",
        70003: "the UserSig does not decode: check trtc.key",
        70005: "the UserSig does not decode: check trtc.key",
        70009: "trtc.key is not the App's SecretKey (the UserSig's HMAC does not match)",
        70013: "the UserSig was made for another account than trtc.admin",
        70014: "the UserSig was made for another SDKAppID than trtc.sdkappid",
        100007: "the App has no room (TUIRoomKit) package",
        UNEXPECTED_STATUS: "trtc.base_url does not lead to the REST API (a proxy or a wrong "
        "host answers)",
    }
)


def describe(code: int) -> TrtcError:
    return CATALOGUE.get(code) or TrtcError(code, f"unknown TRTC error {code}", _P)


def classify(code: int, operation: str) -> ErrorKind:
    return describe(code).kind_for(operation)


def classify_error(exc: ApiError, operation: str) -> ErrorKind:
    return classify(exc.error_code, operation)


def diagnose(code: int) -> str:
    """Likely causes of a configuration error, for an administrator. Never a secret."""
    head = f"TRTC error {code}: {describe(code).text}"
    cause = _CAUSES.get(code)
    return f"{head} Likely cause: {cause}." if cause else head


def row_message(code: int, operation: str, server_message: str) -> str:
    """The text a failed row keeps: the server's words, and what they mean here."""
    entry = describe(code)
    text = server_message or entry.text
    if server_message and entry.text not in server_message:
        text = f"{server_message} ({entry.text})"
    if code == ROOM_MISSING and operation == "update":
        text += " — the room was destroyed in TRTC. Clear meeting_id to create it again."
    if code == 100026:
        text += " — change the subject (RoomName)."
    return text
