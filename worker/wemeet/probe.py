"""What `meeting-sync doctor` asks Tencent Meeting, and what the answers mean.

1. One unsigned request (``GET /v1/meetings``): the real API refuses it before it counts
   anything (200001, missing headers), and the refusal tells two things — whether
   ``base_url`` is the API at all (an ``error_info`` body) and the API's clock (``Date``).
2. One signed read (the list of a user's meetings), as the worker would send it.
3. For a 200003 or 190303, the same read again with one setting changed, for each cause of
   seeds 000/001 that a request can test: without the SdkId, with SecretId and SecretKey
   exchanged, with ``X-TC-Registered: 0``. The change the API accepts is the cause.

The verdicts are pure functions of the answers (``clock_finding``, ``credential_cause``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import requests

from worker.config import WemeetConfig
from worker.exceptions import ApiError
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.responses import ResponseMeta, decode_json, error_from_body
from worker.wemeet.signing import Credentials
from worker.wemeet.uri import build_uri, parse_base_url

# The API refuses a timestamp more than 5 minutes off (spec §1).
CLOCK_TOLERANCE_SECONDS = 300.0
CLOCK_WARN_SECONDS = 30.0
CLOCK_SKEW = 190300
AUTH_CODES = frozenset({200003, 190303, 200001, CLOCK_SKEW})
PROBE_USERID = "meeting-sync-doctor"

WITHOUT_SDK_ID = "without_sdk_id"
SWAPPED_KEYS = "swapped_keys"
REGISTERED_0 = "registered_0"


@dataclass(frozen=True)
class Finding:
    level: str  # OK, WARN or FAIL
    check: str
    message: str


@dataclass(frozen=True)
class Landing:
    """What the unsigned request found at ``base_url``."""

    is_api: bool
    detail: str
    server_date: float | None


def clock_finding(offset: float | None) -> Finding:
    if offset is None:
        return Finding("WARN", "clock", "the API's answer had no Date header: offset unknown")
    # ``offset`` is the API's clock minus this host's.
    side = "behind" if offset > 0 else "ahead of"
    shown = (
        "this host's clock agrees with the API's (within 1 s)"
        if abs(offset) < 1
        else f"this host's clock is {abs(offset):.0f} s {side} the API's"
    )
    if abs(offset) > CLOCK_TOLERANCE_SECONDS:
        return Finding(
            "FAIL",
            "clock",
            f"{shown}, beyond the API's 5-minute window: every signature is refused (190300) "
            "until the worker learns the offset. Synchronise the clock (chrony/ntpd, "
            "`timedatectl set-ntp true`).",
        )
    if abs(offset) > CLOCK_WARN_SECONDS:
        return Finding("WARN", "clock", f"{shown}: synchronise it before it drifts past 5 min")
    return Finding("OK", "clock", shown)


def credential_cause(code: int, accepted: Mapping[str, bool], config: WemeetConfig) -> str:
    """Which cause of a 200003/190303 applies, from which changed requests were accepted."""
    if code == CLOCK_SKEW:
        return "the API refuses the timestamp (190300): synchronise this host's clock."
    if accepted.get(SWAPPED_KEYS):
        return (
            "wemeet.secret_id and wemeet.secret_key are swapped: the API accepts them the "
            "other way round. Exchange the two values (X-TC-Key carries the SecretId)."
        )
    if accepted.get(WITHOUT_SDK_ID):
        return (
            "wemeet.sdk_id is set but no SdkId was assigned to this app: the API accepts the "
            "same request without it. Leave wemeet.sdk_id empty."
        )
    if accepted.get(REGISTERED_0):
        return (
            "X-TC-Registered: 1 is refused: the userids are not registered users of the "
            "account. Set wemeet.registered = 0, or register the users (SSO or user management)."
        )
    ruled_out = ["swapped SecretId/SecretKey"]
    if config.sdk_id:
        ruled_out.append("the SdkId")
    if config.registered == 1:
        ruled_out.append("X-TC-Registered")
    tried = ", ".join(ruled_out)
    if code == 190303:
        return (
            "wemeet.app_id (AppId) or wemeet.secret_id (X-TC-Key) is not recognised (probes "
            f"ruled out {tried}): copy both from the Tencent Meeting console and check that "
            "the app and its key pair are enabled."
        )
    if code == 200001:
        return "a required header is missing: a proxy may strip or re-case header names."
    return (
        "wemeet.secret_key is not the SecretKey of wemeet.secret_id (probes ruled out "
        f"{tried}): copy the pair again from the console."
    )


class WemeetProbe:
    def __init__(
        self,
        config: WemeetConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.session = session or requests.Session()
        self.clock = clock

    def landing(self) -> Landing:
        base = parse_base_url(self.config.base_url)
        url = base.url(build_uri(base.prefix, "/v1/meetings", [("userid", PROBE_USERID)]))
        timeout = (self.config.connect_timeout_seconds, self.config.timeout_seconds)
        try:
            response = self.session.get(url, timeout=timeout, allow_redirects=False)
        except requests.RequestException as exc:
            return Landing(False, f"no answer from wemeet.base_url: {type(exc).__name__}", None)
        meta = ResponseMeta.from_headers("list", response.status_code, response.headers, now=0)
        try:
            error = error_from_body(meta, decode_json(response.content))
        except ValueError:
            error = None
        kind = response.headers.get("Content-Type", "no content type")
        if error is None:
            return Landing(
                False,
                f"wemeet.base_url answers HTTP {response.status_code} ({kind}) without the API's "
                "error_info body: it is not the Tencent Meeting API (expected "
                "https://api.meeting.qq.com, with no path)",
                meta.server_date,
            )
        return Landing(True, f"the API answers at {base.origin}", meta.server_date)

    def signed_read(self, config: WemeetConfig, offset: float) -> int | None:
        """None when the API accepts the credentials (any answer past authentication), else
        the authentication error's code."""
        credentials = Credentials(
            app_id=config.app_id,
            secret_id=config.secret_id,
            secret_key=config.secret_key,
            sdk_id=config.sdk_id or None,
        )
        auth = AkSkAuth(credentials, clock=self.clock, registered=str(config.registered))
        auth.set_clock_offset(offset)
        client = WemeetClient(
            auth,
            config.base_url,
            session=self.session,
            connect_timeout=config.connect_timeout_seconds,
            read_timeout=config.timeout_seconds,
            max_list_pages=1,
        )
        try:
            client.list_user_meetings(PROBE_USERID)
        except ApiError as exc:
            return exc.error_code if exc.error_code in AUTH_CODES else None
        return None

    def variants(self) -> dict[str, WemeetConfig]:
        """The changed configurations worth a request, by name."""
        c = self.config
        found = {SWAPPED_KEYS: replace(c, secret_id=c.secret_key, secret_key=c.secret_id)}
        if c.sdk_id:
            found[WITHOUT_SDK_ID] = replace(c, sdk_id="")
        if c.registered == 1:
            found[REGISTERED_0] = replace(c, registered=0)
        return found
