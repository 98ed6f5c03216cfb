"""Tencent Meeting behind the sync core's provider interface (``worker.sync.provider``).

Composes the pieces of this package: the row mapping, the client, the lost-create lookup,
the error catalogue and the quota scopes. Holds no state of its own beyond the client.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from worker.domain.kinds import ErrorKind
from worker.domain.rows import MeetingRow
from worker.exceptions import ApiError, InvalidMeeting
from worker.quota.scopes import PauseTarget, Scope
from worker.sync.provider import CallThrough, DriftCall, MeetingView, Remote, RemoteMeeting
from worker.wemeet import checks, clearing, drift, errors
from worker.wemeet.client import WemeetClient
from worker.wemeet.from_row import is_recurring, spec_from_row
from worker.wemeet.lost_create import Sent, find_adoptable
from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo
from worker.wemeet.not_applied import not_applied
from worker.wemeet.oauth import renews_token
from worker.wemeet.quota import WemeetQuotas, pause_target, scopes_for

NAME = "wemeet"


class WemeetProvider:
    """Scheduled Tencent Meeting meetings, through one (AK/SK or OAuth) client."""

    def __init__(
        self, client: WemeetClient, quotas: WemeetQuotas, *, renews_tokens: bool = False
    ) -> None:
        self.client = client
        self.quotas = quotas
        # OAuth mode: an expired token is renewed by the auth object, then the call retried.
        self.renews_tokens = renews_tokens

    def request_from_row(self, row: MeetingRow) -> MeetingSpec:
        return spec_from_row(row)

    def check_meeting_id(self, meeting_id: str) -> str:
        return checks.meeting_id(meeting_id)

    def create(self, request: MeetingSpec) -> Remote:
        return _remote(self.client.create_meeting(request), request)

    def update(self, meeting_id: str, request: MeetingSpec) -> Remote:
        updated = _remote(self.client.update_meeting(meeting_id, request), request)
        # Never pretend: what the update could not clear stays on the meeting, and the row
        # says so.
        return replace(updated, note=clearing.note(request.uncleared))

    def cancel(self, meeting_id: str, owner: str, row: MeetingRow) -> None:
        self.client.cancel_meeting(meeting_id, owner, recurring=is_recurring(row))

    def sent_content(self, request: MeetingSpec) -> Mapping[str, Any]:
        return Sent.of(request).to_json()

    def find_lost_create(
        self,
        owner: str,
        sent: Mapping[str, Any],
        *,
        call: CallThrough,
        taken: Callable[[Sequence[str]], Collection[str]],
    ) -> Remote | None:
        what = Sent.from_json(owner, sent)
        if what is None:
            raise InvalidMeeting(
                "local.bad_create_intent",
                "create_intent_sent holds a value the worker did not write, so the meeting "
                "its create may have made cannot be looked for.",
                field="create_intent_sent",
            )
        # Only meetings starting exactly then can match, so the listing runs from the sent
        # start time until the page cursor passes it: one page unless more than 20 of the
        # user's meetings start at that moment. A series is the exception: the list orders
        # it by its occurrence in progress or next, which can be any later time, so its
        # lookup reads the list to its end. Each page is one call through the quota gate and
        # the retries: a failed page is asked for again, not the whole list.
        until = None if what.recurring else what.start
        candidates = self.client.list_user_meetings(
            owner, pos=what.start, until=until, each_page=call
        )
        held = taken([c.meeting_id for c in candidates])
        found = find_adoptable(candidates, what, taken=held)
        # What the create sent of its hosts and invitees is not kept: the lines name no role.
        return None if found is None else _remote(found, None)

    def synced_view(self, row: MeetingRow) -> MeetingView:
        return drift.synced_view(row)

    def read_remote(
        self,
        owner: str,
        wanted: Sequence[str],
        *,
        since: datetime,
        until: datetime,
        call: DriftCall,
    ) -> Mapping[str, RemoteMeeting]:
        return drift.read_remote(self.client, owner, wanted, since=since, until=until, call=call)

    def classify(self, error: ApiError, operation: str) -> ErrorKind:
        if self.renews_tokens and renews_token(error):
            return ErrorKind.RESIGN
        return errors.classify_error(error, operation)

    def diagnose(self, error: ApiError) -> str:
        return errors.diagnose_configuration(error.error_code)

    def row_message(self, error: ApiError, operation: str, owner: str | None) -> str:
        return errors.row_message(error.error_code, operation, error.message, userid=owner)

    def scopes(self, operation: str, owner: str | None) -> tuple[Scope, ...]:
        return scopes_for(operation, owner, self.quotas)

    def pause_for(self, error: ApiError, operation: str, owner: str | None) -> PauseTarget | None:
        return pause_target(error.error_code, operation, owner, self.quotas)


def _remote(info: MeetingInfo, sent: MeetingSpec | None) -> Remote:
    return Remote(
        info.meeting_id, info.meeting_code, info.join_url, not_applied=not_applied(info, sent)
    )
