"""`meeting-sync sandbox` (and `python -m sandbox`): the local API emulator's flags."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import signal
import sys
import threading
from types import FrameType

from sandbox.config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_QUOTA_TZ,
    DEFAULT_SENSITIVE_WORDS,
    DEMO_APP_ID,
    DEMO_SECRET_ID,
    DEMO_SECRET_KEY,
    SandboxConfig,
    parse_quotas,
)
from sandbox.limits import finite
from sandbox.oauth import DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL, OAuthApp
from sandbox.server import SandboxServer
from sandbox.trtc_settings import DEMO_ADMIN, DEMO_KEY, DEMO_SDKAPPID, TrtcSettings

logger = logging.getLogger(__name__)


def finite_float(text: str) -> float:
    """The type of the number flags: float() alone takes "nan", "inf" and "1e999"."""
    try:
        return finite(float(text), "the value")
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0: a free one)")
    parser.add_argument("--app-id", default=DEMO_APP_ID, help="the AppId it accepts")
    parser.add_argument("--sdk-id", default=None, help="the SdkId it assigned (default: none)")
    parser.add_argument("--secret-id", default=DEMO_SECRET_ID, help="the SecretId it accepts")
    parser.add_argument(
        "--secret-key", default=DEMO_SECRET_KEY, help="the SecretKey it verifies with"
    )
    parser.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="N/PERIOD[:CODE]",
        help="a call limit, e.g. 300/60s or 200000/1d (repeatable); periods under a day "
        "answer 190310, a day or more 190311, unless :CODE says otherwise",
    )
    parser.add_argument(
        "--quota-tz", default=DEFAULT_QUOTA_TZ, help="time zone of day and month windows"
    )
    parser.add_argument(
        "--user",
        action="append",
        default=None,
        help="a known userid (repeatable); without any, every userid is known",
    )
    parser.add_argument(
        "--sensitive-word",
        action="append",
        default=None,
        help=f"a word that a subject may not contain (default: {DEFAULT_SENSITIVE_WORDS[0]})",
    )
    parser.add_argument(
        "--unregistered-users",
        action="store_true",
        help="the account's userids are no registered users: X-TC-Registered: 1 fails (200003)",
    )
    parser.add_argument("--fail-rate", type=finite_float, default=0.0, help="share of HTTP 500s")
    parser.add_argument(
        "--drop-response-rate",
        type=finite_float,
        default=0.0,
        help="share of requests that are carried out but answered by a cut connection",
    )
    parser.add_argument("--latency-ms", type=finite_float, default=0.0, help="delay of every call")
    parser.add_argument(
        "--clock-offset-seconds",
        type=finite_float,
        default=0.0,
        help="shift of the sandbox's clock",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of ids and faults")
    parser.add_argument("--trtc-sdkappid", type=int, default=DEMO_SDKAPPID, help="TRTC SDKAppID")
    parser.add_argument("--trtc-key", default=DEMO_KEY, help="TRTC key UserSigs are checked with")
    parser.add_argument("--trtc-admin", default=DEMO_ADMIN, help="TRTC administrator account")
    oauth = parser.add_argument_group("third-party OAuth2.0 app (off unless both are given)")
    oauth.add_argument("--oauth-sdk-id", default=None, help="the OAuth app's sdk_id")
    oauth.add_argument("--oauth-secret", default=None, help="the OAuth app's secret")
    oauth.add_argument(
        "--access-token-ttl", type=finite_float, default=DEFAULT_ACCESS_TTL, help="seconds"
    )
    oauth.add_argument(
        "--refresh-token-ttl", type=finite_float, default=DEFAULT_REFRESH_TTL, help="seconds"
    )
    parser.add_argument(
        "--empty-cancel-body",
        action="store_true",
        help="answer a cancel with an empty body, as documented (default: {}, which the "
        "official SDK needs)",
    )


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        app_id=args.app_id,
        sdk_id=args.sdk_id or None,
        secret_id=args.secret_id,
        secret_key=args.secret_key,
        users=tuple(args.user) if args.user else None,
        sensitive_words=tuple(args.sensitive_word or DEFAULT_SENSITIVE_WORDS),
        registered_users=not args.unregistered_users,
        quotas=parse_quotas(args.quota),
        quota_tz=args.quota_tz,
        fail_rate=args.fail_rate,
        drop_response_rate=args.drop_response_rate,
        latency_ms=args.latency_ms,
        clock_offset_seconds=args.clock_offset_seconds,
        seed=args.seed,
        empty_cancel_body=args.empty_cancel_body,
        trtc=TrtcSettings(sdkappid=args.trtc_sdkappid, key=args.trtc_key, admin=args.trtc_admin),
        oauth=oauth_from_args(args),
    )


def oauth_from_args(args: argparse.Namespace) -> OAuthApp | None:
    if args.oauth_sdk_id is None and args.oauth_secret is None:
        return None
    if not (args.oauth_sdk_id and args.oauth_secret):
        raise ValueError("--oauth-sdk-id and --oauth-secret go together")
    return OAuthApp(
        args.oauth_sdk_id,
        args.oauth_secret,
        access_ttl=args.access_token_ttl,
        refresh_ttl=args.refresh_token_ttl,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT; one line on stdout says where. Exit 0 after a signal,
    2 for invalid flags, 1 when the address cannot be bound."""
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"meeting-sync sandbox: {exc}", file=sys.stderr)
        return 2
    try:
        server = SandboxServer(config, host=args.host, port=args.port)
    except OSError as exc:
        print(
            f"meeting-sync sandbox: cannot listen on {args.host}:{args.port}: {exc}",
            file=sys.stderr,
        )
        return 1
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        warn_if_exposed(args.host, server.port)
        print(f"sandbox listening on {server.base_url}", flush=True)
        while not stopping.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine's loopback interface only (127.0.0.0/8, ::1,
    localhost); any other name may resolve to an address other machines can reach."""
    name = host.strip().lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def exposure_warning(host: str, port: int) -> str | None:
    """What a user must know before a sandbox listens on ``host``, or None for loopback."""
    if is_loopback(host):
        return None
    where = f"{host}:{port}" if host else f"port {port} of every interface"
    return (
        f"listening on {where}, beyond this machine's loopback interface. The sandbox "
        "has no authentication on its control API (/_sandbox/): anyone who can reach this "
        "address can reset or reconfigure it and read every meeting and request it holds, "
        "and its API takes the published demo credentials unless --secret-id and "
        "--secret-key say otherwise. Use --host 127.0.0.1 unless other machines must reach it."
    )


def warn_if_exposed(host: str, port: int) -> None:
    """Print the exposure warning for the person who started the sandbox, and log it where
    the process's logs go. Without any log handler, logging would print it a second time
    (its last-resort handler writes to stderr too), so then it is only printed."""
    warning = exposure_warning(host, port)
    if warning is None:
        return
    print(f"meeting-sync sandbox: warning: {warning}", file=sys.stderr, flush=True)
    if logger.hasHandlers():
        logger.warning("sandbox.exposed host=%s port=%d: %s", host, port, warning)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args())
