"""The TRTC provider as the configuration describes it (``[trtc]``)."""

from __future__ import annotations

from collections.abc import Callable

import requests

from worker.config import Config
from worker.domain.calls import CallRecord
from worker.trtc.auth import AdminAuth, TrtcCredentials
from worker.trtc.client import TrtcClient
from worker.trtc.provider import TrtcProvider
from worker.trtc.quota import TrtcQuotas


def build_trtc(
    config: Config,
    *,
    session: requests.Session | None = None,
    on_call: Callable[[CallRecord], None] | None = None,
) -> TrtcProvider:
    t = config.trtc
    auth = AdminAuth(
        TrtcCredentials(sdkappid=t.sdkappid, key=t.key, admin=t.admin),
        ttl_seconds=t.usersig_ttl_seconds,
    )
    client = TrtcClient(
        auth, t.base_url, session=session, read_timeout=t.timeout_seconds, on_call=on_call
    )
    quotas = TrtcQuotas(sdkappid=t.sdkappid, api=t.api_limits)
    return TrtcProvider(client, quotas, join_url_template=t.join_url_template)
