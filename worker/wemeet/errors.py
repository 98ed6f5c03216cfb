"""The Tencent Meeting error catalogue: what every error code means for a sync worker.

One table of data (built from seed 002 and spec §4), read by pure lookups. The REST codes
(``error_code`` / ``new_error_code`` of API responses) and the OAuth token-endpoint codes are
separate namespaces, so they are two mappings.

Unknown codes are ``row_permanent``: an error nobody has seen before is more likely about the
request than about the weather, and retrying it from every worker would only burn quota
(a retry storm). A non-200 answer without a parsable error body is a different matter: the
client reports it with one of the client-side codes below (never sent by the server).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from worker.domain.kinds import ErrorKind
from worker.exceptions import ApiError
from worker.wemeet.diagnosis import configuration_causes


class QuotaScope(StrEnum):
    """The quota a rate-window or quota-exhausted error refers to (what to pause)."""

    APP_MINUTE = "app_minute"  # 300 calls/min per app (per user for OAuth apps)
    APP_DAY = "app_day"  # 200,000 calls/day per app
    INTERFACE_DAY = "interface_day"  # one interface (operation) per day (limit undocumented)
    ACCOUNT_MINUTE = "account_minute"  # account-level interfaces, 100/min
    QUERY = "query"  # meeting queries (get, list) too frequent (limit undocumented)
    USER_CREATE_HOUR = "user_create_hour"  # 2,000 creates/hour per user
    ACCOUNT_CREATE_MONTH = "account_create_month"  # the account's monthly create quota
    USER_CREATE_LEGACY = "user_create_legacy"  # a creator's creates: 100/day and 9/min


# Client-side codes (the server never sends these; positive codes are all the server's).
NO_ERROR_BODY = 0
"""A 5xx/408/429 answer without a parsable error body: a transient HTTP failure."""
UNEXPECTED_STATUS = -1
"""Another non-200 answer without a parsable error body: wrong base_url or a proxy in between."""
MALFORMED_SUCCESS = -2
"""HTTP 200 whose body is not what the endpoint returns. A create may have happened."""

USER_NOT_FOUND = 20001


@dataclass(frozen=True)
class ErrorEntry:
    code: int
    zh: str | None  # the seed's text; None when no seed lists the code
    en: str
    kind: ErrorKind
    scope: QuotaScope | None = None
    # Operations for which the code means something else, e.g. cancel → 9003 is done.
    by_operation: Mapping[str, ErrorKind] = field(default_factory=lambda: MappingProxyType({}))

    def kind_for(self, operation: str) -> ErrorKind:
        return self.by_operation.get(operation, self.kind)


_T, _R, _Q = ErrorKind.TRANSIENT, ErrorKind.RATE_WINDOW, ErrorKind.QUOTA_EXHAUSTED
_S, _C, _P = ErrorKind.RESIGN, ErrorKind.CONFIGURATION, ErrorKind.ROW_PERMANENT
_CANCEL_DONE = MappingProxyType({"cancel": ErrorKind.DONE})

# Each kind is read from the seed's wording (seed 002), not from the HTTP status:
# - a code that names something about the request or the row (a parameter, a user, a
#   permission, a word) is row_permanent: the same request would fail again;
# - a code that names the app, the account or the way we sign and send is configuration:
#   every request would fail, so the circuit opens instead of failing rows one by one;
# - a code that says something failed without naming a cause in the request is transient;
# - a limit is a rate_window (its window turns soon) or quota_exhausted (it resets at a
#   stated time), paused at the scope its wording names (worker/wemeet/quota.py);
# - a limit that frees with time and with no window or reset to wait for is saturated.
_REST: tuple[ErrorEntry, ...] = (
    ErrorEntry(NO_ERROR_BODY, None, "HTTP failure without an error body (client-side)", _T),
    ErrorEntry(UNEXPECTED_STATUS, None, "unexpected HTTP status without an error body", _C),
    ErrorEntry(MALFORMED_SUCCESS, None, "success status with a malformed body (client-side)", _T),
    ErrorEntry(41, None, "server busy (not in the published table)", _T),
    ErrorEntry(5108, None, "internal server error (not in the published table)", _T),
    ErrorEntry(4051, "录制文件已经被删除。", "Recording file already deleted.", _P),
    ErrorEntry(9002, "获取 TinyId 错误或者 meetingId 错误。", "Bad TinyId or meeting_id.", _P),
    ErrorEntry(9003, "会议不存在。", "Meeting does not exist.", _P, by_operation=_CANCEL_DONE),
    # "At most 100 creates a day and 9 a minute": the creator's creates wait for the next
    # minute, or for the day's reset once the day's figure is reached or the retry after
    # the minute is refused again (worker/wemeet/quota.py). Other users' creates go on.
    ErrorEntry(
        9008,
        "创建会议数量超过限制。单日最多创建会议数100个,每分钟最多创建会议数9个。",
        "Meeting-creation limit exceeded (at most 100 per day, 9 per minute).",
        _Q,
        QuotaScope.USER_CREATE_LEGACY,
    ),
    ErrorEntry(9042, "无权限操作。", "No permission for this operation.", _P),
    # "Querying meetings too often": only the queries (get, list) pause; creates, updates
    # and cancels are no queries and go on.
    ErrorEntry(
        9061,
        "查询会议过于频繁,超过限频次数。",
        "Meeting queries too frequent.",
        _R,
        QuotaScope.QUERY,
    ),
    ErrorEntry(9093, "会议主题(subject)包含敏感词。", "Subject contains a sensitive word.", _P),
    # "Too many concurrent meetings": no fault of the row, and no window to wait for; it
    # frees when other meetings of the account end or are cancelled: a long back-off.
    ErrorEntry(
        9098, "会议并发数量超过限制。", "Too many concurrent meetings.", ErrorKind.SATURATED
    ),
    ErrorEntry(9099, "无权限进入预定会议。", "No permission to enter the scheduled meeting.", _P),
    ErrorEntry(9100, "无权限预定会议。", "No permission to schedule meetings.", _P),
    ErrorEntry(9101, "无权限加入会议。", "No permission to join the meeting.", _P),
    ErrorEntry(9102, "无权限修改会议。", "No permission to modify the meeting.", _P),
    ErrorEntry(
        9103, "暂不支持将 rooms 移入等候室。", "Rooms cannot be moved to the waiting room.", _P
    ),
    ErrorEntry(9104, "无法停止该设备视频。", "Cannot stop this device's video.", _P),
    # "Unknown error type": nothing named in the request, so transient (bounded by attempts).
    ErrorEntry(10000, "用户管理 API 调用未知错误类型。", "User-management API: unknown error.", _T),
    ErrorEntry(10001, "用户管理 API 调用参数错误。", "User-management API: bad parameter.", _P),
    ErrorEntry(10005, "app-version 被禁用。", "This app-version is disabled.", _C),
    ErrorEntry(20001, "用户不存在。", "User does not exist.", _P),
    ErrorEntry(20002, "用户已存在。", "User already exists.", _P),
    ErrorEntry(20003, "用户不可用。", "User is not available.", _P),
    ErrorEntry(20004, "不允许删除超级管理员。", "The super administrator cannot be deleted.", _P),
    ErrorEntry(
        20006, "修改的时间段内存在会议室被占用。", "A meeting room is taken in that period.", _P
    ),
    ErrorEntry(40000, "手机号码不合法。", "Invalid phone number.", _P),
    ErrorEntry(41001, "邮箱地址不合法。", "Invalid e-mail address.", _P),
    ErrorEntry(41002, "邮箱已被使用。", "E-mail address already in use.", _P),
    ErrorEntry(41003, "手机号码已存在。", "Phone number already exists.", _P),
    ErrorEntry(50000, "企业 ID 不合法。", "Invalid enterprise id (AppId).", _C),
    ErrorEntry(50001, "企业不可用。", "Enterprise is not available.", _C),
    ErrorEntry(
        156009,
        "场景:创建用户接口返回“人数超出上限错误”。"
        "用户申请到的免费 secretId 可以创建的账户数量最大值为99,"
        "当创建企业用户超出购买的账户数上限后会遇到该错误,返回显示如下错误信息:"
        '{"error_info":{"error_code":156009,"message":"人数超出上限"}}。'
        "遇到该错误提示,请使用腾讯会议 在线支持 升级您所购买的用户数量许可。"
        "升级用户数量许可后,再次尝试,不超出购买上限,则错误不会出现。",
        "User count exceeds the purchased licence limit.",
        _P,
    ),
    ErrorEntry(190001, "用户未创建,请参见 创建用户。", "User has not been created.", _P),
    ErrorEntry(190004, "请求参数错误。", "Bad request parameter.", _P),
    ErrorEntry(
        190300,
        "API 请求头里的时间戳参数 X-TC-Timestamp 取值与服务器当前时间差距超过5分钟,视为非法请求。",
        "X-TC-Timestamp is more than 5 minutes from the server's time.",
        _S,
    ),
    ErrorEntry(
        190301,
        "请求重放错误,请求头里的 X-TC-Timestamp 和 X-TC-Nonce 每次请求时需重新生成,"
        "不能使用和过去五分钟内相同的 timestamp 和 nonce。",
        "Replayed request: timestamp and nonce were seen within the last 5 minutes.",
        _S,
    ),
    ErrorEntry(
        190303,
        "JWT 校验:未认证的 secret 信息,请检查请求头公共参数里字段 AppId 和 X-TC-Key 内容是否正确。"
        "字段 SdkId 如未分配不要携带。"
        "OAuth 检验:请检查 OpenId 是否正确或 Access Token 是否正确或已过期。",
        "Unauthenticated: AppId / X-TC-Key unknown, or an SdkId sent that was never assigned.",
        _C,
    ),
    ErrorEntry(
        190310,
        "每分钟总接口调用次数超过限制。 注意:默认限制为1分钟内会议所有 API 调用不超过300次,"
        "账户级接口不超过100次。",
        "Per-minute call limit exceeded (300/min for all meeting APIs).",
        _R,
        QuotaScope.APP_MINUTE,
    ),
    ErrorEntry(
        190311, "每天总接口调用次数超过限制。", "Daily call limit exceeded.", _Q, QuotaScope.APP_DAY
    ),
    # "One interface's calls a day": only that operation (creates, updates, cancels, gets
    # or the reconciliation's list) waits for the day's reset; the others go on.
    ErrorEntry(
        190312,
        "每天单个接口调用次数超过限制。",
        "Daily limit of this interface exceeded.",
        _Q,
        QuotaScope.INTERFACE_DAY,
    ),
    ErrorEntry(
        190313,
        None,
        "Per-minute limit of account-level interfaces exceeded (100/min).",
        _R,
        QuotaScope.ACCOUNT_MINUTE,
    ),
    ErrorEntry(190315, "非会议创建者,无权限操作。", "Only the meeting's creator may do this.", _P),
    ErrorEntry(190316, "不存在直播的信息。", "No live-stream information.", _P),
    ErrorEntry(190317, "无开启直播。", "Live streaming is not enabled.", _P),
    # "Querying the details failed" and "changing the live settings failed" name no cause in
    # the request: the service's own failure, so transient, not the row's fault for ever.
    ErrorEntry(190318, "查询会议详情失败。", "Querying the meeting details failed.", _T),
    ErrorEntry(190319, "修改直播配置信息失败。", "Changing the live-stream settings failed.", _T),
    ErrorEntry(
        190325,
        "1. 请检查当前接口是否支持 OAuth 鉴权。"
        "2. 请确认当前用户的 scopes(权限作用域)是否包含当前请求接口的 scope(权限作用域)。",
        "The interface does not support OAuth, or the user's scopes do not include it.",
        _C,
    ),
    ErrorEntry(200001, "API 请求头缺失必填字段。", "A required request header is missing.", _C),
    ErrorEntry(200002, "API 请求重放判定。", "Request judged a replay.", _S),
    ErrorEntry(200003, "API 调用签名验证错误。", "Signature verification failed.", _C),
    ErrorEntry(200004, "不支持的 API 请求。", "Unsupported API request.", _C),
    # "The JSON string does not parse": the worker only sends JSON it has encoded and
    # checked (no NaN, UTF-8), so a body the API cannot parse is a fault of ours or of a
    # proxy that altered it, and would hit every row alike: configuration, with a diagnosis.
    ErrorEntry(200005, "JSON 串解析错误。", "The JSON body does not parse.", _C),
    ErrorEntry(200006, "API 请求参数出错。", "Bad API request parameter.", _P),
    ErrorEntry(
        204001, "用户数据已存在或用户数据错误。", "User data exists already or is wrong.", _P
    ),
    ErrorEntry(
        500029, None, "Creates per user per hour exceeded (2,000).", _Q, QuotaScope.USER_CREATE_HOUR
    ),
    ErrorEntry(
        500168,
        None,
        "The account's monthly create quota is used up.",
        _Q,
        QuotaScope.ACCOUNT_CREATE_MONTH,
    ),
    # A new_error_code: 190303 on an OAuth call means the access token is bad or expired;
    # refreshing the token (not a human) fixes it, so the call is retried with fresh credentials.
    ErrorEntry(200190303, None, "OAuth access token invalid or expired: refresh it.", _S),
)

# OAuth token endpoints. "configuration" here means a person must act (authorize the app
# again, fix the secret); the OAuth module decides whether that concerns one user or all.
_OAUTH: tuple[ErrorEntry, ...] = (
    ErrorEntry(0, "正常。", "OK.", ErrorKind.DONE),
    ErrorEntry(
        10, "参数错误,具体字段错误原因,详细见 message 字段。", "Bad parameter (see message).", _C
    ),
    ErrorEntry(20, "系统内部错误。", "Internal error.", _T),
    ErrorEntry(1001, "应用被封禁。", "The app is banned.", _C),
    ErrorEntry(1002, "授权码(auth_code)无效、过期。", "auth_code invalid or expired.", _C),
    ErrorEntry(1003, "应用密钥(secret)异常。", "The app secret is wrong.", _C),
    ErrorEntry(1004, "用户 ID(open_id)异常。", "The open_id is wrong.", _C),
    ErrorEntry(1005, "访问凭证(access_token)过期。", "access_token expired: refresh it.", _S),
    ErrorEntry(
        1006, "续约凭证(refresh_token)过期。", "refresh_token expired: authorize again.", _C
    ),
    ErrorEntry(
        999,
        "系统内部错误,具体字段错误原因,详细见 message 字段。",
        "Internal error (see message).",
        _T,
    ),
)

REST_ERRORS: Mapping[int, ErrorEntry] = MappingProxyType({e.code: e for e in _REST})
OAUTH_ERRORS: Mapping[int, ErrorEntry] = MappingProxyType({e.code: e for e in _OAUTH})


def describe(code: int) -> ErrorEntry:
    """The catalogue entry of a REST code; an unknown code gets a row-permanent entry."""
    entry = REST_ERRORS.get(code)
    if entry is None:
        return ErrorEntry(code, None, f"undocumented error code {code}", _P)
    return entry


def describe_oauth(code: int) -> ErrorEntry:
    """The entry of an OAuth token-endpoint code; unknown codes need a person (configuration)."""
    entry = OAUTH_ERRORS.get(code)
    if entry is None:
        return ErrorEntry(code, None, f"undocumented OAuth error code {code}", _C)
    return entry


def classify(error_code: int, operation: str, *, new_error_code: int | None = None) -> ErrorKind:
    """What ``error_code`` means for ``operation`` (one of OPERATIONS). Pure.

    A known ``new_error_code`` (e.g. 200190303, an expired OAuth token) is more specific
    than the ``error_code`` it refines, so it wins.
    """
    if new_error_code is not None and new_error_code in REST_ERRORS:
        return REST_ERRORS[new_error_code].kind_for(operation)
    return describe(error_code).kind_for(operation)


def classify_error(exc: ApiError, operation: str) -> ErrorKind:
    """``classify`` for an ApiError raised by the client."""
    return classify(exc.error_code, operation, new_error_code=exc.new_error_code)


def quota_scope(error_code: int) -> QuotaScope | None:
    """The quota to pause for a rate-window or quota-exhausted code, else None."""
    return describe(error_code).scope


def row_message(
    error_code: int, operation: str, server_message: str, *, userid: str | None = None
) -> str:
    """The text to write to a failed row: the server's words, plus what they mean here.

    ``userid`` is the row's creator, named where the error is about a user.
    """
    if error_code == 9003 and operation == "update":
        return (
            f"{server_message} — the meeting was deleted in Tencent Meeting. Clear meeting_id "
            "to create it again, or cancel the row."
        )
    entry = describe(error_code)
    text = server_message or entry.en
    if server_message and entry.en not in server_message:
        text = f"{server_message} ({entry.en})"
    if error_code == USER_NOT_FOUND:
        who = f"userid {userid!r}" if userid else "the row's userid"
        text += (
            f" — {who} (or a userid in hosts or invitees) is not a user of this Tencent "
            "Meeting account: set userid to the creator's Tencent Meeting userid."
        )
    return text


def diagnose_configuration(code: int) -> str:
    """Likely causes of a configuration error, for an administrator. Never holds a secret."""
    entry = describe(code)
    head = f"error {code}: {entry.en}"
    causes = configuration_causes(code)
    if not causes:
        return f"{head} Check the [wemeet] settings and the app's status in the Tencent console."
    return head + " Likely causes: " + " ".join(f"({i}) {c}" for i, c in enumerate(causes, 1))
