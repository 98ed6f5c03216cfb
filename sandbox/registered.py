"""Hosts and invitees who are no users of the account. The real service leaves them out of
the meeting, makes it all the same, and names them in the answer's ``user_non_registered``.
Pure; a sandbox without a user list (``SandboxConfig.users`` None) knows everyone."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ROLES = ("hosts", "invitees")


def unknown_people(body: Mapping[str, Any], users: tuple[str, ...] | None) -> dict[str, list[str]]:
    """For each of hosts and invitees that ``body`` sends, the userids that are no user.

    The lists were checked already (``validate.check_optional``): ``[{"userid": str}]``.
    """
    found: dict[str, list[str]] = {}
    for role in ROLES:
        people = body.get(role)
        if isinstance(people, list):
            found[role] = (
                [] if users is None else [p["userid"] for p in people if p["userid"] not in users]
            )
    return found


def applied(body: Mapping[str, Any], unknown: Mapping[str, list[str]]) -> dict[str, Any]:
    """``body`` without the people the service does not apply."""
    out = dict(body)
    for role, left_out in unknown.items():
        out[role] = [p for p in body[role] if p["userid"] not in left_out]
    return out


def named(unknown: Mapping[str, list[str]]) -> list[str]:
    """The userids an answer's ``user_non_registered`` lists: hosts first, each once."""
    return list(dict.fromkeys(u for role in ROLES for u in unknown.get(role, ())))
