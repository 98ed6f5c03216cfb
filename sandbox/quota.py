"""The provider's call quotas: fixed natural windows, every authenticated attempt counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sandbox.config import quota_code
from sandbox.errors import Rejection, reject
from worker.rates import Rate, window_bounds

MESSAGES = {
    190310: "the number of API calls per minute exceeds the limit",
    190311: "the number of API calls per day exceeds the limit",
}


@dataclass
class QuotaCounters:
    rates: tuple[Rate, ...]
    tz: ZoneInfo
    used: dict[tuple[int, float], int] = field(default_factory=dict)

    def count(self, now: float) -> Rejection | None:
        """Count one attempt against every window; the first window over its limit rejects."""
        rejection: Rejection | None = None
        for index, rate in enumerate(self.rates):
            start, _ = window_bounds(rate.period, now, self.tz)
            key = (index, start)
            self.used[key] = self.used.get(key, 0) + 1
            if self.used[key] > rate.calls and rejection is None:
                code = quota_code(rate)
                rejection = reject(code, MESSAGES.get(code, f"call limit {rate} exceeded"))
        if len(self.used) > 4 * len(self.rates) + 16:
            self._forget_old(now)
        return rejection

    def _forget_old(self, now: float) -> None:
        current = {(i, window_bounds(r.period, now, self.tz)[0]) for i, r in enumerate(self.rates)}
        self.used = {k: v for k, v in self.used.items() if k in current}
