"""The shared quota ledger in the calendar database (the I/O shell of worker.quota.scopes).

A reservation takes one call from every quota that applies, all of them or none, in one
short transaction on the database's clock, so that any number of workers on any number of
hosts count together. Reservations are never refunded: the provider counts attempts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from models import quota_counters_table as counters
from models import quota_events_table as events
from models import quota_pauses_table as pauses
from worker.quota.rates import Period, Rate, parse_period, window_bounds
from worker.quota.scopes import (
    SLIDING_MAX_SECONDS,
    Escalation,
    Scope,
    calendar_wait,
    calendar_windows,
    escalates,
    is_sliding,
    pause_until,
    sliding_wait,
    sliding_window,
)
from worker.quota.transactions import database_clock, lock_scopes, serialised


@dataclass(frozen=True)
class Granted:
    at: datetime


@dataclass(frozen=True)
class Wait:
    """No room before ``until``; ``error_code`` is set when a provider's pause is the cause."""

    seconds: float
    until: datetime
    scope: str
    error_code: int | None = None


@dataclass(frozen=True)
class PauseInfo:
    scope: str
    until: datetime
    error_code: int


# The statements of a reservation, built once: a reservation runs several of them for every
# API call, and building and keying them anew each time cost more than executing them.
_ACTIVE_PAUSES = select(pauses).where(
    pauses.c.scope.in_(bindparam("keys", expanding=True)), pauses.c.until > bindparam("now")
)
_IN_WINDOW = (events.c.scope == bindparam("scope"), events.c.at > bindparam("since"))
_COUNT_IN_WINDOW = select(func.count()).select_from(events).where(*_IN_WINDOW)
_NTH_OLDEST_IN_WINDOW = (
    select(events.c.at)
    .where(*_IN_WINDOW)
    .order_by(events.c.at)
    .offset(bindparam("n", type_=Integer, literal_execute=True))
    .limit(1)
)
# Not named after the columns: an UPDATE keeps those names for its SET clause.
_COUNTER_MATCH = (
    counters.c.scope == bindparam("counter_scope"),
    counters.c.period == bindparam("counter_period"),
)
_WINDOWS_FROM = select(counters.c.window_start, counters.c.used).where(
    *_COUNTER_MATCH, counters.c.window_start >= bindparam("first")
)
_COUNT_ONE = (
    update(counters)
    .where(*_COUNTER_MATCH, counters.c.window_start == bindparam("counter_window"))
    .values(used=counters.c.used + 1)
)

Clock = Callable[[Connection], datetime]
# Work that must commit with a grant, or not at all: given the transaction and its time.
OnGrant = Callable[[Connection, datetime], None]


class Rider(Protocol):
    """Writes that share a reservation's transaction whatever it decides (a grant or a
    wait), so that they cost no commit of their own: the outcomes of earlier rows."""

    def write(self, conn: Connection) -> None:
        """Run first in the transaction; run again if a deadlock makes it start over."""
        ...

    def committed(self) -> None:
        """The transaction holding what ``write`` did last has committed."""
        ...

    @property
    def pending(self) -> bool:
        """Whether anything is left to write."""
        ...

    def flush(self) -> None:
        """Write what is left in a transaction of its own, waiting out a short outage."""
        ...


class QuotaLedger:
    def __init__(
        self,
        engine: Engine,
        *,
        tz: ZoneInfo,
        margin: float = 0.02,
        slack: float = 2.0,
        clock: Clock | None = None,
    ) -> None:
        """``margin`` lengthens sliding windows (0.02 = 2 %); ``slack`` is how many seconds the
        provider's clock may differ from the database's at the turn of a day, month or pause."""
        self.engine = engine
        self.tz = tz
        self.margin = margin
        self.slack = slack
        self.clock = clock or database_clock

    def reserve(
        self,
        scopes: Sequence[Scope],
        on_grant: OnGrant | None = None,
        rider: Rider | None = None,
    ) -> Granted | Wait:
        """Reserve one call from every scope, or say how long to wait.

        ``on_grant`` runs inside the granting transaction; if it raises, the grant is rolled
        back with it (and the rider's writes: they stay the rider's to write) and the
        exception goes on up. ``rider`` writes before the scopes are locked, so its writes
        do not lengthen the time any other worker waits for a scope.
        """

        def work(conn: Connection) -> Granted | Wait:
            if rider is not None:
                rider.write(conn)
            return self._reserve(conn, scopes, on_grant)

        result = serialised(self.engine, work)
        if rider is not None:
            rider.committed()
        return result

    def pause(
        self, key: str, error_code: int, period: Period, escalation: Escalation | None = None
    ) -> datetime:
        """Stop every worker calling on ``key`` until the window of ``period`` turns, or
        that of the escalation's period when what the ledger counted says so."""
        return serialised(
            self.engine, lambda conn: self._pause(conn, key, error_code, period, escalation)
        )

    def pauses(self) -> list[PauseInfo]:
        with self.engine.connect() as conn:
            now = self.clock(conn)
            found = conn.execute(select(pauses).where(pauses.c.until > now)).all()
        return [PauseInfo(r.scope, r.until, r.error_code) for r in found]

    def calls_since(self, since: datetime) -> dict[str, int]:
        """Calls reserved per scope since ``since`` (for `meeting-sync status`)."""
        stmt = (
            select(events.c.scope, func.count())
            .where(events.c.at >= since)
            .group_by(events.c.scope)
        )
        with self.engine.connect() as conn:
            return {str(scope): int(n) for scope, n in conn.execute(stmt).all()}

    def used(self, key: str, rate: Rate) -> int:
        """Calls ``key`` has spent of ``rate`` in its current window (metrics, status)."""
        with self.engine.connect() as conn:
            now = self.clock(conn)
            if not is_sliding(rate):
                return self._used(conn, key, rate.period, now)
            since = now - timedelta(seconds=rate.period.approx_seconds)
            return int(conn.scalar(_COUNT_IN_WINDOW, {"scope": key, "since": since}) or 0)

    def prune(self, now: datetime) -> None:
        """Forget what no window can still see."""
        horizon = now - timedelta(seconds=2 * SLIDING_MAX_SECONDS)
        with self.engine.begin() as conn:
            conn.execute(delete(events).where(events.c.at < horizon))
            for period in conn.scalars(select(counters.c.period).distinct()).all():
                # Windows that ended before the one a call now could still be counted in.
                first = calendar_windows(parse_period(period), now.timestamp(), self.tz, self.slack)
                conn.execute(
                    delete(counters).where(
                        counters.c.period == period, counters.c.window_start < _utc(first[0])
                    )
                )
            # A pause that ran out is kept a while: an escalation asks when it ended.
            conn.execute(delete(pauses).where(pauses.c.until < horizon))

    # -- inside one transaction --------------------------------------------------------

    def _reserve(
        self, conn: Connection, scopes: Sequence[Scope], on_grant: OnGrant | None
    ) -> Granted | Wait:
        keys = sorted({s.key for s in scopes})
        lock_scopes(conn, keys)
        now = self.clock(conn)
        active = conn.execute(_ACTIVE_PAUSES, {"keys": keys, "now": now}).all()
        if active:
            last = max(active, key=lambda r: r.until)
            return Wait((last.until - now).total_seconds(), last.until, last.scope, last.error_code)
        waits = [
            (self._wait_for(conn, scope.key, rate, now), scope.key)
            for scope in scopes
            for rate in scope.rates
        ]
        longest, key = max(waits, default=(0.0, ""))
        if longest > 0:
            return Wait(longest, now + timedelta(seconds=longest), key)
        sliding = [
            {"scope": s.key, "at": now} for s in scopes if any(is_sliding(r) for r in s.rates)
        ]
        if sliding:
            conn.execute(insert(events), sliding)
        for scope in scopes:
            limited: set[Period] = set()  # windows a rate counts already
            for rate in scope.rates:
                if not is_sliding(rate):
                    self._count(conn, scope.key, rate.period, now)
                    limited.add(rate.period)
            for period in scope.counted:
                if period not in limited:
                    self._count(conn, scope.key, period, now)
        if on_grant is not None:
            on_grant(conn, now)
        return Granted(now)

    def _wait_for(self, conn: Connection, key: str, rate: Rate, now: datetime) -> float:
        if is_sliding(rate):
            window = sliding_window(rate, self.margin)
            inside = {"scope": key, "since": now - timedelta(seconds=window)}
            count = conn.scalar(_COUNT_IN_WINDOW, inside) or 0

            def nth_oldest(n: int) -> float:
                at: datetime | None = conn.scalar(_NTH_OLDEST_IN_WINDOW, {**inside, "n": n})
                assert at is not None  # the scope is locked: the count still holds
                return at.timestamp()

            return sliding_wait(count, nth_oldest, rate.calls, window, now.timestamp())
        t = now.timestamp()
        first = calendar_windows(rate.period, t, self.tz, self.slack)[0]
        rows = conn.execute(
            _WINDOWS_FROM,
            {"counter_scope": key, "counter_period": str(rate.period), "first": _utc(first)},
        ).all()
        used = {r.window_start.timestamp(): int(r.used) for r in rows}
        return calendar_wait(rate.period, rate.calls, used, t, self.tz, self.slack)

    def _count(self, conn: Connection, key: str, period: Period, now: datetime) -> None:
        for start in calendar_windows(period, now.timestamp(), self.tz, self.slack):
            window = {
                "counter_scope": key,
                "counter_period": str(period),
                "counter_window": _utc(start),
            }
            if conn.execute(_COUNT_ONE, window).rowcount:
                continue
            conn.execute(
                insert(counters).values(
                    scope=key, period=str(period), window_start=_utc(start), used=1
                )
            )

    def _used(self, conn: Connection, key: str, period: Period, now: datetime) -> int:
        """Calls counted in ``key``'s window of ``period`` that holds ``now``."""
        start = _utc(window_bounds(period, now.timestamp(), self.tz)[0])
        used = conn.scalar(
            select(counters.c.used).where(
                counters.c.scope == key,
                counters.c.period == str(period),
                counters.c.window_start == start,
            )
        )
        return int(used or 0)

    def _pause(
        self,
        conn: Connection,
        key: str,
        error_code: int,
        period: Period,
        escalation: Escalation | None,
    ) -> datetime:
        lock_scopes(conn, [key])
        now = self.clock(conn)
        found = conn.execute(
            select(pauses.c.until, pauses.c.error_code).where(pauses.c.scope == key)
        ).first()
        current = None if found is None else found.until
        # The key's last pause for this error, if it has run out: the retry after it failed.
        ended = (
            found.until.timestamp()
            if found is not None and found.error_code == error_code and found.until <= now
            else None
        )
        if escalation is not None and escalates(
            escalation,
            period,
            used_long=self._used(conn, key, escalation.period, now),
            used_short=self._used(conn, key, period, now),
            previous_until=ended,
            now=now.timestamp(),
        ):
            period = escalation.period
        until = _utc(pause_until(period, now.timestamp(), self.tz, self.slack))
        if current is None:
            conn.execute(
                insert(pauses).values(scope=key, until=until, error_code=error_code, set_at=now)
            )
        elif current < until:
            conn.execute(
                update(pauses)
                .where(pauses.c.scope == key)
                .values(until=until, error_code=error_code, set_at=now)
            )
        else:
            until = current
        return until


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
