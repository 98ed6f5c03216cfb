"""OAuth mode end to end, in process: real databases, real HTTP to a sandbox with an OAuth
app, time injected as the sandbox's own clock (``server.now``)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from sandbox.server import SandboxServer
from tests.integration.oauthenv import authorize, oauth_config, oauth_sandbox
from tests.integration.syncenv import insert, rows
from worker.composition import build_keeper, build_pass, build_status
from worker.status_report import collect_status, render_status
from worker.store.meetings import Store

# What requests itself adds to every call; everything else is the protocol's.
GENERIC = {"Host", "User-Agent", "Accept", "Accept-Encoding", "Connection", "Content-Length"}
OAUTH_HEADERS = {"AccessToken", "OpenId", "X-TC-Timestamp", "X-TC-Nonce", "Content-Type"}


def sync(config_url: str, server: SandboxServer, engine: Engine, **worker: object) -> None:
    config = oauth_config(config_url, server, **worker)  # type: ignore[arg-type]
    build_pass(config, store=Store(engine), clock=server.now).run()


def test_calls_carry_the_users_token_and_exactly_the_documented_headers(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = oauth_sandbox(sandbox_factory)
    config = oauth_config(migrated_url, server)
    authorize(config, engine, server, "open-alice")
    authorize(config, engine, server, "open-bob")
    insert(engine, "a1", "Alice's", userid="open-alice")
    insert(engine, "b1", "Bob's", userid="open-bob")

    build_pass(config, store=Store(engine), clock=server.now).run()

    assert {r.sync_state for r in rows(engine).values()} == {"synced"}
    calls = [e for e in server.requests_log() if not e["endpoint"].startswith("oauth_")]
    assert {e["userid"] for e in calls} == {"open-alice", "open-bob"}
    for entry in calls:
        assert set(entry["headers"]) == OAUTH_HEADERS | GENERIC, entry
    assert {m["creator"] for m in server.meetings()} == {"open-alice", "open-bob"}


def test_an_expired_refresh_token_parks_only_that_users_rows(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    # Carol authorized 3.5 hours ago and her refresh token lived 3 hours; Alice and Bob
    # authorized an hour ago, and their access tokens (1 hour) have just run out.
    server = oauth_sandbox(sandbox_factory, access_ttl=3600, refresh_ttl=3 * 3600)
    config = oauth_config(migrated_url, server)
    authorize(config, engine, server, "open-carol")
    server.advance_clock(2.5 * 3600)
    for user in ("open-alice", "open-bob"):
        authorize(config, engine, server, user)
    server.advance_clock(3600)
    for user in ("open-alice", "open-bob", "open-carol"):
        insert(engine, f"{user}-1", "Weekly", userid=user)
        insert(engine, f"{user}-2", "Review", userid=user)

    build_pass(config, store=Store(engine), clock=server.now).run()
    build_pass(config, store=Store(engine), clock=server.now).run()  # nothing more for her

    by_id = rows(engine)
    for user in ("open-alice", "open-bob"):
        assert {by_id[f"{user}-{n}"].sync_state for n in (1, 2)} == {"synced"}
    for n in (1, 2):
        parked = by_id[f"open-carol-{n}"]
        assert parked.sync_state == "pending"
        assert parked.error_code == "oauth.reauthorize"
        assert "must authorize the app again" in (parked.error_message or "")
        assert "meeting-sync oauth exchange" in (parked.error_message or "")
    view = server.oauth()
    assert view["open-carol"]["refreshes"] == 0
    assert view["open-carol"]["refused_refreshes"] == 1  # tried once, then never again
    assert {u: view[u]["refreshes"] for u in ("open-alice", "open-bob")} == {
        "open-alice": 1,
        "open-bob": 1,
    }
    assert not [e for e in server.requests_log() if e["userid"] == "open-carol"][1:]
    parts = build_status(config)
    status = collect_status(parts.store, parts.ledger, tokens=parts.tokens)
    parts.store.engine.dispose()
    assert status["oauth_users_to_reauthorize"] == ["open-carol"]
    assert "oauth users to reauthorize: open-carol" in render_status(config, as_json=False)

    # She authorizes the app again: her rows are due at once and sync.
    authorize(config, engine, server, "open-carol")
    build_pass(config, store=Store(engine), clock=server.now).run()
    assert {r.sync_state for r in rows(engine).values()} == {"synced"}


def test_a_call_refused_for_an_expired_token_refreshes_once_and_is_retried(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    # The worker's clock is behind the service's by 250 s (within the 5-minute window): its
    # pair looks good for another 50 s to the worker, but the service has expired it.
    server = oauth_sandbox(sandbox_factory, access_ttl=200)
    config = oauth_config(migrated_url, server, lead=30)
    authorize(config, engine, server, "open-alice")
    server.advance_clock(250)
    insert(engine, "a1", "Alice's", userid="open-alice")

    behind = server.now() - 250
    start = server.now()
    build_pass(config, store=Store(engine), clock=lambda: behind + (server.now() - start)).run()

    assert rows(engine)["a1"].sync_state == "synced"
    assert server.oauth()["open-alice"]["refreshes"] == 1
    api = [e for e in server.requests_log() if e["endpoint"] == "create"]
    assert [e["error_code"] for e in api] == [190303, None]


def test_a_pair_refused_after_another_worker_replaced_it_is_not_refreshed_again(
    engine: Engine, migrated_url: str, sandbox_factory: Callable[..., SandboxServer]
) -> None:
    server = oauth_sandbox(sandbox_factory, access_ttl=3600)
    config = oauth_config(migrated_url, server, lead=600)
    first = authorize(config, engine, server, "open-alice")
    mine, theirs = (build_keeper(config, engine, clock=server.now) for _ in range(2))
    assert mine is not None and theirs is not None
    server.advance_clock(3100)
    renewed = theirs.renew("open-alice")  # due: the other worker renews it first

    # This worker's call went out with the old pair and was refused: under the lock it
    # finds the pair replaced and takes the new one, without a second refresh.
    assert mine.renew("open-alice", refused=first).access_token == renewed.access_token
    assert server.oauth()["open-alice"]["refreshes"] == 1
    # Not due any more either: a check finds nothing to do.
    assert mine.renew_due() == 0 and server.oauth()["open-alice"]["refreshes"] == 1
