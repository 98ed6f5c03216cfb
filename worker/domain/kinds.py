"""What an error means, in words every provider maps its own codes onto; the operations."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    """What an error means for the row and for every other worker."""

    TRANSIENT = "transient"
    """Try again: in the call at once, then later with back-off."""
    RATE_WINDOW = "rate_window"
    """A rate window is full: every worker pauses that quota until the window turns."""
    QUOTA_EXHAUSTED = "quota_exhausted"
    """A quota is used up until its reset: the rows wait, their attempts not counted."""
    SATURATED = "saturated"
    """The provider has no room for this now, and no window or reset says when it will (too
    many meetings at once): the row waits a long back-off, its attempt not counted."""
    RESIGN = "resign"
    """The credentials were fine but stale (clock skew, a replay): one fresh attempt."""
    CONFIGURATION = "configuration"
    """Nothing will work until a person fixes the set-up: the circuit opens."""
    ROW_PERMANENT = "row_permanent"
    """This row is refused as it is: it fails until the calendar edits it."""
    DONE = "done"
    """The error means the desired state already holds (cancelling a cancelled meeting)."""


OPERATIONS = ("create", "update", "cancel", "get", "list")
"""The calls a provider makes for the core; ``list`` is the lookup of a lost create."""
