"""The `oauth_tokens` table: each authorized user's token pair, and the row lock that makes
one worker, fleet-wide, the refresher of a user at a time.

``locked`` takes the user's row lock (``SELECT … FOR UPDATE`` on PostgreSQL and MariaDB/MySQL,
the write lock taken at ``BEGIN IMMEDIATE`` on SQLite) and holds it while the caller renews
the pair; what the caller saves under it is committed when the block ends, before anyone
uses it. It is the one transaction held across an HTTP call, the token endpoint's: a refresh
that two workers made at once would invalidate the pair the other one got.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, inspect, select, update

from models import meetings_table, oauth_tokens_table
from worker.domain.tokens import ACTIVE, REAUTHORIZE, OAuthToken
from worker.store.engines import write_transaction
from worker.store.token_cipher import TokenCipher

t = oauth_tokens_table.c
REAUTHORIZE_CODE = "oauth.reauthorize"


@dataclass(frozen=True)
class TokenExpiry:
    """When a user's pair ends, read without the tokens (for the metrics)."""

    open_id: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    reauthorize: bool


class TokenExpiries:
    """Reads every user's expiries; nothing while the table does not exist (a database not
    yet upgraded to migration 0006), so the other figures are still read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._present = False  # once seen, the table stays: the check is not repeated

    def all(self) -> list[TokenExpiry]:
        if not self._present:
            self._present = inspect(self.engine).has_table(oauth_tokens_table.name)
            if not self._present:
                return []
        query = select(t.open_id, t.access_expires_at, t.refresh_expires_at, t.state)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.open_id)).all()
        return [TokenExpiry(o, a, r, state == REAUTHORIZE) for o, a, r, state in rows]


class LockedToken:
    """A user's row under its lock: read it, then save the new pair or park the user."""

    def __init__(self, store: OAuthTokenStore, conn: Connection, token: OAuthToken | None):
        self._store, self._conn = store, conn
        self.token = token

    def save(self, token: OAuthToken) -> None:
        self._store._write(self._conn, token)
        self.token = token

    def park(self, code: str, message: str) -> None:
        """The refresh token was refused for good: the user must authorize again."""
        assert self.token is not None, "only a stored user can be parked"
        self._conn.execute(
            update(oauth_tokens_table)
            .where(t.open_id == self.token.open_id)
            .values(state=REAUTHORIZE, error_code=code, error_message=message)
        )


class OAuthTokenStore:
    def __init__(self, engine: Engine, cipher: TokenCipher) -> None:
        self.engine = engine
        self.cipher = cipher

    def get(self, open_id: str) -> OAuthToken | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(oauth_tokens_table).where(t.open_id == open_id)).first()
        return None if row is None else self._read(row._mapping)

    def all(self) -> list[OAuthToken]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(oauth_tokens_table).order_by(t.open_id)).all()
        return [self._read(r._mapping) for r in rows]

    def needing_reauthorization(self) -> list[str]:
        """The open_ids whose rows wait for a person (no secret is read)."""
        with self.engine.connect() as conn:
            found = conn.scalars(select(t.open_id).where(t.state == REAUTHORIZE))
            return sorted(str(v) for v in found)

    @contextmanager
    def locked(self, open_id: str) -> Iterator[LockedToken]:
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                select(oauth_tokens_table).where(t.open_id == open_id).with_for_update()
            ).first()
            yield LockedToken(self, conn, None if row is None else self._read(row._mapping))

    def store(self, token: OAuthToken) -> None:
        """A pair from a new authorization; the user's rows that waited for it are due now."""
        with write_transaction(self.engine) as conn:
            self._write(conn, token)
            conn.execute(
                update(meetings_table)
                .where(
                    meetings_table.c.userid == token.open_id,
                    meetings_table.c.sync_state == "pending",
                    meetings_table.c.error_code == REAUTHORIZE_CODE,
                )
                .values(next_attempt_at=None)
            )

    def forget(self, open_id: str) -> bool:
        with write_transaction(self.engine) as conn:
            gone = conn.execute(delete(oauth_tokens_table).where(t.open_id == open_id))
            return bool(gone.rowcount)

    def _write(self, conn: Connection, token: OAuthToken) -> None:
        seal = self.cipher.seal
        values = {
            "access_token": seal(token.access_token),
            "refresh_token": seal(token.refresh_token),
            "access_expires_at": _at(token.access_expires_at),
            "refresh_expires_at": _at(token.refresh_expires_at),
            "scopes": " ".join(token.scopes),
            "refreshed_at": _at(token.refreshed_at),
            "refreshed_by": token.refreshed_by,
            "state": token.state,
            "error_code": token.error_code,
            "error_message": token.error_message,
        }
        changed = conn.execute(
            update(oauth_tokens_table).where(t.open_id == token.open_id).values(**values)
        )
        if not changed.rowcount:
            conn.execute(insert(oauth_tokens_table).values(open_id=token.open_id, **values))

    def _read(self, row: Any) -> OAuthToken:
        return OAuthToken(
            open_id=row["open_id"],
            access_token=self.cipher.open(row["access_token"]),
            refresh_token=self.cipher.open(row["refresh_token"]),
            access_expires_at=row["access_expires_at"].timestamp(),
            refresh_expires_at=row["refresh_expires_at"].timestamp(),
            refreshed_at=row["refreshed_at"].timestamp(),
            refreshed_by=row["refreshed_by"],
            scopes=tuple(row["scopes"].split()),
            state=row["state"] or ACTIVE,
            error_code=row["error_code"],
            error_message=row["error_message"],
        )


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
