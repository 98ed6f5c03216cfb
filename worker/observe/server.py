"""The daemon's HTTP endpoints, on ``[metrics] listen``: ``/metrics`` (Prometheus text),
``/healthz`` (the process answers) and ``/readyz`` (200 or 503 with the checks as JSON).
A werkzeug server in a daemon thread: a scrape never waits for a pass, nor a pass for it."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, make_wsgi_app
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from worker.observe.readiness import Readiness

logger = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


class OpsApp:
    def __init__(self, registry: CollectorRegistry, ready: Readiness) -> None:
        self._metrics = make_wsgi_app(registry)
        self._ready = ready

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = Request(environ).path
        if path == "/metrics":
            return self._metrics(environ, start_response)  # type: ignore[no-any-return]
        if path == "/healthz":
            response = Response("ok\n", content_type="text/plain")
        elif path == "/readyz":
            checks = self._ready()
            ready = all(c.ok for c in checks)
            body = {
                "ready": ready,
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
            }
            response = Response(
                json.dumps(body), status=200 if ready else 503, content_type="application/json"
            )
        else:
            response = Response("not found: /metrics, /healthz, /readyz\n", status=404)
        return response(environ, start_response)


class OpsServer:
    def __init__(self, app: OpsApp, host: str, port: int) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    def start(self) -> OpsServer:
        self._thread.start()
        logger.info("metrics_listening port=%d", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
