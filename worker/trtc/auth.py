"""The administrator's UserSig, cached and renewed well before it expires, and the query
parameters every REST call carries (spec §1)."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from worker.exceptions import ConfigError
from worker.trtc.usersig import make_usersig

# A cached UserSig is replaced once half its lifetime has passed: a call sent near the end
# can never carry one that expires on the way, and a clock a little off does not matter.
RENEW_AT_FRACTION = 0.5
MIN_TTL_SECONDS = 60


@dataclass(frozen=True)
class TrtcCredentials:
    sdkappid: int
    key: str = field(repr=False)
    admin: str


class AdminAuth:
    """Adds ``sdkappid``, ``identifier``, ``usersig``, ``random`` and ``contenttype`` to a
    call. Thread-safe; ``clock`` and ``rng`` are injected."""

    def __init__(
        self,
        credentials: TrtcCredentials,
        *,
        ttl_seconds: int = 86400,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        if credentials.sdkappid <= 0 or not credentials.key or not credentials.admin:
            raise ConfigError("trtc.sdkappid, trtc.key and trtc.admin must all be set")
        if ttl_seconds < MIN_TTL_SECONDS:
            raise ConfigError(f"trtc.usersig_ttl_seconds must be at least {MIN_TTL_SECONDS}")
        self.credentials = credentials
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._rng = rng or random.SystemRandom()
        self._lock = threading.Lock()
        self._sig: str | None = None
        self._renew_at = 0.0

    def usersig(self) -> str:
        """The cached UserSig, made afresh once half its lifetime has passed."""
        now = self._clock()
        with self._lock:
            if self._sig is None or now >= self._renew_at:
                c = self.credentials
                made_at = int(now)
                self._sig = make_usersig(
                    c.sdkappid, c.key, c.admin, expire=self.ttl_seconds, now=made_at
                )
                self._renew_at = made_at + self.ttl_seconds * RENEW_AT_FRACTION
            return self._sig

    def query(self) -> dict[str, str]:
        """The query string of one call: a fresh uint32 ``random`` every time."""
        c = self.credentials
        return {
            "sdkappid": str(c.sdkappid),
            "identifier": c.admin,
            "usersig": self.usersig(),
            "random": str(self._rng.randrange(0, 2**32)),
            "contenttype": "json",
        }
