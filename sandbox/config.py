"""Sandbox settings: one frozen value, with documented demo credentials as defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from worker.rates import Rate, parse_rate

# Documented demo credentials: anyone may use them against a local sandbox, nowhere else.
DEMO_APP_ID = "200000001"
DEMO_SECRET_ID = "demo-secret-id"
DEMO_SECRET_KEY = "demo-secret-key"
DEFAULT_SENSITIVE_WORDS = ("敏感词",)

# The real service's windows for timestamps and replays (spec §1).
TIMESTAMP_TOLERANCE_SECONDS = 300
REPLAY_WINDOW_SECONDS = 300
DAY_SECONDS = 86400
MINUTE_WINDOW_CODE = 190310
DAY_WINDOW_CODE = 190311


@dataclass(frozen=True)
class SandboxConfig:
    app_id: str = DEMO_APP_ID
    sdk_id: str | None = None  # None: the app was never assigned one
    secret_id: str = DEMO_SECRET_ID
    secret_key: str = field(default=DEMO_SECRET_KEY, repr=False)
    # None accepts any userid; a tuple makes every other userid unknown (20001).
    users: tuple[str, ...] | None = None
    sensitive_words: tuple[str, ...] = DEFAULT_SENSITIVE_WORDS
    quotas: tuple[Rate, ...] = ()
    quota_tz: str = "Asia/Shanghai"
    fail_rate: float = 0.0
    drop_response_rate: float = 0.0
    latency_ms: float = 0.0
    clock_offset_seconds: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("fail_rate", "drop_response_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")


def quota_code(rate: Rate) -> int:
    """The error the real service answers when ``rate`` is exceeded."""
    if rate.code is not None:
        return rate.code
    return DAY_WINDOW_CODE if rate.period.approx_seconds >= DAY_SECONDS else MINUTE_WINDOW_CODE


def parse_quotas(texts: list[str] | tuple[str, ...]) -> tuple[Rate, ...]:
    return tuple(parse_rate(t) for t in texts)
