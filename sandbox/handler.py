"""The HTTP/1.1 side of the sandbox: a threaded server and its request handler.

http.server parses the request line and headers; werkzeug builds the WSGI environ and, in
the app, the Request and Response. The handler adds what the real protocol needs and
werkzeug's own handler does not do:

- the header names as the client spelled them (the real server is case-sensitive) and the
  request target's exact bytes (the signature covers them), passed in the environ;
- keep-alive: werkzeug closes every connection after one answer and, before that, waits
  for and discards anything more the client sends, which cannot work with a kept-alive
  connection. The app reads every body to its end, so here the answer is written with its
  Content-Length and the connection stays open for the next request;
- a dropped answer (the drop fault): the connection is cut and nothing is written.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from typing import Any
from wsgiref.types import WSGIEnvironment

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from sandbox.app import BODY_READ, DROP_CONNECTION, RAW_HEADERS, RAW_TARGET, SandboxApp

logger = logging.getLogger(__name__)


class RawHeaderHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # Answers go out as two writes (head, body): without this, Nagle's algorithm holds the
    # body back for the client's delayed ACK and every round trip costs milliseconds.
    disable_nagle_algorithm = True
    # An idle kept-alive connection is closed after this many seconds.
    timeout = 120
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ[RAW_HEADERS] = list(self.headers.items())
        # http.server decoded the request line as Latin-1: undo that to get the bytes back,
        # then read them as the UTF-8 a signer would have signed.
        raw = self.path.encode("latin-1", "replace")
        environ[RAW_TARGET] = raw.decode("utf-8", "replace")
        return environ

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.environ = environ = self.make_environ()
        started: list[Any] = []
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):  # type: ignore[no-untyped-def]
            started[:] = [status, headers]
            return written.append

        try:
            result = self.server.app(environ, start_response)
            try:
                written.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception:
            logger.exception("sandbox.app_error")
            started[:] = ["500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")]]
            written[:] = [b"internal error in the sandbox\n"]
            environ[BODY_READ] = False
        if environ.get(DROP_CONNECTION):
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._answer(started[0], started[1], b"".join(written))

    def _answer(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if not self.environ.get(BODY_READ):
            # An unread body would be taken for the next request line.
            self.send_header("Connection", "close")  # also sets close_connection
        elif self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_response(self, code: int, message: str | None = None) -> None:
        """Like the base class, minus its `Date`: the app sends one from the sandbox clock
        (with any clock fault), and two `Date` headers would make the answer ambiguous."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Server", self.version_string())

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the inspection API is the record of what was asked."""

    def log_error(self, format: str, *args: Any) -> None:
        # Idle keep-alive timeouts and malformed request lines: not worth a line on stderr.
        logger.debug("sandbox.http_error " + format, *args)


class SandboxHTTPServer(ThreadedWSGIServer):
    """A thread per connection; remembers open connections so that stopping ends them too
    (a kept-alive connection would otherwise outlive the server)."""

    app: SandboxApp

    def __init__(self, host: str, port: int, app: SandboxApp) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self.connections_opened = 0
        # Bound here so that a taken port raises OSError: werkzeug's own binding would print
        # a message and exit the whole process.
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.create_server((host, port), family=family, backlog=128)
        try:
            super().__init__(host, port, app, handler=RawHeaderHandler, fd=listener.fileno())
        finally:
            listener.close()  # werkzeug serves from its own duplicate of the socket

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._connections_lock:
            if is_open:
                self._connections.add(connection)
                self.connections_opened += 1
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_now = list(self._connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
