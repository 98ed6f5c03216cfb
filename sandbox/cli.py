"""`meeting-sync sandbox` (and `python -m sandbox`): the local API emulator's flags."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from sandbox.config import (
    DEFAULT_SENSITIVE_WORDS,
    DEMO_APP_ID,
    DEMO_SECRET_ID,
    DEMO_SECRET_KEY,
    SandboxConfig,
    parse_quotas,
)
from sandbox.server import SandboxServer


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
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
    parser.add_argument("--quota-tz", default="Asia/Shanghai", help="time zone of day windows")
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
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of HTTP 500s")
    parser.add_argument(
        "--drop-response-rate",
        type=float,
        default=0.0,
        help="share of requests that are carried out but answered by a cut connection",
    )
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay of every call")
    parser.add_argument(
        "--clock-offset-seconds", type=float, default=0.0, help="shift of the sandbox's clock"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of ids and faults")


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    return SandboxConfig(
        app_id=args.app_id,
        sdk_id=args.sdk_id or None,
        secret_id=args.secret_id,
        secret_key=args.secret_key,
        users=tuple(args.user) if args.user else None,
        sensitive_words=tuple(args.sensitive_word or DEFAULT_SENSITIVE_WORDS),
        quotas=parse_quotas(args.quota),
        quota_tz=args.quota_tz,
        fail_rate=args.fail_rate,
        drop_response_rate=args.drop_response_rate,
        latency_ms=args.latency_ms,
        clock_offset_seconds=args.clock_offset_seconds,
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"meeting-sync sandbox: {exc}", file=sys.stderr)
        return 2
    server = SandboxServer(config, host=args.host, port=args.port)
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    print(f"sandbox listening on {server.base_url}", flush=True)
    stopping.wait()
    server.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args())
