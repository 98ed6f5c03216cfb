"""The one exception tree of meeting-sync.

Adapters (HTTP clients, the store, the config loader) translate foreign exceptions into
these at their boundary; only the CLI maps them to exit codes. No exception's text ever
contains a secret, a signature or a token.
"""

from __future__ import annotations

from datetime import datetime


class MeetingSyncError(Exception):
    """Base of every error meeting-sync raises on purpose."""


class ConfigError(MeetingSyncError):
    """The configuration is invalid: a key is unknown, of the wrong type, or missing."""


class InvalidMeeting(MeetingSyncError, ValueError):
    """A meeting's data cannot be sent: caught locally, before anything reached the API.

    ``code`` is a stable local error code (documented in the README) that the worker writes
    to the row's ``error_code``; ``field`` names the offending calendar column.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class ApiError(MeetingSyncError):
    """The API answered with an error body (or a non-success status)."""

    def __init__(
        self,
        *,
        error_code: int,
        message: str,
        http_status: int,
        new_error_code: int | None = None,
        trace_id: str | None = None,
        endpoint: str = "",
        retry_after: float | None = None,
        server_date: float | None = None,
    ) -> None:
        super().__init__(f"{endpoint or 'API'}: error {error_code} (HTTP {http_status}): {message}")
        self.error_code = error_code
        self.new_error_code = new_error_code
        self.message = message
        self.http_status = http_status
        self.trace_id = trace_id
        self.endpoint = endpoint
        # Seconds the server asked us to wait, when it said so.
        self.retry_after = retry_after
        # The server's clock (Unix seconds, from the `Date` header), for 190300 recovery.
        self.server_date = server_date


class TransportError(MeetingSyncError):
    """No usable response arrived.

    ``may_have_reached`` is False only when the request certainly never reached the server
    (the connection could not be made); after a read timeout or a reset the server may have
    acted on it, so a create must be reconciled before it is sent again.
    """

    def __init__(self, message: str, *, may_have_reached: bool, endpoint: str = "") -> None:
        super().__init__(f"{endpoint or 'API'}: {message}")
        self.message = message
        self.may_have_reached = may_have_reached
        self.endpoint = endpoint


class DatabaseUnavailable(MeetingSyncError):
    """The calendar database cannot be reached."""


class QuotaDeferred(MeetingSyncError):
    """The shared quota has no room before ``until``: the row goes back for later.

    Not the row's fault, so the attempt is not counted against it. ``error_code`` is the
    provider's code when a pause caused it (e.g. 190311), None for an ordinary full window.
    """

    def __init__(self, until: datetime, error_code: int | None = None) -> None:
        super().__init__(f"API quota has no room until {until.isoformat()}")
        self.until = until
        self.error_code = error_code


class MalformedResponse(MeetingSyncError, ValueError):
    """A success body that does not have the documented shape (the message says what is off).

    Raised by the pure parsers; the client turns it into an ``ApiError`` with a client-side
    code, the endpoint and the trace id.
    """


class CircuitOpen(MeetingSyncError):
    """A configuration fault: the pass stops sending anything, its rows go back pending.

    Raised inside a pass to end it; the pass reports it (``PassReport.circuit_code`` and
    ``diagnosis``) rather than letting it escape.
    """

    def __init__(self, code: str, diagnosis: str) -> None:
        super().__init__(diagnosis)
        self.code = code
        self.diagnosis = diagnosis


class LeaseLost(MeetingSyncError):
    """Another worker owns the row now: this one must send nothing more for it."""


class OwnerUnauthorized(MeetingSyncError):
    """The provider holds no usable authorization of the row's owner (a user who must
    authorize the app again): nothing is sent for that owner, and the row waits, pending,
    with ``code`` and ``message``, until the owner is authorized again."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class OAuthRefused(MeetingSyncError):
    """An OAuth token endpoint refused (seed 002's OAuth table: 1002, 1006, …). The text
    holds the code and the server's message, never a token."""

    def __init__(self, code: int, message: str, *, endpoint: str = "") -> None:
        super().__init__(f"OAuth {endpoint or 'token endpoint'}: error {code}: {message}")
        self.code = code
        self.message = message
        self.endpoint = endpoint


class DriftStopped(MeetingSyncError):
    """The drift check's share of the quota is spent for now, or the provider said a quota
    window is full: the check ends here and goes on at its next run."""
