"""Injected faults: random ones by rate (seeded), and a queue of exact ones for tests.

- fail: HTTP 500 with no body; nothing is done.
- drop: the operation is carried out, then the connection is cut before any byte of the
  answer, so the client cannot know what happened (a lost create).
- error: the given error code, message and HTTP status; nothing is done.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.endpoints import ENDPOINTS
from sandbox.errors import http_status_of
from sandbox.limits import check_latency, check_rates, check_shift, finite

ACTIONS = ("fail", "drop", "error")
SETTINGS = ("fail_rate", "drop_response_rate", "latency_ms", "clock_offset_seconds", "inject")


@dataclass(frozen=True)
class Injected:
    """One fault for the next request to ``endpoint`` (or to any endpoint when None)."""

    action: str
    endpoint: str | None = None
    error_code: int = 0
    http_status: int = 400
    message: str = "injected error"

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Injected:
        if not isinstance(item, Mapping):
            raise ValueError("each injected fault must be an object")
        unknown = set(item) - {"action", "endpoint", "error_code", "http_status", "message"}
        if unknown:
            raise ValueError(f"unknown keys in an injected fault: {sorted(unknown)}")
        action = item.get("action")
        if action not in ACTIONS:
            raise ValueError(f"inject action must be one of {ACTIONS}, got {action!r}")
        endpoint = item.get("endpoint")
        if endpoint is not None and endpoint not in ENDPOINTS:
            raise ValueError(f"inject endpoint must be one of {ENDPOINTS}, got {endpoint!r}")
        code = item.get("error_code")
        if action == "error" and (not isinstance(code, int) or isinstance(code, bool)):
            raise ValueError("an injected error needs an integer error_code")
        code = int(code or 0)
        status = item.get("http_status", http_status_of(code))
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ValueError("an injected error's http_status must be 400..599")
        return cls(action, endpoint, code, status, str(item.get("message", "injected error")))


@dataclass
class Faults:
    fail_rate: float = 0.0
    drop_response_rate: float = 0.0
    latency_ms: float = 0.0
    clock_offset_seconds: float = 0.0
    queue: list[Injected] = field(default_factory=list)

    def update(self, settings: Mapping[str, Any]) -> None:
        """Apply run-time settings (all checked before any is applied); ``inject`` appends
        to the queue."""
        unknown = set(settings) - set(SETTINGS)
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {SETTINGS}")
        values = {k: finite(settings[k], k) for k in SETTINGS[:4] if k in settings}
        check_rates(
            values.get("fail_rate", self.fail_rate),
            values.get("drop_response_rate", self.drop_response_rate),
        )
        check_latency(values.get("latency_ms", self.latency_ms))
        check_shift(
            values.get("clock_offset_seconds", self.clock_offset_seconds), "clock_offset_seconds"
        )
        injected = settings.get("inject") or []
        if not isinstance(injected, list):
            raise ValueError("inject must be a list of faults")
        queued = [Injected.from_json(item) for item in injected]
        for name, value in values.items():
            setattr(self, name, value)
        self.queue.extend(queued)

    def next_for(self, endpoint: str, rng: random.Random) -> Injected | None:
        """The fault this request suffers, if any (queued faults first, then random ones)."""
        for index, injected in enumerate(self.queue):
            if injected.endpoint in (None, endpoint):
                return self.queue.pop(index)
        if self.fail_rate <= 0 and self.drop_response_rate <= 0:
            return None  # no roll: the seeded sequence is spent only while faults are on
        roll = rng.random()
        if roll < self.fail_rate:
            return Injected("fail", endpoint)
        if roll < self.fail_rate + self.drop_response_rate:
            return Injected("drop", endpoint)
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "fail_rate": self.fail_rate,
            "drop_response_rate": self.drop_response_rate,
            "latency_ms": self.latency_ms,
            "clock_offset_seconds": self.clock_offset_seconds,
            "queued": [
                {"action": q.action, "endpoint": q.endpoint, "error_code": q.error_code}
                for q in self.queue
            ],
        }
