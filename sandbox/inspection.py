"""What the sandbox saw and holds, for tests, benchmarks and demos: the /_sandbox/ API.

Inspection requests are not signed, never count against a quota and are not logged. They
are refused (sandbox.guard) when they come from another origin (403) and, for a POST, when
they are not labelled ``Content-Type: application/json`` (415), even with an empty body.

    GET  /_sandbox/meetings          every meeting ever created, with its state (a series
                                      with its sub_meetings)
    GET  /_sandbox/stats             requests by endpoint, error code and status; totals
    GET  /_sandbox/requests[?since=N] the request log (sandbox time, endpoint, status, the
                                      meeting_id of the path, what the body said of
                                      meeting_type, sub_meeting_id and recurring_rule)
    GET  /_sandbox/faults            the fault settings and the queue
    GET  /_sandbox/quota             each quota's current window and use
    GET  /_sandbox/clock             the sandbox's time
    GET  /_sandbox/sensitive_words   the words a subject may not contain (9093)
    POST /_sandbox/reset             forget everything (back to the start-up settings)
    POST /_sandbox/faults            {"fail_rate", "drop_response_rate", "latency_ms",
                                      "clock_offset_seconds", "inject": [...]}
    POST /_sandbox/clock             {"advance_seconds": N}
    POST /_sandbox/sensitive_words   {"words": [...]}: replaces the list (reset restores it)
    GET  /_sandbox/rooms             every TRTC room ever created, destroyed ones too
    GET  /_sandbox/rooms/stats       room calls by command and error code, lost answers,
                                      and the room faults
    POST /_sandbox/rooms/faults      {"drop_rates": {"create_room": 0.3}, "inject": [...]}
    POST /_sandbox/clock             {"advance_seconds": N} (token expiries come nearer)
    GET  /_sandbox/oauth             per open_id: exchanges, refreshes, refused refreshes,
                                      calls with an expired token, expiries (never a token)
    POST /_sandbox/oauth/auth_code   {"open_id": "..."} → {"auth_code": "..."}: 5 min, once
    POST /_sandbox/app/meetings/ID   a change "from the app" (sandbox.app_side):
                                      {"cancel": true}, {"delete": true}, or new values of
                                      subject, start_time, end_time, password, location

Numbers must be finite JSON numbers within sandbox.limits (no NaN, no Infinity, no strings):
anything else is a 400 that names the field, and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from sandbox.app_side import change_from_app
from sandbox.guard import refusal
from sandbox.jsontext import dumps, loads

if TYPE_CHECKING:
    from sandbox.app import SandboxApp

APP_CHANGE = "app/meetings/"


def meetings_view(app: SandboxApp) -> list[dict[str, Any]]:
    """Every meeting ever created, in creation order, with times as integers: the meeting's
    own, which for a series are its first occurrence's (get and the list show the current
    one's)."""
    now = app.now()
    out = []
    for m in app.meetings.all():
        item = m.info(now)
        item.update(
            start_time=m.start_time,
            end_time=m.end_time,
            userid=m.creator,
            creator=m.creator,
            state=m.state(now),
            cancelled=m.cancelled,
            removed=m.removed,
            created_at=m.created_at,
            updated_at=m.updated_at,
            cancelled_at=m.cancelled_at,
            updates=m.updates,
        )
        out.append(item)
    return out


def handle_inspection(app: SandboxApp, request: Request) -> Response:
    refused = refusal(request)
    if refused is not None:
        return _json({"error": refused.message}, refused.http_status)
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
    method, name = route
    if method == "GET":
        return _get(app, name, request)
    if method != "POST":
        return None
    if name == "reset":
        app.reset()
        return {"reset": True}
    if name == "faults":
        app.faults.update(_body(request))
        return app.faults.as_dict()
    if name == "clock":
        return {"now": app.advance_clock(_body(request).get("advance_seconds", 0))}
    if name == "sensitive_words":
        return {"words": list(app.set_sensitive_words(_body(request).get("words")))}
    if name == "rooms/faults":
        app.rooms.faults.update(_body(request))
        return app.rooms.faults.as_dict()
    if name == "oauth/auth_code" and app.oauth is not None:
        return {"auth_code": app.oauth.auth_code(_body(request).get("open_id"), app.now())}
    if name.startswith(APP_CHANGE):
        meeting_id = name.removeprefix(APP_CHANGE)
        return change_from_app(app.meetings, app.config, meeting_id, _body(request), app.now())
    return None


def _get(app: SandboxApp, name: str, request: Request) -> Any:
    if name == "meetings":
        return meetings_view(app)
    if name == "stats":
        return app.request_log.stats()
    if name == "requests":
        return app.request_log.entries(int(request.args.get("since", "0")))
    if name == "faults":
        return app.faults.as_dict()
    if name == "quota":
        return app.quota.usage(app.now())
    if name == "clock":
        return {"now": app.now(), "advanced_seconds": app.advanced}
    if name == "sensitive_words":
        return {"words": list(app.rules.sensitive_words)}
    if name == "rooms":
        return app.rooms.rooms.views()
    if name == "rooms/stats":
        return app.rooms.view()
    if name == "oauth" and app.oauth is not None:
        return app.oauth.view(app.now())
    return None


def _body(request: Request) -> dict[str, Any]:
    doc = loads(request.get_data(as_text=True) or "{}")
    if not isinstance(doc, dict):
        raise ValueError("expected a JSON object")
    return doc


def _json(doc: Any, status: int) -> Response:
    return Response(dumps(doc), status=status, content_type="application/json")
