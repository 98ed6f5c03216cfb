"""The interface the sync core speaks to a provider (Tencent Meeting, TRTC rooms, …).

A provider turns a calendar row into its own meeting request, makes the calls, finds a lost
create by what it sent, says what its errors mean in the core's words (``ErrorKind``), and
names the quotas a call spends. The core never looks inside a request: it needs only who
the meeting belongs to (quota and permission) and when it starts. Frozen values cross in
both directions; what a provider raises is the one exception tree (``ApiError``,
``TransportError`` for calls, ``InvalidMeeting`` with a ``local.*`` code for a bad row).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar, runtime_checkable

from worker.domain.kinds import ErrorKind
from worker.domain.rows import MeetingRow
from worker.exceptions import ApiError
from worker.quota.scopes import PauseTarget, Scope

T = TypeVar("T")


class MeetingRequest(Protocol):
    """What the core reads of a provider's request; the rest is the provider's own."""

    @property
    def owner(self) -> str:
        """The user the meeting belongs to: whose quota it spends, who may change it."""
        ...

    @property
    def start(self) -> datetime: ...


@dataclass(frozen=True)
class Remote:
    """A meeting as the provider holds it: what the row keeps of it.

    ``note``: what the synced row's message must say, when the call did all it could but
    the meeting still differs from the row (a field the provider has no way to clear).
    """

    meeting_id: str
    meeting_code: str | None = None
    join_url: str | None = None
    note: str | None = None
    not_applied: tuple[str, ...] = ()
    """What the provider did not apply of the request (people it does not know, say), one
    line each in words for the calendar's admin; the row keeps them while it is synced."""


class CallThrough(Protocol):
    """Runs one API call of a provider's own making through the core's quota gate and
    in-call retries, and returns what it returned."""

    def __call__(self, fetch: Callable[[], T]) -> T: ...


RequestT = TypeVar("RequestT", bound=MeetingRequest)


class Provider(Protocol[RequestT]):
    """One way to make meetings. Every method but the four calls is pure."""

    def request_from_row(self, row: MeetingRow) -> RequestT:
        """The request the row asks for; ``InvalidMeeting`` (a ``local.*`` code) if none."""
        ...

    def check_meeting_id(self, meeting_id: str) -> str:
        """A stored id, checked before it goes into a request; ``InvalidMeeting`` if bad."""
        ...

    def create(self, request: RequestT) -> Remote: ...

    def update(self, meeting_id: str, request: RequestT) -> Remote: ...

    def cancel(self, meeting_id: str, owner: str, row: MeetingRow) -> None:
        """Cancel the meeting; ``row`` is the cancelled row as read, for what the provider
        needs to know of it (a recurring series, say), read leniently: it need not validate."""
        ...

    def sent_content(self, request: RequestT) -> Mapping[str, Any]:
        """What of a create must be kept (as JSON) to find its meeting if the answer is lost."""
        ...

    def find_lost_create(
        self,
        owner: str,
        sent: Mapping[str, Any],
        *,
        call: CallThrough,
        taken: Callable[[Sequence[str]], Collection[str]],
    ) -> Remote | None:
        """The meeting a lost create that sent ``sent`` made, if it exists and no other row
        holds it (``taken`` says which ids other rows hold); each API call goes ``call``."""
        ...

    def classify(self, error: ApiError, operation: str) -> ErrorKind: ...

    def diagnose(self, error: ApiError) -> str:
        """Likely causes of a configuration error, for an administrator. Never a secret."""
        ...

    def row_message(self, error: ApiError, operation: str, owner: str | None) -> str:
        """The text a failed row keeps: the provider's words, and what they mean here."""
        ...

    def scopes(self, operation: str, owner: str | None) -> tuple[Scope, ...]:
        """Every quota one call spends (all reserved together, or none)."""
        ...

    def pause_for(self, error: ApiError, operation: str, owner: str | None) -> PauseTarget | None:
        """The quota a rate-window or quota-exhausted error pauses, if any."""
        ...


Providers = Mapping[str, Provider[Any]]
"""The providers a worker serves, by the name the `provider` column holds."""


# -- drift: an optional capability ------------------------------------------------------


@dataclass(frozen=True)
class MeetingView:
    """What a drift check compares of a meeting (times aware, whole seconds): the row as last
    synced, or the provider's copy. A None field is one the provider did not say."""

    subject: str | None
    start: datetime | None
    end: datetime | None
    has_password: bool | None
    recurring: bool | None


RemoteState = Literal["live", "cancelled", "ended", "missing"]


@dataclass(frozen=True)
class RemoteMeeting:
    """A synced meeting as the provider holds it now; ``view`` for a live one."""

    state: RemoteState
    view: MeetingView | None = None


class DriftCall(Protocol):
    """Runs one read of a provider's making (``operation`` names its quota) within the
    drift check's budget, and returns what it returned."""

    def __call__(self, operation: str, fetch: Callable[[], T]) -> T: ...


@runtime_checkable
class DriftReader(Protocol):
    """A provider that can tell meetings changed or cancelled outside the calendar. Other
    providers need not: their rows are simply not checked."""

    def synced_view(self, row: MeetingRow) -> MeetingView:
        """The row as the provider was last sent it; ``InvalidMeeting`` if it maps to none."""
        ...

    def read_remote(
        self,
        owner: str,
        wanted: Sequence[str],
        *,
        since: datetime,
        until: datetime,
        call: DriftCall,
    ) -> Mapping[str, RemoteMeeting]:
        """The owner's meetings by id: all those its listing from ``since`` to ``until``
        shows, and each of ``wanted`` whatever it takes (a single read of one the listing
        does not show). Each API call goes through ``call``."""
        ...
