"""Injected faults: random ones by rate, and a queue of exact ones for deterministic tests."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("fail", "drop", "error")


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
        action = item.get("action")
        if action not in ACTIONS:
            raise ValueError(f"inject action must be one of {ACTIONS}, got {action!r}")
        if action == "error" and not isinstance(item.get("error_code"), int):
            raise ValueError("an injected error needs an integer error_code")
        return cls(
            action=action,
            endpoint=item.get("endpoint"),
            error_code=int(item.get("error_code", 0)),
            http_status=int(item.get("http_status", 400)),
            message=str(item.get("message", "injected error")),
        )


@dataclass
class Faults:
    fail_rate: float = 0.0
    drop_response_rate: float = 0.0
    latency_ms: float = 0.0
    clock_offset_seconds: float = 0.0
    queue: list[Injected] = field(default_factory=list)

    def update(self, settings: Mapping[str, Any]) -> None:
        for name in ("fail_rate", "drop_response_rate"):
            if name in settings:
                value = float(settings[name])
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"{name} must be between 0 and 1")
                setattr(self, name, value)
        for name in ("latency_ms", "clock_offset_seconds"):
            if name in settings:
                setattr(self, name, float(settings[name]))
        for item in settings.get("inject", []):
            self.queue.append(Injected.from_json(item))

    def next_for(self, endpoint: str, rng: random.Random) -> Injected | None:
        """The fault this request suffers, if any (queued faults first, then random ones)."""
        for index, injected in enumerate(self.queue):
            if injected.endpoint in (None, endpoint):
                return self.queue.pop(index)
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
            "queued": len(self.queue),
        }
