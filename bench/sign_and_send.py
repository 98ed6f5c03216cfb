"""Signatures per second of the pure signer; round trips per second, client → sandbox.

    .venv/bin/python -m bench.sign_and_send [--quick] [--seconds 2] [--repeats 5]

Both are measured in one run, one process, on localhost, as medians over repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.infra import client_credentials
from sandbox.server import SandboxServer
from worker.wemeet.auth import AkSkAuth
from worker.wemeet.client import WemeetClient
from worker.wemeet.meeting import MeetingSpec, create_body, encode_body
from worker.wemeet.signing import sign

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
SPEC = MeetingSpec(
    userid="bench", subject="周会 benchmark", start=START, end=START + timedelta(hours=1)
)


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Operations per second of ``fn`` over about ``seconds``."""
    done, began = 0, time.perf_counter()
    deadline = began + seconds
    while True:
        for _ in range(10):
            fn()
        done += 10
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - began)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="0.5 s per measure, 3 repeats")
    parser.add_argument("--seconds", type=float, help="seconds per measure (default 2)")
    parser.add_argument("--repeats", type=int, help="repeats (default 5)")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (0.5 if args.quick else 2.0)
    args.repeats = args.repeats or (3 if args.quick else 5)

    body = encode_body(create_body(SPEC))
    nonce = iter(range(1, 10**12))

    def one_signature() -> object:
        return sign(
            "POST",
            "/v1/meetings",
            body,
            secret_id="id",
            secret_key="key",
            nonce=next(nonce),
            timestamp=1_700_000_000,
        )

    signatures: list[float] = []
    round_trips: list[float] = []
    with (
        SandboxServer() as sandbox,
        WemeetClient(AkSkAuth(client_credentials(sandbox.credentials)), sandbox.base_url) as client,
    ):
        created = client.create_meeting(SPEC)

        def one_round_trip() -> object:
            return client.get_meeting(created.meeting_id, SPEC.userid)

        for _ in range(args.repeats):
            signatures.append(rate(one_signature, args.seconds))
            round_trips.append(rate(one_round_trip, args.seconds))

    print(f"{'measure':<40}{'median /s':>12}{'min /s':>12}{'max /s':>12}")
    for name, values in (
        ("pure signer (signatures)", signatures),
        ("client -> sandbox GET (round trips)", round_trips),
    ):
        print(
            f"{name:<40}{statistics.median(values):>12,.0f}{min(values):>12,.0f}"
            f"{max(values):>12,.0f}"
        )


if __name__ == "__main__":
    main()
