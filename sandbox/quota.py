"""The provider's call quotas: fixed natural windows; every authenticated attempt counts,
including the ones the quota (or anything after it) refuses."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sandbox.config import quota_code
from sandbox.errors import Rejection, reject
from sandbox.windows import Rate, window

MESSAGES = {
    190310: "the number of API calls per minute exceeds the limit",
    190311: "the number of API calls per day exceeds the limit",
    190312: "the number of calls of this API per day exceeds the limit",
    190313: "the number of account-level API calls per minute exceeds the limit",
}


@dataclass
class QuotaCounters:
    rates: tuple[Rate, ...]
    tz: ZoneInfo
    # (rate index, window start) -> calls counted in that window
    used: dict[tuple[int, float], int] = field(default_factory=dict)
    _current: dict[int, tuple[float, float]] = field(default_factory=dict)

    def count(self, now: float) -> Rejection | None:
        """Count one attempt in every window; the first window over its limit rejects."""
        rejection: Rejection | None = None
        for index, rate in enumerate(self.rates):
            key = (index, self._window_start(index, rate, now))
            used = self.used.get(key, 0) + 1
            self.used[key] = used
            if used > rate.calls and rejection is None:
                code = quota_code(rate)
                rejection = reject(code, MESSAGES.get(code, f"call limit {rate} exceeded"))
        if len(self.used) > 4 * len(self.rates) + 16:
            self._forget_old(now)
        return rejection

    def usage(self, now: float) -> list[dict[str, object]]:
        """Each quota's current window and the calls counted in it."""
        out: list[dict[str, object]] = []
        for index, rate in enumerate(self.rates):
            start, end = window(rate, now, self.tz)
            out.append(
                {
                    "rate": str(rate),
                    "code": quota_code(rate),
                    "window_start": start,
                    "window_end": end,
                    "used": self.used.get((index, start), 0),
                }
            )
        return out

    def _window_start(self, index: int, rate: Rate, now: float) -> float:
        # The window arithmetic (time zones for days and months) runs once per window.
        cached = self._current.get(index)
        if cached is not None and cached[0] <= now < cached[1]:
            return cached[0]
        bounds = window(rate, now, self.tz)
        self._current[index] = bounds
        return bounds[0]

    def _forget_old(self, now: float) -> None:
        current = {(i, window(r, now, self.tz)[0]) for i, r in enumerate(self.rates)}
        self.used = {k: v for k, v in self.used.items() if k in current}
