"""Overhead against the bare protocol: meetings synced per second, create path then update path.

    .venv/bin/python -m bench.overhead [--quick] [--rows N] [--repeats R] [--db sqlite postgresql]

Every contender sends the same N creates, then the same N updates, to one sandbox process on
localhost (no quotas, no latency); one contender at a time, all of them once per repeat, in
a rotating order, so that a noisy neighbour hits them alike:

- bare: a loop that signs (worker.wemeet.signing) and sends with one requests.Session, and
  reads the meeting id from the answer. No database, no retries, no parsing beyond that.
- sdk: the same calls through Tencent's official SDK (wemeet_openapi), one authenticator
  per call as the SDK requires.
- worker/<db>: `meeting-sync once` as its own process over N pending rows (then the same
  rows edited), with its quota ledger set to limits it never reaches.

Rate is the steady state, (n - 1) / (last call - first call) by the sandbox's request log,
so the worker's start-up (imports, connecting) is left out; the worker's rate including its
start-up is printed too. Ratios are medians of the per-repeat ratios to the bare loop.
CPU ms/meeting is the client's own CPU time (the worker's minus one idle `once` run).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import text

from bench.infra import (
    BACKENDS,
    SandboxProcess,
    available,
    database,
    insert_meetings,
    meeting_values,
    run_worker,
    worker_env,
)
from bench.report import heading, machine, median, table
from worker.store.engines import make_engine
from worker.wemeet.meeting import MeetingSpec, create_body, encode_body, update_body
from worker.wemeet.signing import aksk_headers, new_nonce

PHASES = ("create", "update")


@dataclass(frozen=True)
class Phase:
    rate: float  # calls per second between the first and the last call
    wall_rate: float  # meetings per second over the whole run, start-up included
    cpu_ms: float  # the client's CPU per meeting


def specs(count: int, suffix: str = "") -> list[MeetingSpec]:
    """The meetings every contender sends: exactly what the worker builds from its rows."""
    out = []
    for i in range(count):
        v = meeting_values(i)
        out.append(MeetingSpec(userid="bench", subject=v["s"] + suffix, start=v["st"], end=v["et"]))
    return out


def steady_rate(sandbox: SandboxProcess, endpoint: str, expected: int) -> float:
    """Calls per second between the first and the last successful ``endpoint`` call."""
    times = [
        float(e["t"])
        for e in sandbox.requests_log()
        if e["endpoint"] == endpoint and e["outcome"] == "ok"
    ]
    if len(times) != expected:
        raise RuntimeError(f"expected {expected} successful {endpoint} calls, saw {len(times)}")
    return (len(times) - 1) / (max(times) - min(times))


def measured(sandbox: SandboxProcess, endpoint: str, count: int, fn: Callable[[], object]) -> Phase:
    """Run an in-process loop; its rate by the sandbox's log, its CPU by this process."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return Phase(steady_rate(sandbox, endpoint, count), count / wall, cpu * 1000 / count)


# -- bare loop ------------------------------------------------------------------------------


def bare(sandbox: SandboxProcess, count: int) -> dict[str, Phase]:
    creds, base = sandbox.credentials, sandbox.base_url
    created: list[str] = []

    def send(session: requests.Session, method: str, uri: str, body: bytes) -> Any:
        headers = aksk_headers(
            creds, method, uri, body, nonce=new_nonce(), timestamp=int(time.time())
        )
        response = session.request(method, base + uri, data=body, headers=headers, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {uri}: {response.status_code} {response.text[:200]}")
        return response.json()

    def creates() -> None:
        with requests.Session() as session:
            for spec in specs(count):
                doc = send(session, "POST", "/v1/meetings", encode_body(create_body(spec)))
                created.append(doc["meeting_info_list"][0]["meeting_id"])

    def updates() -> None:
        with requests.Session() as session:
            for meeting_id, spec in zip(created, specs(count, " v2"), strict=True):
                send(session, "PUT", f"/v1/meetings/{meeting_id}", encode_body(update_body(spec)))

    sandbox.reset()
    out = {"create": measured(sandbox, "create", count, creates)}
    out["update"] = measured(sandbox, "update", count, updates)
    return out


# -- the official SDK -------------------------------------------------------------------------


def sdk(sandbox: SandboxProcess, count: int) -> dict[str, Phase]:
    import wemeet_openapi
    from wemeet_openapi.core import constants, xhttp
    from wemeet_openapi.core.authenticator import JWTAuthenticator
    from wemeet_openapi.service.meetings import api, model

    creds = sandbox.credentials
    client = wemeet_openapi.Client(
        app_id=creds.app_id,
        sdk_id="",  # the SDK always sends SdkId; empty means the app has none
        secret_id=creds.secret_id,
        secret_key=creds.secret_key,
        clt=xhttp.Client(
            host=sandbox.base_url.removeprefix("http://"),
            protocol="http",
            serializer=constants.DEFAULT_SERIALIZER,
        ),
    )
    created: list[str] = []

    def creates() -> None:
        for spec in specs(count):
            answer = client.meetings_api.v1_meetings_post(
                request=api.ApiV1MeetingsPostRequest(
                    body=model.V1MeetingsPostRequest(
                        userid=spec.userid,
                        instanceid=1,
                        subject=spec.subject,
                        type=0,
                        start_time=str(int(spec.start.timestamp())),
                        end_time=str(int(spec.end.timestamp())),
                    )
                ),
                authenticator_options=[JWTAuthenticator().options_build()],
            )
            created.append(answer.data.meeting_info_list[0].meeting_id)

    def updates() -> None:
        for meeting_id, spec in zip(created, specs(count, " v2"), strict=True):
            client.meetings_api.v1_meetings_meeting_id_put(
                request=api.ApiV1MeetingsMeetingIdPutRequest(
                    meeting_id=meeting_id,
                    body=model.V1MeetingsMeetingIdPutRequest(
                        userid=spec.userid,
                        instanceid=1,
                        subject=spec.subject,
                        start_time=str(int(spec.start.timestamp())),
                        end_time=str(int(spec.end.timestamp())),
                        meeting_type=0,
                    ),
                ),
                authenticator_options=[JWTAuthenticator().options_build()],
            )

    sandbox.reset()
    out = {"create": measured(sandbox, "create", count, creates)}
    out["update"] = measured(sandbox, "update", count, updates)
    return out


# -- the worker -------------------------------------------------------------------------------


def timed_once(env: dict[str, str]) -> tuple[float, float]:
    """CPU seconds and wall seconds of one `meeting-sync once` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    run_worker(["once"], env)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def worker(sandbox: SandboxProcess, backend: str, count: int) -> dict[str, Phase]:
    sandbox.reset()
    out: dict[str, Phase] = {}
    with database(backend) as url:
        env = worker_env(url, sandbox)
        engine = make_engine(url)
        try:
            idle_cpu, _ = timed_once(env)  # nothing due: the start-up alone
            insert_meetings(engine, count)
            for phase, revision in zip(PHASES, (1, 2), strict=True):
                if phase == "update":
                    with engine.begin() as conn:  # the calendar edits every row
                        conn.execute(text("UPDATE meetings SET subject = subject || ' v2'"))
                cpu, wall = timed_once(env)
                synced = _count_synced(engine, revision)
                if synced != count:
                    raise RuntimeError(f"{backend} {phase}: {synced} of {count} rows synced")
                out[phase] = Phase(
                    steady_rate(sandbox, phase, count),
                    count / wall,
                    max(0.0, cpu - idle_cpu) * 1000 / count,
                )
        finally:
            engine.dispose()
    return out


def _count_synced(engine: Any, revision: int) -> int:
    query = text(
        "SELECT count(*) FROM meetings WHERE sync_state = 'synced' "
        "AND synced_revision = :r AND meeting_id IS NOT NULL"
    )
    with engine.connect() as conn:
        return int(conn.scalar(query, {"r": revision}))


# -- the run ----------------------------------------------------------------------------------


Contender = Callable[[SandboxProcess, int], dict[str, Phase]]


def contenders(backends: Sequence[str]) -> dict[str, Contender]:
    found: dict[str, Contender] = {"bare (requests)": bare, "official SDK": sdk}
    for backend in backends:
        found[f"worker / {backend}"] = _worker_on(backend)
    return found


def _worker_on(backend: str) -> Contender:
    def contender(sandbox: SandboxProcess, count: int) -> dict[str, Phase]:
        return worker(sandbox, backend, count)

    return contender


def run(count: int, repeats: int, backends: Sequence[str]) -> None:
    heading(
        "overhead against the bare protocol",
        f"{count} creates then {count} updates per contender, median of {repeats} repeats; "
        f"{machine()}",
    )
    chosen = contenders(available(backends))
    names = list(chosen)
    results: dict[str, dict[str, list[Phase]]] = {n: {p: [] for p in PHASES} for n in names}
    ratios: dict[str, dict[str, list[float]]] = {n: {p: [] for p in PHASES} for n in names}
    with SandboxProcess() as sandbox:
        for r in range(repeats):
            order = names[r % len(names) :] + names[: r % len(names)]  # rotate the order
            got = {name: chosen[name](sandbox, count) for name in order}
            for name, phase in itertools.product(names, PHASES):
                results[name][phase].append(got[name][phase])
                ratios[name][phase].append(got[name][phase].rate / got[names[0]][phase].rate)
            print(f"  repeat {r + 1}/{repeats} done")
    rows = []
    for phase, name in itertools.product(PHASES, names):
        runs = results[name][phase]
        rates = [p.rate for p in runs]
        rows.append(
            [
                f"{phase:<6} {name}",
                median(rates),
                min(rates),
                max(rates),
                f"{median(ratios[name][phase]):.0%}",
                median([p.wall_rate for p in runs]),
                median([p.cpu_ms for p in runs]),
            ]
        )
    print(
        table(
            ["path / contender", "calls/s", "min", "max", "vs bare", "w/ start-up", "CPU ms"],
            rows,
        )
    )
    print("goal: the worker reaches at least 70 % of the bare loop's rate")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="200 rows, 3 repeats")
    parser.add_argument("--rows", type=int, help="meetings per contender (default 1000)")
    parser.add_argument("--repeats", type=int, help="repeats (default 5)")
    parser.add_argument("--db", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    args = parser.parse_args(argv)
    count = args.rows or (200 if args.quick else 1000)
    repeats = args.repeats or (3 if args.quick else 5)
    run(count, repeats, args.db)


if __name__ == "__main__":
    main()
