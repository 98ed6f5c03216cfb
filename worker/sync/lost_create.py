"""What a create sent, kept with its intent marker until the outcome is known. Pure.

If the answer is lost, the next attempt looks for the meeting by what was *sent*, never by
the row as it is now: the calendar may have renamed, moved or cancelled the row since, and
the meeting the create made still has the old content. The content is the provider's own
record (``Provider.sent_content``); the core adds whose it was and the row's revision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class SentCreate:
    """``revision``: the row's revision the create carried (a row at another revision was
    edited since). ``owner``: whose meeting it is, whose list holds it. ``content``: the
    provider's record of what it sent, as JSON."""

    revision: int
    owner: str
    content: Mapping[str, Any] = field(hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "content", MappingProxyType(dict(self.content)))

    def to_json(self) -> dict[str, Any]:
        return {"revision": self.revision, "owner": self.owner, "content": dict(self.content)}

    @classmethod
    def from_json(cls, value: object) -> SentCreate | None:
        """The stored value, or None when there is none or it is not what this module wrote."""
        if not isinstance(value, Mapping):
            return None
        revision, owner, content = value.get("revision"), value.get("owner"), value.get("content")
        if isinstance(revision, bool) or not isinstance(revision, int):
            return None
        if not isinstance(owner, str) or not isinstance(content, Mapping):
            return None
        return cls(revision=revision, owner=owner, content=content)
