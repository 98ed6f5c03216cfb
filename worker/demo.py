"""`meeting-sync demo`: the whole product on one machine, with no credentials.

Starts the sandbox in-process, creates an embedded SQLite calendar, writes sample meetings
the way a calendar application would (plain INSERTs and UPDATEs), syncs, and prints the
table as the calendar now sees it.
"""

from __future__ import annotations

import dataclasses
import tempfile
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine, text

from sandbox.config import SandboxConfig
from sandbox.server import SandboxServer
from worker.composition import build_pass
from worker.config import TrtcConfig, for_api
from worker.store.engines import make_engine, upgrade
from worker.store.meetings import Store
from worker.wemeet.signing import Credentials

COLUMNS = ("external_id", "subject", "status", "sync_state", "meeting_code", "error")


def run_demo(out: TextIO) -> int:
    with (
        tempfile.TemporaryDirectory(prefix="meeting-sync-demo-") as tmp,
        SandboxServer(SandboxConfig(users=("alice", "bob"))) as sandbox,
    ):
        url = f"sqlite:///{Path(tmp) / 'calendar.db'}"
        upgrade(url)
        engine = make_engine(url)
        # The sandbox has its own credentials type (it shares no code with the worker).
        app = sandbox.credentials
        credentials = Credentials(app.app_id, app.secret_id, app.secret_key, app.sdk_id)
        config = for_api(url, sandbox.base_url, credentials)
        rooms = sandbox.config.trtc  # one row is a TRTC room: the sandbox serves both APIs
        config = dataclasses.replace(
            config,
            trtc=TrtcConfig(
                base_url=sandbox.base_url, sdkappid=rooms.sdkappid, key=rooms.key, admin=rooms.admin
            ),
        )
        store = Store(engine)
        sync = build_pass(config, store=store)
        now = datetime.now(UTC).replace(microsecond=0)
        print(f"sandbox: {sandbox.base_url}   calendar: {url}\n", file=out)

        _insert_samples(engine, now)
        print(
            "1. The calendar inserts five meetings and one TRTC room; the worker syncs them:",
            file=out,
        )
        sync.run()
        _print_table(engine, out)

        with engine.begin() as db:
            db.execute(
                text(
                    "UPDATE meetings SET subject = :s, start_time = :st, end_time = :et "
                    "WHERE external_id = 'demo-3'"
                ),
                {
                    "s": "Budget review (moved)",
                    "st": now + timedelta(days=2),
                    "et": now + timedelta(days=2, hours=1),
                },
            )
            db.execute(
                text("UPDATE meetings SET status = 'cancelled' WHERE external_id = 'demo-4'")
            )
        print(
            "\n2. The calendar moves demo-3 and cancels demo-4; the worker syncs again:", file=out
        )
        sync.run()
        _print_table(engine, out)

        live = [m for m in sandbox.meetings() if m.get("state") != "MEETING_STATE_CANCELLED"]
        rooms_live = [r for r in sandbox.rooms() if r["state"] == "live"]
        print(
            f"\nThe sandbox holds {len(sandbox.meetings())} meetings, {len(live)} of them live, "
            f"and {len(rooms_live)} live TRTC room.",
            file=out,
        )
        engine.dispose()
    return 0


def _insert_samples(engine: Engine, now: datetime) -> None:
    day = timedelta(days=1)
    hour = timedelta(hours=1)
    samples = [
        ("demo-1", "alice", "周会：产品路线图", now + day, now + day + hour),
        ("demo-2", "alice", "Design review 🎨", now + day + 2 * hour, now + day + 3 * hour),
        ("demo-3", "bob", "Budget review", now + day + 4 * hour, now + day + 5 * hour),
        ("demo-4", "bob", "Team offsite", now + 3 * day, now + 3 * day + 8 * hour),
        ("demo-5", "alice", "敏感词 briefing", now + 4 * day, now + 4 * day + hour),
    ]
    with engine.begin() as db:
        for external_id, userid, subject, start, end in samples:
            db.execute(
                text(
                    "INSERT INTO meetings (external_id, userid, subject, start_time, end_time, "
                    "time_zone) VALUES (:e, :u, :s, :st, :et, 'Asia/Shanghai')"
                ),
                {"e": external_id, "u": userid, "s": subject, "st": start, "et": end},
            )
        db.execute(
            text(
                "INSERT INTO meetings (external_id, provider, userid, subject, start_time, "
                "end_time, invitees) VALUES ('demo-6', 'trtc_room', 'alice', :s, :st, :et, :i)"
            ),
            {"s": "架构评审 (TRTC room)", "st": now + day, "et": now + day + hour, "i": '["bob"]'},
        )


def _print_table(engine: Engine, out: TextIO) -> None:
    with engine.connect() as db:
        rows = db.execute(
            text(
                "SELECT external_id, subject, status, sync_state, meeting_code, error_code, "
                "error_message FROM meetings ORDER BY external_id"
            )
        ).all()
    table = [
        (
            r.external_id,
            r.subject,
            r.status,
            r.sync_state,
            r.meeting_code or "",
            f"{r.error_code}: {r.error_message}" if r.error_code else "",
        )
        for r in rows
    ]
    widths = [max(_width(str(c)) for c in col) for col in zip(COLUMNS, *table, strict=False)]
    for line in (COLUMNS, *table):
        print(
            "  ".join(_pad(str(c), w) for c, w in zip(line, widths, strict=True)).rstrip(), file=out
        )


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))
