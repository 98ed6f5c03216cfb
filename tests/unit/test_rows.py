"""The frozen values the store hands out."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from models import meetings_table
from worker.domain.rows import MalformedJSON, MeetingRow

NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def columns(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {c.name: None for c in meetings_table.columns}
    values.update(
        id=1,
        external_id="cal-1",
        sync_state="pending",
        revision=1,
        attempts=0,
        created_at=NOW,
        updated_at=NOW,
        password="2468",
    )
    values.update(overrides)
    return values


def test_meeting_row_has_exactly_the_columns_of_the_table() -> None:
    assert [f.name for f in dataclasses.fields(MeetingRow)] == [
        c.name for c in meetings_table.columns
    ]


def test_from_mapping_keeps_parsed_json_and_its_markers() -> None:
    values = columns(subject="周会", hosts=[{"userid": "alice"}], invitees=MalformedJSON("[x"))
    from_mapping = MeetingRow.from_mapping(values)
    assert from_mapping.hosts == [{"userid": "alice"}]
    assert from_mapping.invitees == MalformedJSON("[x")


def test_a_row_is_frozen_and_its_repr_hides_the_password() -> None:
    row = MeetingRow.from_mapping(columns())
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.subject = "changed"  # type: ignore[misc]
    assert "2468" not in repr(row)
    assert row.password == "2468"


def test_from_mapping_requires_every_column() -> None:
    values = columns()
    del values["revision"]
    with pytest.raises(KeyError, match="revision"):
        MeetingRow.from_mapping(values)
