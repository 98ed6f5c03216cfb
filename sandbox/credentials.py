"""The app a sandbox recognises: AppId, optional SdkId and the AK/SK pair. A plain value.

The sandbox keeps its own type rather than the worker's: it judges what clients send, so it
shares no code with any of them (a client converts at its own boundary).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AppCredentials:
    """What a client needs to call the sandbox. The secret key never prints."""

    app_id: str
    secret_id: str
    secret_key: str = field(repr=False)
    sdk_id: str | None = None  # None: the app was never assigned one
