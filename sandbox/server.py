"""The sandbox served over HTTP/1.1 with keep-alive from a background thread, and its
in-process control API (the same data and actions as the /_sandbox/ HTTP API)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sandbox.app import SandboxApp
from sandbox.config import SandboxConfig
from sandbox.credentials import AppCredentials
from sandbox.handler import SandboxHTTPServer
from sandbox.inspection import meetings_view

_T = TypeVar("_T")


class SandboxServer:
    """A sandbox on ``host:port`` (0: a free port), serving from a background thread.

    The socket is bound on construction, so ``base_url`` is known before ``start()``.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or SandboxConfig()
        self.app = SandboxApp(self.config, clock)
        self._server = SandboxHTTPServer(host, port, self.app)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://[{text}]:{port}" if ":" in text else f"http://{text}:{port}"

    @property
    def port(self) -> int:
        """The port it listens on (the one picked when 0 was asked for)."""
        return int(self._server.server_address[1])

    @property
    def credentials(self) -> AppCredentials:
        """The app this sandbox recognises. A client of the worker converts it at its own
        boundary (the sandbox shares no types with the worker)."""
        return self.config.credentials

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted so far (keep-alive reuses one for many requests)."""
        return self._server.connections_opened

    def start(self) -> SandboxServer:
        if self._closed:
            raise RuntimeError("a stopped sandbox cannot start again")
        if self._thread is None:
            # A short poll interval makes stop() quick; the cost is a few idle wake-ups.
            self._thread = threading.Thread(
                target=self._server.serve_forever, args=(0.05,), name="sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end open connections and release the port. Idempotent."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        if not self._closed:
            self._closed = True
            self._server.close_connections()
            self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() is called from another one."""
        self._server.serve_forever(0.05)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- in-process control (the same data and actions as the /_sandbox/ API) -------------

    def meetings(self) -> list[dict[str, Any]]:
        with self.app.lock:
            return _copy(meetings_view(self.app))

    def stats(self) -> dict[str, Any]:
        with self.app.lock:
            return _copy(self.app.request_log.stats())

    def requests_log(self, since: int = 0) -> list[dict[str, Any]]:
        with self.app.lock:
            return self.app.request_log.entries(since)

    def reset(self) -> None:
        self.app.reset()

    def set_faults(self, **settings: Any) -> None:
        """fail_rate, drop_response_rate, latency_ms, clock_offset_seconds, inject=[...]."""
        with self.app.lock:
            self.app.faults.update(settings)

    def rooms(self) -> list[dict[str, Any]]:
        """Every TRTC room ever created (GET /_sandbox/rooms)."""
        with self.app.lock:
            return _copy(self.app.rooms.rooms.views())

    def room_stats(self) -> dict[str, Any]:
        with self.app.lock:
            return _copy(self.app.rooms.view())

    def set_room_faults(self, **settings: Any) -> None:
        """drop_rates={command: share}, inject=[{action, command, error_code}]."""
        with self.app.lock:
            self.app.rooms.faults.update(settings)

    def advance_clock(self, seconds: float) -> float:
        """Move the sandbox's clock forward (or back); returns the new sandbox time."""
        return self.app.advance_clock(seconds)

    def now(self) -> float:
        return self.app.now()


def _copy(doc: _T) -> _T:
    """A deep, JSON-shaped copy: callers can keep it while the sandbox moves on."""
    return cast(_T, json.loads(json.dumps(doc)))
