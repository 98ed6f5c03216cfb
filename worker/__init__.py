"""meeting-sync: keeps a SQL calendar table and its meetings' providers in agreement.

Packages, from the bottom up: ``domain`` (the values every layer speaks), ``store`` (all
SQL on the calendar database), ``quota`` (the fleet-wide quota ledger and its arithmetic),
``sync`` (the provider-neutral sync core), and one package per provider (``wemeet``). The
top-level modules are the composition root and the processes around it: ``composition``
(builds the object graph), ``cli``, ``config``, ``daemon``, ``demo``, ``status_report``.
"""
