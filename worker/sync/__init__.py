"""The sync core: one pass (claim, plan, call, write back), the pure decisions behind it
(what a row needs, what a failed call means for it, when to try again), the in-call
retries, and the interface a provider implements.

Provider-neutral: it speaks to providers only through ``worker.sync.provider`` and never
imports a provider package (import-linter checks it in the quality gate).
"""
