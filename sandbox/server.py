"""The sandbox served over HTTP/1.1 with keep-alive, in a background thread."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from wsgiref.types import WSGIEnvironment

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from sandbox.app import SandboxApp
from sandbox.config import SandboxConfig
from sandbox.inspection import meetings_view
from worker.wemeet.signing import Credentials


class RawHeaderHandler(WSGIRequestHandler):
    """Keeps the header names as the client spelled them: the real server is case-sensitive."""

    protocol_version = "HTTP/1.1"

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ["sandbox.raw_headers"] = list(self.headers.items())
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the inspection API is the record of what was asked."""

    def send_response(self, code: int, message: str | None = None) -> None:
        """Like the base class, minus its `Date`: the app sends one from the sandbox clock
        (with any clock fault), and two `Date` headers would make the answer ambiguous."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())


class SandboxServer:
    def __init__(
        self,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or SandboxConfig()
        self.app = SandboxApp(self.config, clock)
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=RawHeaderHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://[{text}]:{port}" if ":" in text else f"http://{text}:{port}"

    @property
    def credentials(self) -> Credentials:
        c = self.config
        return Credentials(
            app_id=c.app_id, secret_id=c.secret_id, secret_key=c.secret_key, sdk_id=c.sdk_id
        )

    def start(self) -> SandboxServer:
        if self._thread is None:
            # A short poll interval makes stop() quick; the cost is a few idle wake-ups.
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- in-process inspection (the same data as the /_sandbox/ API) ---------------------

    def meetings(self) -> list[dict[str, Any]]:
        with self.app.lock:
            return json.loads(json.dumps(meetings_view(self.app)))  # type: ignore[no-any-return]

    def stats(self) -> dict[str, Any]:
        with self.app.lock:
            return json.loads(json.dumps(self.app.ledger.stats()))  # type: ignore[no-any-return]

    def requests_log(self) -> list[dict[str, Any]]:
        with self.app.lock:
            return [dict(entry) for entry in self.app.ledger.log]

    def reset(self) -> None:
        self.app.reset()

    def set_faults(self, **settings: Any) -> None:
        with self.app.lock:
            self.app.faults.update(settings)

    def advance_clock(self, seconds: float) -> None:
        with self.app.lock:
            self.app.advanced += seconds
