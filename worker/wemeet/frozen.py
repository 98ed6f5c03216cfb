"""Immutable JSON values: freezing for storage in frozen dataclasses, thawing for encoding."""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

# What freeze_json returns: JSON with objects as read-only mappings and arrays as tuples.
FrozenJson = None | bool | int | float | str | tuple["FrozenJson", ...] | Mapping[str, "FrozenJson"]
# What thaw_json returns: plain JSON for json.dumps.
PlainJson = None | bool | int | float | str | list["PlainJson"] | dict[str, "PlainJson"]

_MAX_DEPTH = 32


def utf8_problem(text: str) -> str | None:
    """Why ``text`` cannot be encoded as UTF-8 (a lone surrogate), or None when it can."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"has a character that is not valid UTF-8 at position {exc.start}"
    return None


def freeze_json(value: object, _depth: int = 0) -> FrozenJson:
    """A deep read-only copy of a JSON-like value.

    Raises TypeError for a value JSON cannot hold, ValueError for NaN/infinity or nesting
    deeper than 32, and UnicodeError for text that is not valid UTF-8.
    """
    if _depth > _MAX_DEPTH:
        raise ValueError(f"nested deeper than {_MAX_DEPTH} levels")
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a JSON number")
        return value
    if isinstance(value, str):
        problem = utf8_problem(value)
        if problem:
            raise UnicodeError(problem)
        return value
    if isinstance(value, Mapping):
        out: dict[str, FrozenJson] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"key {key!r} is not text")
            out[str(freeze_json(key, _depth + 1))] = freeze_json(item, _depth + 1)
        return MappingProxyType(out)
    if isinstance(value, list | tuple):
        return tuple(freeze_json(item, _depth + 1) for item in value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def thaw_json(value: FrozenJson) -> PlainJson:
    """Plain dicts and lists again, for json.dumps."""
    if isinstance(value, Mapping):
        return {key: thaw_json(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw_json(item) for item in value]
    return value
