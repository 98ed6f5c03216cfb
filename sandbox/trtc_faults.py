"""Faults of the TRTC room API: lost answers by rate per command (the work is done, then
the connection is cut), and a queue of exact ones for tests ({"action": "drop" | "error",
"command": ..., "error_code": ...})."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

COMMANDS = ("create_room", "update_room_info", "destroy_room", "get_room_info")


@dataclass(frozen=True)
class RoomFault:
    action: str  # "drop" or "error"
    command: str | None = None
    error_code: int = 0

    @classmethod
    def from_json(cls, item: Any) -> RoomFault:
        if not isinstance(item, Mapping) or set(item) - {"action", "command", "error_code"}:
            raise ValueError("each fault is {action, command, error_code}")
        action, command, code = item.get("action"), item.get("command"), item.get("error_code", 0)
        if action not in ("drop", "error"):
            raise ValueError("action must be 'drop' or 'error'")
        if command is not None and command not in COMMANDS:
            raise ValueError(f"command must be one of {COMMANDS}")
        if type(code) is not int or (action == "error" and code == 0):
            raise ValueError("an injected error needs a nonzero integer error_code")
        return cls(action, command, code)


@dataclass
class RoomFaults:
    drop_rates: dict[str, float] = field(default_factory=dict)
    queue: list[RoomFault] = field(default_factory=list)

    def update(self, settings: Mapping[str, Any]) -> None:
        unknown = set(settings) - {"drop_rates", "inject"}
        if unknown:
            raise ValueError(f"unknown room fault settings {sorted(unknown)}")
        rates = dict(settings.get("drop_rates", self.drop_rates))
        for command, rate in rates.items():
            if command not in COMMANDS or not isinstance(rate, int | float) or not 0 <= rate <= 1:
                raise ValueError("drop_rates maps a command to a share between 0 and 1")
        queued = [RoomFault.from_json(item) for item in settings.get("inject", [])]
        self.drop_rates = {c: float(r) for c, r in rates.items()}
        self.queue.extend(queued)

    def next_for(self, command: str, rng: random.Random) -> RoomFault | None:
        for index, fault in enumerate(self.queue):
            if fault.command in (None, command):
                return self.queue.pop(index)
        rate = self.drop_rates.get(command, 0.0)
        if rate > 0 and rng.random() < rate:
            return RoomFault("drop", command)
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "drop_rates": dict(self.drop_rates),
            "queued": [vars(f) for f in self.queue],
        }
