"""TRTC scheduled rooms behind the sync core's provider interface (``worker.sync.provider``).

A room's RoomId is derived from the row (``worker.trtc.room``), so every write is
idempotent:
- create: ``create_room``; 100003/100010 (the RoomId exists) after a lost answer means it
  was made: confirmed with ``get_room_info`` (same owner and times) and adopted, renamed if
  the name differs;
- update: a rename is ``update_room_info``; what that cannot change (times, owner,
  invitees) derives another RoomId: the new room is made first, then the old one destroyed,
  so a participant always finds a room and the row keeps its identity with new join data;
- cancel: ``destroy_room`` (100004, no such room, is done), and the row's current room too
  when a reschedule had not finished (or its write-back was lost);
- a lost create is found with ``get_room_info`` on the RoomId it sent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from worker.domain.kinds import ErrorKind
from worker.domain.rows import MeetingRow
from worker.exceptions import ApiError, InvalidMeeting
from worker.quota.scopes import PauseTarget, Scope
from worker.sync.provider import CallThrough, Remote
from worker.trtc import errors
from worker.trtc.client import RoomInfo, TrtcClient
from worker.trtc.quota import TrtcQuotas, pause_target, scopes_for
from worker.trtc.room import RoomSpec, check_room_id, invalid, room_from_row

NAME = "trtc_room"
_EXISTS = (errors.ROOM_EXISTS, errors.ROOM_YOURS)


class TrtcProvider:
    """Scheduled TUIRoomKit "Conference" rooms of one SDKAppID."""

    def __init__(
        self, client: TrtcClient, quotas: TrtcQuotas, *, join_url_template: str = ""
    ) -> None:
        self.client = client
        self.quotas = quotas
        self.join_url_template = join_url_template

    def request_from_row(self, row: MeetingRow) -> RoomSpec:
        return room_from_row(row)

    def check_meeting_id(self, meeting_id: str) -> str:
        return check_room_id(meeting_id)

    def create(self, request: RoomSpec) -> Remote:
        try:
            self.client.create_room(request)
        except ApiError as exc:
            if exc.error_code not in _EXISTS:
                raise
            self._adopt(request, self.client.get_room_info(request.room_id))
        return self._remote(request)

    def update(self, meeting_id: str, request: RoomSpec) -> Remote:
        if meeting_id == request.room_id:
            self.client.update_room_info(request)
            return self._remote(request)
        self.create(request)
        self._destroy(meeting_id)
        return self._remote(request)

    def cancel(self, meeting_id: str, owner: str, row: MeetingRow) -> None:
        # A room already gone (100004) is done, and does not stop the second destroy: a
        # reschedule may have destroyed the old room and made the new one before its
        # write-back was lost.
        self._destroy(meeting_id)
        try:
            current = room_from_row(row).room_id
        except InvalidMeeting:
            return
        if current != meeting_id:
            # An edit whose new room may have been made before the row was cancelled.
            self._destroy(current)

    def sent_content(self, request: RoomSpec) -> Mapping[str, Any]:
        return {
            "room_id": request.room_id,
            "start": int(request.start.timestamp()),
            "end": int(request.end.timestamp()),
        }

    def find_lost_create(
        self,
        owner: str,
        sent: Mapping[str, Any],
        *,
        call: CallThrough,
        taken: Callable[[Sequence[str]], Collection[str]],
    ) -> Remote | None:
        room_id = sent.get("room_id")
        if not isinstance(room_id, str):
            raise InvalidMeeting(
                "local.bad_create_intent",
                "create_intent_sent holds a value the worker did not write, so the room its "
                "create may have made cannot be looked for.",
                field="create_intent_sent",
            )
        room_id = check_room_id(room_id)
        try:
            info = call(lambda: self.client.get_room_info(room_id))
        except ApiError as exc:
            if exc.error_code == errors.ROOM_MISSING:
                return None
            raise
        if info.owner not in (None, owner) or room_id in taken([room_id]):
            return None
        return Remote(room_id, room_id, self._join_url(room_id))

    def classify(self, error: ApiError, operation: str) -> ErrorKind:
        return errors.classify_error(error, operation)

    def diagnose(self, error: ApiError) -> str:
        return errors.diagnose(error.error_code)

    def row_message(self, error: ApiError, operation: str, owner: str | None) -> str:
        return errors.row_message(error.error_code, operation, error.message)

    def scopes(self, operation: str, owner: str | None) -> tuple[Scope, ...]:
        return scopes_for(operation, self.quotas)

    def pause_for(self, error: ApiError, operation: str, owner: str | None) -> PauseTarget | None:
        return pause_target(error.error_code, operation, self.quotas)

    # -- helpers -----------------------------------------------------------------------

    def _adopt(self, request: RoomSpec, info: RoomInfo) -> None:
        """The existing room is this row's if it has the owner and times the RoomId was
        derived from; then its name is brought to the row's."""
        times = (int(request.start.timestamp()), int(request.end.timestamp()))
        if info.owner not in (None, request.owner) or (info.start, info.end) != times:
            raise invalid(
                "local.room_id_taken",
                f"room {request.room_id} exists with owner {info.owner!r}.",
                "external_id",
            )
        if info.name != request.name:
            self.client.update_room_info(request)

    def _destroy(self, room_id: str) -> None:
        try:
            self.client.destroy_room(room_id)
        except ApiError as exc:
            if exc.error_code != errors.ROOM_MISSING:
                raise

    def _join_url(self, room_id: str) -> str:
        if not self.join_url_template:
            return room_id
        return self.join_url_template.format(room_id=room_id, sdkappid=self.quotas.sdkappid)

    def _remote(self, request: RoomSpec) -> Remote:
        room_id = request.room_id
        return Remote(room_id, room_id, self._join_url(room_id), note=request.note)
