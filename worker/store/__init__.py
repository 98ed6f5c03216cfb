"""The store: every SQL statement the worker runs on the calendar database — engines, the
claim, the lease- and revision-guarded write-backs, the status summary, the call log, and
write-backs that wait out a short outage.

May import ``models`` and ``worker.domain``; never the sync core, the quota package or a
provider (import-linter checks it in the quality gate).
"""
