"""Sandbox settings: one frozen value, with documented demo credentials as defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.credentials import AppCredentials
from sandbox.limits import check_latency, check_rates, check_shift, finite
from sandbox.oauth import OAuthApp
from sandbox.trtc_settings import TrtcSettings
from sandbox.windows import Rate, parse_rate

# Documented demo credentials: anyone may use them against a local sandbox, nowhere else.
DEMO_APP_ID = "200000001"
DEMO_SECRET_ID = "demo-secret-id"
DEMO_SECRET_KEY = "demo-secret-key"
DEMO_CREDENTIALS = AppCredentials(
    app_id=DEMO_APP_ID, secret_id=DEMO_SECRET_ID, secret_key=DEMO_SECRET_KEY, sdk_id=None
)
DEFAULT_SENSITIVE_WORDS = ("敏感词",)
DEFAULT_QUOTA_TZ = "Asia/Shanghai"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765

# The real service's windows for timestamps and replays (spec §1).
TIMESTAMP_TOLERANCE_SECONDS = 300
REPLAY_WINDOW_SECONDS = 300
MINUTE_WINDOW_CODE = 190310
DAY_WINDOW_CODE = 190311


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a sandbox is started with. Faults can also change at run time."""

    app_id: str = DEMO_APP_ID
    sdk_id: str | None = None  # None: the app was never assigned one
    secret_id: str = DEMO_SECRET_ID
    secret_key: str = field(default=DEMO_SECRET_KEY, repr=False)
    # None accepts any userid; a tuple makes every other userid unknown (20001).
    users: tuple[str, ...] | None = None
    sensitive_words: tuple[str, ...] = DEFAULT_SENSITIVE_WORDS
    # False: the account's userids are no registered users, and a request that says
    # X-TC-Registered: 1 fails its signature check (200003), as seed 000 reports.
    registered_users: bool = True
    quotas: tuple[Rate, ...] = ()
    quota_tz: str = DEFAULT_QUOTA_TZ
    fail_rate: float = 0.0
    drop_response_rate: float = 0.0
    latency_ms: float = 0.0
    clock_offset_seconds: float = 0.0
    seed: int | None = None
    # The documented cancel answer is an empty 200; the official SDK parses every answer as
    # JSON and fails on an empty one, so "{}" is the default and this restores the letter.
    empty_cancel_body: bool = False
    # The request log keeps the most recent entries; the counters in stats stay exact.
    request_log_limit: int = 200_000
    # The TRTC room API (/v4/...): its SDKAppID, key and administrator.
    trtc: TrtcSettings = field(default_factory=TrtcSettings)
    # A third-party OAuth2.0 app, accepted next to AK/SK; None: OAuth is off.
    oauth: OAuthApp | None = None

    def __post_init__(self) -> None:
        for name in ("fail_rate", "drop_response_rate", "latency_ms", "clock_offset_seconds"):
            finite(getattr(self, name), name)
        check_rates(self.fail_rate, self.drop_response_rate)
        check_latency(self.latency_ms)
        check_shift(self.clock_offset_seconds, "clock_offset_seconds")
        if self.request_log_limit < 1:
            raise ValueError("request_log_limit must be at least 1")
        if not self.app_id or not self.secret_id or not self.secret_key:
            raise ValueError("app_id, secret_id and secret_key must not be empty")
        zone(self.quota_tz)
        # Tuples keep the value hashable and immutable even when lists were passed.
        object.__setattr__(self, "quotas", tuple(self.quotas))
        if not all(isinstance(rate, Rate) for rate in self.quotas):
            # Another package's rate type would fail on the first request, not here.
            raise TypeError("quotas must be sandbox.windows.Rate values (see parse_quotas)")
        object.__setattr__(self, "sensitive_words", tuple(self.sensitive_words))
        if self.users is not None:
            object.__setattr__(self, "users", tuple(self.users))

    @property
    def credentials(self) -> AppCredentials:
        """What a client needs to call this sandbox."""
        return AppCredentials(
            app_id=self.app_id,
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            sdk_id=self.sdk_id,
        )


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; a ValueError (not a KeyError) when it does not exist."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def quota_code(rate: Rate) -> int:
    """The error the real service answers when ``rate`` is exceeded: 190310 for windows
    shorter than a day, 190311 for a day or longer, unless the rate names its own code."""
    if rate.code is not None:
        return rate.code
    return DAY_WINDOW_CODE if rate.at_least_a_day else MINUTE_WINDOW_CODE


def parse_quotas(texts: list[str] | tuple[str, ...]) -> tuple[Rate, ...]:
    return tuple(parse_rate(t) for t in texts)
