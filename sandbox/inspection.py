"""What the sandbox saw and holds, for tests and benchmarks: the /_sandbox/ API.

Inspection requests are not signed and never count against a quota.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from sandbox.app import SandboxApp


@dataclass
class Ledger:
    """Every API request: counted by endpoint and error code, and logged in order."""

    log: list[dict[str, Any]] = field(default_factory=list)
    by_endpoint: dict[str, Counter[str]] = field(default_factory=dict)
    by_error_code: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)

    def record(
        self,
        t: float,
        endpoint: str,
        http_status: int | None,
        error_code: int | None,
        userid: str | None,
        fault: str | None = None,
        message: str | None = None,
    ) -> None:
        outcome = fault or ("ok" if http_status == 200 else "error")
        self.log.append(
            {
                "t": t,
                "endpoint": endpoint,
                "http_status": http_status,
                "error_code": error_code,
                "userid": userid,
                "outcome": outcome,
                "message": message,
            }
        )
        counts = self.by_endpoint.setdefault(endpoint, Counter())
        counts["total"] += 1
        counts[outcome] += 1
        if error_code is not None:
            self.by_error_code[str(error_code)] += 1
        self.by_status["dropped" if http_status is None else str(http_status)] += 1

    def stats(self) -> dict[str, Any]:
        return {
            "total": len(self.log),
            "by_endpoint": {k: dict(v) for k, v in sorted(self.by_endpoint.items())},
            "by_error_code": dict(self.by_error_code),
            "by_status": dict(self.by_status),
        }


def meetings_view(app: SandboxApp) -> list[dict[str, Any]]:
    now = app.now()
    out = []
    for m in sorted(app.meetings.by_id.values(), key=lambda m: m.seq):
        item = m.info(now)
        item.update(
            start_time=m.start_time,
            end_time=m.end_time,
            userid=m.creator,
            state=m.state(now),
            created_at=m.created_at,
            updated_at=m.updated_at,
            updates=m.updates,
        )
        out.append(item)
    return out


def handle_inspection(app: SandboxApp, request: Request) -> Response:
    route = (request.method, request.path.removeprefix("/_sandbox/").rstrip("/"))
    try:
        with app.lock:
            doc = _route(app, route, request)
    except (ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    if doc is None:
        return _json({"error": f"no inspection endpoint {route[0]} {request.path}"}, 404)
    return _json(doc, 200)


def _route(app: SandboxApp, route: tuple[str, str], request: Request) -> Any:
    if route == ("GET", "meetings"):
        return meetings_view(app)
    if route == ("GET", "stats"):
        return app.ledger.stats()
    if route == ("GET", "requests"):
        return app.ledger.log
    if route == ("GET", "faults"):
        return app.faults.as_dict()
    if route == ("POST", "reset"):
        app.reset()
        return {"reset": True}
    if route == ("POST", "faults"):
        app.faults.update(_body(request))
        return app.faults.as_dict()
    if route == ("POST", "clock"):
        app.advanced += float(_body(request).get("advance_seconds", 0))
        return {"now": app.now()}
    return None


def _body(request: Request) -> dict[str, Any]:
    doc = json.loads(request.get_data(as_text=True) or "{}")
    if not isinstance(doc, dict):
        raise ValueError("expected a JSON object")
    return doc


def _json(doc: Any, status: int) -> Response:
    return Response(
        json.dumps(doc, ensure_ascii=False), status=status, content_type="application/json"
    )
