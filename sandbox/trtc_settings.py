"""What the sandbox's TRTC room API is started with (documented demo values)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_SDKAPPID = 1400000001
DEMO_KEY = "demo-trtc-key"
DEMO_ADMIN = "administrator"
CALLS_PER_SECOND = 200  # per API per SDKAppID (spec §1)


@dataclass(frozen=True)
class TrtcSettings:
    sdkappid: int = DEMO_SDKAPPID
    key: str = field(default=DEMO_KEY, repr=False)
    admin: str = DEMO_ADMIN
    calls_per_second: int = CALLS_PER_SECOND
    sensitive_words: tuple[str, ...] = ("敏感词",)

    def __post_init__(self) -> None:
        if self.sdkappid <= 0 or not self.key or not self.admin:
            raise ValueError("the TRTC sdkappid, key and admin must be set")
        if self.calls_per_second < 1:
            raise ValueError("calls_per_second must be at least 1")
