"""What of a request the API did not apply, in words for the calendar's admin. Pure.

Tencent Meeting names in ``user_non_registered`` the hosts and invitees it left out because
they are no registered users of the account (seed 001: a host must be registered, by SSO or
the user-management API, and its userid match exactly, case included). The meeting is made
all the same, so the row is synced and keeps these lines.
"""

from __future__ import annotations

from worker.wemeet.meeting import MeetingSpec
from worker.wemeet.meetings_read import MeetingInfo


def not_applied(info: MeetingInfo, sent: MeetingSpec | None) -> tuple[str, ...]:
    """One line per userid the answer names, with its role in ``sent`` when known, e.g.
    ``host bob@corp is not a registered user: not applied``."""
    lines = []
    for userid in info.user_non_registered:
        roles = [] if sent is None else _roles(userid, sent)
        who = f"{' and '.join(roles)} {userid}" if roles else userid
        lines.append(f"{who} is not a registered user: not applied")
    return tuple(lines)


def _roles(userid: str, sent: MeetingSpec) -> list[str]:
    return [
        role
        for role, people in (("host", sent.hosts), ("invitee", sent.invitees))
        if userid in people
    ]
