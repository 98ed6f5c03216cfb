"""AK/SK request checks, in the real service's order: required headers, credentials,
timestamp, signature, replay. Pure apart from the replay memory, which the caller owns."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from sandbox.config import REPLAY_WINDOW_SECONDS, TIMESTAMP_TOLERANCE_SECONDS, SandboxConfig
from sandbox.errors import (
    BAD_SIGNATURE,
    MISSING_HEADER,
    REPLAY,
    STALE_TIMESTAMP,
    UNKNOWN_CREDENTIAL,
    reject,
)
from sandbox.signature import signature_valid

# Header names are case-sensitive on the real server: these exact spellings are required.
REQUIRED_HEADERS = ("X-TC-Key", "X-TC-Timestamp", "X-TC-Nonce", "X-TC-Signature", "AppId")


@dataclass(frozen=True)
class SignedRequest:
    method: str
    uri: str  # the request target exactly as it came on the wire
    body: bytes
    headers: Mapping[str, str]  # exact-case names


@dataclass
class ReplayMemory:
    """(key, timestamp, nonce) triples seen in the last five minutes.

    Entries expire in arrival order, so forgetting them costs O(1) per request; a clock
    moved backwards at run time only makes an entry live a little longer.
    """

    seen: dict[tuple[str, str, str], float] = field(default_factory=dict)
    _order: deque[tuple[float, tuple[str, str, str]]] = field(default_factory=deque)

    def check_and_remember(self, triple: tuple[str, str, str], now: float) -> bool:
        """True when the triple is fresh (and remembers it); False for a replay."""
        order, seen = self._order, self.seen
        while order and order[0][0] <= now:
            expires, old = order.popleft()
            if seen.get(old) == expires:
                del seen[old]
        previous = seen.get(triple)
        if previous is not None and previous > now:
            return False
        expires = now + REPLAY_WINDOW_SECONDS
        seen[triple] = expires
        order.append((expires, triple))
        return True


def authenticate(
    request: SignedRequest, config: SandboxConfig, now: float, replays: ReplayMemory
) -> None:
    """Raise the real service's Rejection for the first check the request fails."""
    headers = request.headers
    missing = [name for name in REQUIRED_HEADERS if not headers.get(name)]
    if missing:
        raise reject(MISSING_HEADER, f"missing required header(s): {', '.join(missing)}")
    if headers["AppId"] != config.app_id or headers["X-TC-Key"] != config.secret_id:
        raise reject(UNKNOWN_CREDENTIAL, "unauthenticated secret: check AppId and X-TC-Key")
    # The official SDK always sends SdkId, empty when the app has none: empty means absent.
    sdk_id = headers.get("SdkId", "")
    if sdk_id and sdk_id != config.sdk_id:
        raise reject(UNKNOWN_CREDENTIAL, "unauthenticated secret: SdkId was not assigned")
    timestamp, nonce = headers["X-TC-Timestamp"], headers["X-TC-Nonce"]
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise reject(STALE_TIMESTAMP, "X-TC-Timestamp must be Unix seconds")
    if not (nonce.isascii() and nonce.isdigit()):
        raise reject(MISSING_HEADER, "X-TC-Nonce must be a positive decimal integer")
    if abs(now - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        raise reject(STALE_TIMESTAMP, "X-TC-Timestamp differs from server time by over 5 min")
    # The string to sign holds the headers as sent: "042" must be signed as "042".
    if not signature_valid(
        headers["X-TC-Signature"],
        config.secret_key,
        request.method,
        request.uri,
        request.body,
        headers,
    ):
        raise reject(BAD_SIGNATURE, "Signature failed!")
    # Seed 000: "注册用户0和1都可以" — only registered users may say 1; the service then
    # answers as for a bad signature.
    if not config.registered_users and headers.get("X-TC-Registered") == "1":
        raise reject(BAD_SIGNATURE, "Signature failed!")
    # Replays are keyed on the numbers, not their spelling, so that a signed "042" cannot
    # dodge a replay of "42".
    canonical = (headers["X-TC-Key"], str(int(timestamp)), str(int(nonce)))
    if not replays.check_and_remember(canonical, now):
        raise reject(REPLAY, "request replayed: timestamp and nonce already used")
