"""OAuth2.0 mode (spec §2): the auth object that sends a user's access token, and the keeper
that renews each user's pair once, fleet-wide, before it runs out.

The keeper knows the token store only through ``TokenVault`` (worker/store/oauth_tokens.py
is one): ``locked(open_id)`` holds the user's row lock across the refresh, so of all the
workers that find a pair due, one refreshes and the others, re-checking under the lock, find
the new pair. Every refresh invalidates the previous pair, so two refreshes at once would
leave one worker with a dead pair: the lock is what keeps a user from being locked out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from worker.domain.tokens import ACTIVE, REAUTHORIZE, OAuthToken
from worker.exceptions import ApiError, OAuthRefused, OwnerUnauthorized, TransportError
from worker.wemeet import signing
from worker.wemeet.auth import Outgoing, learnt_offset
from worker.wemeet.oauth_endpoints import Issued, TokenEndpoints
from worker.wemeet.signing import CONTENT_TYPE

logger = logging.getLogger(__name__)

REAUTHORIZE_CODE = "oauth.reauthorize"
# A refresh token refused for good (seed 002): expired (1006), the user's open_id no longer
# valid (1004), or the grant revoked (1002). One user's matter: only their rows wait.
USER_MUST_AUTHORIZE = frozenset({1002, 1004, 1006})
# The service's own failures: the pair stays, the next check tries again.
TRANSIENT = frozenset({20, 999, -2})
EXPIRED_TOKEN = 200190303  # new_error_code of 190303 on an OAuth call
ACCESS_TOKEN_EXPIRED = 1005
REFRESH_TOKEN_LIFE = 30 * 86400.0  # seed 001: the refresh token lives 30 days


class LockedPair(Protocol):
    @property
    def token(self) -> OAuthToken | None: ...

    def save(self, token: OAuthToken) -> None: ...

    def park(self, code: str, message: str) -> None: ...


class TokenVault(Protocol):
    def get(self, open_id: str) -> OAuthToken | None: ...

    def all(self) -> list[OAuthToken]: ...

    def locked(self, open_id: str) -> AbstractContextManager[LockedPair]: ...

    def store(self, token: OAuthToken) -> None: ...


def refresh_at(token: OAuthToken, lead: float) -> float:
    """When a pair is due for renewal: ``lead`` seconds before its access token ends, or
    half-way through its life when the lead is longer than the whole life. Pure."""
    life = token.access_expires_at - token.refreshed_at
    if lead >= life:
        return token.refreshed_at + life / 2
    return token.access_expires_at - lead


def renews_token(error: ApiError) -> bool:
    """Whether an API error says the access token is expired or invalid (one refresh helps)."""
    return error.new_error_code == EXPIRED_TOKEN or error.error_code == ACCESS_TOKEN_EXPIRED


def reauthorize_message(open_id: str, why: str) -> str:
    return (
        f"Tencent Meeting user {open_id!r} must authorize the app again ({why}): once they "
        "have, run `meeting-sync oauth exchange --auth-code CODE`; their rows wait until then."
    )


class TokenKeeper:
    def __init__(
        self,
        vault: TokenVault,
        endpoints: TokenEndpoints,
        *,
        lead_seconds: float,
        worker: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.vault = vault
        self.endpoints = endpoints
        self.lead = lead_seconds
        self.worker = worker
        self.clock = clock

    def exchange(self, auth_code: str) -> OAuthToken:
        """Store the pair a new authorization gives; the user's waiting rows go again."""
        token = self._token(self.endpoints.exchange(auth_code), refresh_expires=None)
        self.vault.store(token)
        logger.info("oauth_authorized open_id=%s", token.open_id)
        return token

    def usable(self, open_id: str) -> OAuthToken:
        """The user's pair for a call, renewed first when due; OwnerUnauthorized if none."""
        token = _active(open_id, self.vault.get(open_id))
        if self.clock() >= refresh_at(token, self.lead):
            return self.renew(open_id)
        return token

    def renew(self, open_id: str, *, refused: OAuthToken | None = None) -> OAuthToken:
        """Refresh the user's pair under their row lock, unless the pair is (no longer) due:
        with ``refused`` (a pair an API call was refused with), unless it has been replaced.
        The new pair is committed before it is returned."""
        parked: str | None = None
        with self.vault.locked(open_id) as held:
            current = _active(open_id, held.token)
            due = (
                current.access_token == refused.access_token
                if refused is not None
                else self.clock() >= refresh_at(current, self.lead)
            )
            if not due:
                return current
            try:
                issued = self.endpoints.refresh(open_id, current.refresh_token)
            except OAuthRefused as exc:
                if exc.code not in USER_MUST_AUTHORIZE:
                    raise _call_error(exc) from None
                parked = reauthorize_message(open_id, f"refresh refused, error {exc.code}")
                held.park(REAUTHORIZE_CODE, parked)
            else:
                renewed = self._token(issued, refresh_expires=current.refresh_expires_at)
                held.save(renewed)
        if parked is not None:
            logger.warning("oauth_reauthorize open_id=%s", open_id)
            raise OwnerUnauthorized(REAUTHORIZE_CODE, parked)
        logger.info("oauth_refreshed open_id=%s by=%s", open_id, self.worker)
        return renewed

    def renew_due(self) -> int:
        """Renew every pair that is due (the refresh job; ``once`` before its pass). One
        user's failure is logged and leaves the others be. Returns how many were renewed."""
        renewed = 0
        for token in self.vault.all():
            if token.state != ACTIVE or self.clock() < refresh_at(token, self.lead):
                continue
            try:
                if self.renew(token.open_id).access_token != token.access_token:
                    renewed += 1
            except (OwnerUnauthorized, ApiError, TransportError) as exc:
                logger.warning("oauth_refresh_failed open_id=%s error=%s", token.open_id, exc)
        return renewed

    def _token(self, issued: Issued, *, refresh_expires: float | None) -> OAuthToken:
        now = self.clock()
        return OAuthToken(
            open_id=issued.open_id,
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            access_expires_at=issued.expires,
            refresh_expires_at=refresh_expires or now + REFRESH_TOKEN_LIFE,
            refreshed_at=now,
            refreshed_by=self.worker,
            scopes=issued.scopes,
        )


def _active(open_id: str, token: OAuthToken | None) -> OAuthToken:
    if token is None:
        raise OwnerUnauthorized(
            REAUTHORIZE_CODE, reauthorize_message(open_id, "no authorization is stored")
        )
    if token.state == REAUTHORIZE:
        raise OwnerUnauthorized(
            REAUTHORIZE_CODE, token.error_message or reauthorize_message(open_id, "refused")
        )
    return token


def _call_error(exc: OAuthRefused) -> ApiError | TransportError:
    """A refusal that is not one user's: the app's (secret, ban) opens the circuit, as a
    190303 would; the service's own failure is transient."""
    if exc.code in TRANSIENT:
        return TransportError(str(exc), may_have_reached=False, endpoint=exc.endpoint)
    return ApiError(error_code=190303, message=str(exc), http_status=400, endpoint=exc.endpoint)


class OAuthAuth:
    """A third-party app's call as one user: AccessToken and OpenId, a fresh timestamp and
    nonce; no signature, no X-TC-Key, no AppId or SdkId (spec §2)."""

    def __init__(
        self,
        keeper: TokenKeeper,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], int] = signing.new_nonce,
    ) -> None:
        self.keeper = keeper
        self._clock = clock
        self._nonce = nonce
        self.clock_offset = 0.0
        # The pair each user's last call went with, to tell a refused pair from a new one.
        self._sent: dict[str, OAuthToken] = {}

    def headers(self, request: Outgoing) -> dict[str, str]:
        if not request.user:
            raise OwnerUnauthorized(REAUTHORIZE_CODE, "an OAuth call needs the user's open_id")
        token = self.keeper.usable(request.user)
        self._sent[request.user] = token
        return {
            "Content-Type": CONTENT_TYPE,
            "AccessToken": token.access_token,
            "OpenId": token.open_id,
            "X-TC-Timestamp": str(int(self._clock() + self.clock_offset)),
            "X-TC-Nonce": str(self._nonce()),
        }

    def learn(self, error: ApiError, request: Outgoing | None = None) -> None:
        offset = learnt_offset(error, self._clock)
        if offset is not None:
            self.clock_offset = offset
        if not renews_token(error) or request is None or not request.user:
            return
        sent = self._sent.get(request.user)
        # The refusal is the refreshed pair's own, under the same lock as a due refresh:
        # the retry then goes with whatever pair is current.
        self.keeper.renew(request.user, refused=sent)
