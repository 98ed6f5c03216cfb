"""What a failed row's code means and what fixes it, for `meeting-sync status`. Data and a
lookup over the error catalogue; never a row's value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from worker.domain.kinds import ErrorKind
from worker.wemeet.errors import describe
from worker.wemeet.local_errors import EVERY_LOCAL_ERROR

RETRY_HINT = "then `meeting-sync retry --code {code}` (no row edit needed)"

_FIXES: Mapping[int, str] = MappingProxyType(
    {
        9093: "Take the word out of the subject (an edit retries the row); if the word list "
        "of the account changed instead, " + RETRY_HINT,
        20001: "Set userid (and hosts, invitees) to users of the Tencent Meeting account, or "
        "create the user, " + RETRY_HINT,
        190001: "Create the user in Tencent Meeting (user management or SSO), " + RETRY_HINT,
        9102: "The creator may not change this meeting: set userid to its creator or a host.",
        190004: "A field holds a value the API refuses: the row's error_message names it.",
    }
)


@dataclass(frozen=True)
class Explanation:
    meaning: str
    fix: str


def explain(code: str) -> Explanation:
    if code in EVERY_LOCAL_ERROR:
        return Explanation("caught before anything was sent", EVERY_LOCAL_ERROR[code])
    try:
        number = int(code)
    except ValueError:
        return Explanation("not a Tencent Meeting code", "See the row's error_message.")
    entry = describe(number)
    fix = _FIXES.get(number)
    if fix is None:
        fix = (
            "Edit the row as its error_message asks; an edit makes it pending again."
            if entry.kind is ErrorKind.ROW_PERMANENT
            else "Wait: the worker retries this code on its own."
        )
    return Explanation(entry.en, fix.format(code=code))
