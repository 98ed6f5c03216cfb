"""The values every layer speaks: a calendar row as read, what a write-back did, an API
call's record, the provider-neutral kinds of error and the operation names.

Pure data, no I/O. Imports nothing of meeting-sync but ``worker.exceptions`` and
``models.types`` (the column value markers).
"""
