"""The record of every API request the sandbox answered (or dropped): exact counters by
endpoint, error code and status, and a log of the most recent requests in arrival order.

An entry names the meeting of the path (``meeting_id``) and keeps of the body only the
fields that say which meeting or occurrences a call acts on (``sent``: ``meeting_type``,
``sub_meeting_id``, ``recurring_rule``), so a test can see what a cancel asked for. The
rest of a body stays out: it can hold a meeting's password.
"""

from __future__ import annotations

import copy
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

DROPPED = "dropped"
LOGGED_FIELDS = ("meeting_type", "sub_meeting_id", "recurring_rule")


@dataclass
class RequestLog:
    limit: int = 200_000
    log: deque[dict[str, Any]] = field(default_factory=deque)
    by_endpoint: dict[str, Counter[str]] = field(default_factory=dict)
    by_error_code: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    total: int = 0

    def record(
        self,
        t: float,
        endpoint: str,
        http_status: int | None,
        error_code: int | None,
        userid: str | None,
        fault: str | None = None,
        message: str | None = None,
        *,
        meeting_id: str | None = None,
        body: Mapping[str, Any] | None = None,
        headers: tuple[str, ...] | None = None,
    ) -> None:
        """One request: ``http_status`` None when the answer was dropped; ``fault`` names
        an injected fault ("fail", "drop", "error"); ``body`` is the request's JSON object,
        of which only LOGGED_FIELDS are kept; ``headers``, the names of the request's headers."""
        outcome = fault or ("ok" if http_status == 200 else "error")
        sent = {k: copy.deepcopy(body[k]) for k in LOGGED_FIELDS if k in body} if body else {}
        self.log.append(
            {
                "seq": self.total,
                "t": t,
                "endpoint": endpoint,
                "http_status": http_status,
                "error_code": error_code,
                "userid": userid,
                "outcome": outcome,
                "message": message,
                "meeting_id": meeting_id,
                "sent": sent,
            }
        )
        if headers is not None:
            # Names only (an OAuth sandbox keeps them): values hold signatures and tokens.
            self.log[-1]["headers"] = tuple(sorted(headers))
        self.total += 1
        if len(self.log) > self.limit:
            self.log.popleft()
        counts = self.by_endpoint.get(endpoint)
        if counts is None:
            counts = self.by_endpoint[endpoint] = Counter()
        counts["total"] += 1
        counts[outcome] += 1
        if error_code is not None:
            self.by_error_code[str(error_code)] += 1
            counts[f"error_{error_code}"] += 1
        self.by_status[DROPPED if http_status is None else str(http_status)] += 1

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        """Copies of the logged entries whose ``seq`` is at least ``since``."""
        first = self.log[0]["seq"] if self.log else self.total
        skip = max(0, since - first)
        return [_copy(e) for e in islice(self.log, skip, None)]

    def stats(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_endpoint": {k: dict(v) for k, v in sorted(self.by_endpoint.items())},
            "by_error_code": dict(self.by_error_code),
            "by_status": dict(self.by_status),
            "logged": len(self.log),
        }


def _copy(entry: dict[str, Any]) -> dict[str, Any]:
    # Only a body's fields can nest; most entries have none and need no deep copy.
    return copy.deepcopy(entry) if entry["sent"] else {**entry, "sent": {}}
