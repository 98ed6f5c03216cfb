"""The composition root: the one place that builds the object graph from the configuration.

`run`, `once`, `status` and `demo` all build through here: the engine and store, the quota
ledger (with the configured margin and slack) and gate, the providers by name, and the pass.
Fault injection and test doubles come in as explicit arguments (``after_call``,
``session``, ``durable``, ``monotonic``), passed by a test or a test's own entry point;
nothing here reads the environment.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import Engine

from worker.config import ENV_PREFIX, Config
from worker.domain.calls import CallObserver, CallRecord
from worker.quota.gate import QuotaGate
from worker.quota.ledger import QuotaLedger
from worker.store.durable import DurableWrites
from worker.store.engines import make_engine
from worker.store.meetings import Store
from worker.store.oauth_tokens import OAuthTokenStore
from worker.store.token_cipher import TokenCipher
from worker.sync.api_calls import CallLog
from worker.sync.decide import RetryPolicy
from worker.sync.job import AfterCall
from worker.sync.loop import PassReport, PassSettings, SyncPass
from worker.sync.provider import Provider
from worker.sync.retry import InCallRetry
from worker.trtc import provider as trtc
from worker.trtc.compose import build_trtc
from worker.wemeet import provider as wemeet
from worker.wemeet.auth import AkSkAuth, Auth
from worker.wemeet.client import WemeetClient
from worker.wemeet.oauth import OAuthAuth, TokenKeeper
from worker.wemeet.oauth_endpoints import TokenEndpoints
from worker.wemeet.quota import WemeetQuotas
from worker.wemeet.signing import Credentials

# The provider of a row whose `provider` column is NULL (the column's default names it too).
DEFAULT_PROVIDER = wemeet.NAME


def worker_id(config: Config) -> str:
    return config.worker.worker_id or f"{socket.gethostname()}:{os.getpid()}"


def build_keeper(
    config: Config,
    engine: Engine,
    *,
    session: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenKeeper | None:
    """OAuth mode's token keeper over the `oauth_tokens` table; None in AK/SK mode, and
    when Tencent Meeting is not served at all (a `[trtc]`-only deployment)."""
    if not config.oauth or not config.serves_wemeet:
        return None
    w = config.wemeet
    endpoints = TokenEndpoints(
        w.oauth_base_url,
        sdk_id=w.sdk_id,
        secret=w.oauth_secret,
        session=session,
        timeout=(w.connect_timeout_seconds, w.timeout_seconds),
    )
    return TokenKeeper(
        OAuthTokenStore(engine, TokenCipher(config.oauth_key)),
        endpoints,
        lead_seconds=w.oauth_refresh_lead_seconds,
        worker=worker_id(config),
        clock=clock,
    )


def build_client(
    config: Config,
    *,
    session: requests.Session | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
    keeper: TokenKeeper | None = None,
    clock: Callable[[], float] = time.time,
) -> WemeetClient:
    w = config.wemeet
    auth: Auth
    if keeper is not None:
        auth = OAuthAuth(keeper, clock=clock)
    else:
        credentials = Credentials(
            app_id=w.app_id, secret_id=w.secret_id, secret_key=w.secret_key, sdk_id=w.sdk_id or None
        )
        auth = AkSkAuth(credentials, registered=str(w.registered), clock=clock)
    return WemeetClient(
        auth,
        w.base_url,
        session=session,
        connect_timeout=w.connect_timeout_seconds,
        read_timeout=w.timeout_seconds,
        clock=clock,
        on_call=on_call,
    )


def build_providers(
    config: Config,
    *,
    session: requests.Session | None = None,
    recorder: Callable[[str], Callable[[CallRecord], None]] | None = None,
    keeper: TokenKeeper | None = None,
    clock: Callable[[], float] = time.time,
) -> dict[str, Provider[Any]]:
    """Every provider this worker serves, by the name rows carry in `provider`;
    ``recorder(name)`` is the ``on_call`` hook of that provider's client. Tencent Meeting
    is served when its credentials are set, TRTC rooms when `[trtc] sdkappid` is."""
    providers: dict[str, Provider[Any]] = {}
    if config.serves_wemeet:
        providers[wemeet.NAME] = build_wemeet(
            config, session=session, recorder=recorder, keeper=keeper, clock=clock
        )
    if config.serves_trtc:
        trtc_calls = recorder(trtc.NAME) if recorder else None
        providers[trtc.NAME] = build_trtc(config, session=session, on_call=trtc_calls, clock=clock)
    return providers


def unserved_providers(config: Config) -> dict[str, str]:
    """What to configure for each provider this worker knows but does not serve: the
    message a row of that provider fails with (`local.unknown_provider`)."""
    hints = {}
    if not config.serves_wemeet:
        hints[wemeet.NAME] = (
            f"provider {wemeet.NAME!r} (Tencent Meeting) is not configured on this worker: "
            "set " + ", ".join(config.missing_credentials())
        )
    if not config.serves_trtc:
        hints[trtc.NAME] = (
            f"provider {trtc.NAME!r} (Tencent RTC rooms) is not configured on this worker: "
            f"set trtc.sdkappid and trtc.key (or {ENV_PREFIX}TRTC_KEY)"
        )
    return hints


def build_wemeet(
    config: Config,
    *,
    session: requests.Session | None,
    recorder: Callable[[str], Callable[[CallRecord], None]] | None,
    keeper: TokenKeeper | None,
    clock: Callable[[], float],
) -> wemeet.WemeetProvider:
    q, w = config.quota, config.wemeet
    quotas = WemeetQuotas(
        # An OAuth app's calls are counted under its sdk_id: it has no AppId of its own.
        app_id=f"oauth:{w.sdk_id}" if keeper is not None else w.app_id,
        app=q.app,
        user_create=q.user_create,
        user=q.user,
        per_user=keeper is not None,
    )
    on_call = recorder(wemeet.NAME) if recorder else None
    client = build_client(config, session=session, on_call=on_call, keeper=keeper, clock=clock)
    return wemeet.WemeetProvider(client, quotas, renews_tokens=keeper is not None)


def build_ledger(config: Config, engine: Engine) -> QuotaLedger:
    q = config.quota
    return QuotaLedger(
        engine,
        tz=ZoneInfo(q.time_zone),
        margin=q.safety_margin,
        slack=q.boundary_slack_seconds,
    )


@dataclass(frozen=True)
class StatusParts:
    store: Store
    ledger: QuotaLedger
    tokens: OAuthTokenStore | None = None  # OAuth mode: who must authorize the app again


def build_status(config: Config) -> StatusParts:
    engine = make_engine(config.database.url)
    tokens = OAuthTokenStore(engine, TokenCipher(config.oauth_key)) if config.oauth else None
    return StatusParts(Store(engine), build_ledger(config, engine), tokens)


def build_pass(
    config: Config,
    *,
    store: Store | None = None,
    stop: threading.Event | None = None,
    after_call: AfterCall | None = None,
    session: requests.Session | None = None,
    durable: DurableWrites | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    clock: Callable[[], float] = time.time,
    observers: Sequence[CallObserver] = (),
) -> SyncPass:
    """``clock``: the worker's own time (request stamps, token expiries); the database's
    clock still rules leases and quotas."""
    store = store or Store(make_engine(config.database.url))
    owner = worker_id(config)
    call_log = CallLog(owner, observers=observers)
    keeper = build_keeper(config, store.engine, session=session, clock=clock)
    providers = build_providers(
        config, session=session, recorder=call_log.recorder, keeper=keeper, clock=clock
    )
    wk = config.worker
    settings = PassSettings(
        owner=owner,
        batch_size=wk.batch_size,
        lease_seconds=wk.lease_seconds,
        max_attempts=wk.max_attempts,
        retry=RetryPolicy(
            base_seconds=wk.retry_base_seconds,
            cap_seconds=wk.retry_max_seconds,
            saturated_seconds=wk.retry_saturated_seconds,
        ),
    )
    stop = stop or threading.Event()
    halt = stop

    def interruptible_sleep(seconds: float) -> None:
        halt.wait(seconds)  # a shutdown cuts a back-off short

    gate = QuotaGate(
        build_ledger(config, store.engine),
        max_wait_seconds=config.quota.max_wait_seconds,
        stop=stop,
    )
    return SyncPass(
        store,
        providers,
        settings,
        default_provider=DEFAULT_PROVIDER,
        unserved=unserved_providers(config),
        retry=InCallRetry(sleep=interruptible_sleep),
        gate=gate,
        call_log=call_log,
        stop=stop,
        # Not cut short by a shutdown: an outcome the API has given is worth the wait.
        durable=durable or DurableWrites(wk.writeback_retry_seconds),
        after_call=after_call,
        monotonic=monotonic,
    )


def run_once(
    config: Config,
    *,
    after_call: AfterCall | None = None,
    observers: Sequence[CallObserver] = (),
    watch: Callable[[SyncPass], Callable[[], PassReport]] | None = None,
    clock: Callable[[], float] = time.time,
) -> PassReport:
    """One pass; ``watch`` wraps it (metrics, pass history, progress) when asked. In OAuth
    mode the pairs that are due are renewed first, before any call."""
    sync = build_pass(config, after_call=after_call, observers=observers, clock=clock)
    keeper = build_keeper(config, sync.store.engine, clock=clock)
    if keeper is not None:
        keeper.renew_due()
    return (watch(sync) if watch else sync.run)()
