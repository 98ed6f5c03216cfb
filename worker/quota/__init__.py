"""The quota: rates and windows, the fleet-wide ledger in the calendar database (one short
transaction per reservation, on the database's clock), and the gate every API attempt
passes through.

Provider-neutral: a provider names the scopes a call spends and what a quota error pauses;
this package counts them. May import ``worker.domain`` and ``worker.store`` (the ledger is
SQL in the same database); never a provider.
"""
