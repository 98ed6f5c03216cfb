"""Tencent Meeting, the first provider: the signed REST client (AK/SK auth object, request
target, answers and errors), the error catalogue built from the seeds, the meeting model and
its checks, the row-to-meeting mapping, the lost-create lookup, and its quota scopes.

May import ``worker.domain``, ``worker.exceptions``, the interface in ``worker.sync.provider``
and the rate arithmetic in ``worker.quota.rates``; never the store (import-linter checks it).
"""
