"""Local error codes: why a meeting was refused before anything was sent.

The worker writes the code to the row's ``error_code`` and the message to
``error_message``; the codes are stable (calendars and dashboards may match on them) and
each message tells a calendar administrator what to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from worker.sync.local_errors import CORE_ERRORS

LOCAL_ERRORS: Mapping[str, str] = MappingProxyType(
    {
        "local.meeting_id_missing": "The row's meeting_id is empty; set it to NULL to create "
        "the meeting again, then edit the row (any calendar column) to retry it.",
        "local.bad_meeting_id": "meeting_id is written by the worker and holds a Tencent "
        "Meeting id (digits); set it to the meeting's real id, or to NULL to create the "
        "meeting again, then edit the row (any calendar column) to retry it.",
        "local.bad_create_intent": "A create of this row may have reached Tencent Meeting: look "
        "for the meeting in the creator's list, set meeting_id to its id if it exists, clear "
        "create_intent_at and create_intent_sent, then edit the row (any calendar column).",
        "local.control_character": "Remove the control character (NUL, escape, line feed and "
        "the like) from the text; it usually comes from a broken import.",
        "local.subject_missing": "Give the meeting a subject.",
        "local.subject_too_long": "Shorten the subject to at most 512 bytes of UTF-8 "
        "(about 170 Chinese characters).",
        "local.time_missing": "Set both start_time and end_time.",
        "local.bad_time": "Store start_time and end_time as timestamps.",
        "local.naive_time": "Store times with a time zone (UTC); a time without one is "
        "ambiguous and is never guessed.",
        "local.end_not_after_start": "Make end_time later than start_time.",
        "local.not_utf8": "The text holds characters that cannot be encoded as UTF-8 (a lone "
        "surrogate, usually from a broken conversion); re-enter it.",
        "local.bad_type": "Store this column as text.",
        "local.bad_time_zone": "Use an IANA time zone name such as Asia/Shanghai, or leave "
        "time_zone empty.",
        "local.bad_password": "Use a password of 4 to 6 digits, or leave it empty.",
        "local.location_too_long": "Shorten the location to 36 letters or 18 Chinese characters.",
        "local.bad_hosts": "Store hosts as a JSON list of userids.",
        "local.bad_invitees": "Store invitees as a JSON list of userids.",
        "local.too_many_invitees": "Invite at most 300 users; share the join link with the rest.",
        "local.bad_settings": "Store settings as a JSON object with the documented keys and "
        "value types (true/false switches, only_user_join_type 1-3, auto_record_type "
        "none/local/cloud).",
        "local.bad_recurring_rule": "Store recurring_rule as a JSON object with recurring_type "
        "0-5 and, optionally, until_type 0/1 with until_date (Unix seconds) or until_count.",
        "local.bad_json": "A JSON column (hosts, invitees, settings, recurring_rule) holds "
        "text that is not valid JSON; fix the JSON text.",
        "local.not_json": "A value cannot be sent as JSON (for example NaN or an object that "
        "is not JSON); correct the column.",
    }
)

EVERY_LOCAL_ERROR: Mapping[str, str] = MappingProxyType({**CORE_ERRORS, **LOCAL_ERRORS})
"""This provider's codes and the core's: what a check of this package may raise."""
