"""How a request proves who sends it: an object that adds headers to a request about to go
out, and learns from what the server answered. AK/SK is one; a user's OAuth token the other.

In the style of httpx's ``Auth``: the client builds the exact bytes, asks its auth object
for the headers that authenticate them, and tells it about every error answer. The auth
object is the only place that knows a secret.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from worker.exceptions import ApiError, ConfigError
from worker.wemeet import signing
from worker.wemeet.signing import Credentials

logger = logging.getLogger(__name__)

CLOCK_SKEW = 190300


@dataclass(frozen=True)
class Outgoing:
    """A request as it goes on the wire: the signature covers exactly these bytes."""

    method: str
    uri: str  # path and query, percent-encoded as sent
    body: bytes
    user: str | None = None  # whom the call acts for (the userid; an open_id in OAuth mode)


class Auth(Protocol):
    def headers(self, request: Outgoing) -> dict[str, str]:
        """Every header the request needs, authentication included."""
        ...

    def learn(self, error: ApiError, request: Outgoing | None = None) -> None:
        """What an error answer to ``request`` teaches about the next request (the
        server's clock, a token to renew)."""
        ...


class AkSkAuth:
    """An enterprise self-built app's AK/SK signature (spec §1), signed afresh per request.

    A 190300 answer (timestamp more than 5 minutes off) carries the server's ``Date``: the
    offset between the two clocks is learnt from it, so the next attempt is stamped right.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], int] = signing.new_nonce,
        registered: str = "1",
    ) -> None:
        _check_credentials(credentials)
        self._credentials = credentials
        self._clock = clock
        self._nonce = nonce
        self._registered = registered
        self.clock_offset = 0.0
        """Seconds added to the local clock when stamping X-TC-Timestamp."""

    def headers(self, request: Outgoing) -> dict[str, str]:
        timestamp = int(self._clock() + self.clock_offset)
        headers = signing.aksk_headers(
            self._credentials,
            request.method,
            request.uri,
            request.body,
            nonce=self._nonce(),
            timestamp=timestamp,
        )
        headers["X-TC-Registered"] = self._registered
        return headers

    def learn(self, error: ApiError, request: Outgoing | None = None) -> None:
        offset = learnt_offset(error, self._clock)
        if offset is not None:
            self.set_clock_offset(offset)

    def set_clock_offset(self, seconds: float) -> None:
        if not math.isfinite(seconds):
            raise ConfigError("the clock offset must be a finite number of seconds")
        self.clock_offset = float(seconds)


def learnt_offset(error: ApiError, clock: Callable[[], float]) -> float | None:
    """The server's clock minus ours, from a 190300 answer's ``Date``; None otherwise."""
    if error.error_code != CLOCK_SKEW or error.server_date is None:
        return None
    offset = error.server_date - clock()
    if not math.isfinite(offset):
        return None
    logger.warning("clock_skew offset_seconds=%.0f", offset)
    return offset


def _check_credentials(creds: Credentials) -> None:
    names = {"wemeet.app_id": creds.app_id, "wemeet.secret_id": creds.secret_id}
    names["wemeet.secret_key"] = creds.secret_key
    if creds.sdk_id:  # empty means "this app has no SdkId": the header is not sent
        names["wemeet.sdk_id"] = creds.sdk_id
    for name, value in names.items():
        if not value or not value.strip():
            raise ConfigError(f"{name} is empty")
        if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
            # Headers carry these values; never echo them (the key is a secret).
            raise ConfigError(f"{name} holds spaces or characters a header cannot carry")
