"""What differs between a meeting as the row last synced it and as the provider holds it.
Pure: no clock, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from worker.sync.provider import MeetingView, RemoteMeeting

DriftState = Literal["cancelled", "changed", "missing"]


@dataclass(frozen=True)
class Drift:
    """The provider no longer holds what the row says: ``state`` for `remote_state`,
    ``differs`` in words, one item per field, for `remote_differs`."""

    state: DriftState
    differs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "; ".join(self.differs)


def compare(synced: MeetingView, remote: RemoteMeeting) -> Drift | None:
    """None while the two agree. An ended meeting is no drift: it happened, and its end is
    nothing the calendar could restore. A field the provider did not say is not compared."""
    if remote.state == "ended":
        return None
    if remote.state == "cancelled":
        return Drift("cancelled", ("cancelled outside the calendar",))
    if remote.state == "missing":
        return Drift("missing", ("the meeting no longer exists (deleted outside the calendar)",))
    view = remote.view
    if view is None:
        return None
    differs = [
        *_text("subject", view.subject, synced.subject),
        *_time("start_time", view.start, synced.start),
        *_time("end_time", view.end, synced.end),
        *_flag(view.has_password, synced.has_password, "has a password", "has no password"),
        *_flag(view.recurring, synced.recurring, "is a recurring series", "is a single meeting"),
    ]
    return Drift("changed", tuple(differs)) if differs else None


def _text(name: str, remote: str | None, synced: str | None) -> list[str]:
    if remote is None or remote == synced:
        return []
    return [f"{name} is {remote!r}, the calendar says {synced!r}"]


def _time(name: str, remote: datetime | None, synced: datetime | None) -> list[str]:
    if remote is None or synced is None or int(remote.timestamp()) == int(synced.timestamp()):
        return []
    return [f"{name} is {_shown(remote)}, the calendar says {_shown(synced)}"]


def _flag(remote: bool | None, synced: bool | None, yes: str, no: str) -> list[str]:
    # The password itself is never compared nor named: only whether there is one.
    if remote is None or synced is None or remote == synced:
        return []
    return [f"the meeting {yes if remote else no}, the calendar's {yes if synced else no}"]


def _shown(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")
