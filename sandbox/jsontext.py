"""JSON in and out of the sandbox, strict both ways.

Python's json module reads the NaN, Infinity and -Infinity literals (and 1e999 as infinity)
and writes them back, though no JSON parser elsewhere accepts them. Taken in, such a value
is stored and later written into answers (or breaks the clock or a sleep) until a reset;
so they are refused on the way in, with the key they were given for, and never written.
"""

from __future__ import annotations

import json
import math
from typing import Any


class NonFiniteNumber(ValueError):
    """A JSON text holds NaN, an infinity, or a number too large for a float."""


class _Literal:
    """Stands for a non-finite number while the text is parsed, so that the object holding
    it can name its key in the error."""

    def __init__(self, text: str) -> None:
        self.text = text


def loads(text: str) -> Any:
    """Parse ``text``; NonFiniteNumber (a ValueError) names the key of a non-finite number."""
    doc = _DECODER.decode(text)
    literal = _first_literal(doc)
    if literal is not None:  # at the top level or in a top-level array: no key to name
        raise NonFiniteNumber(f"{literal.text} is not a JSON number")
    return doc


def dumps(doc: object) -> bytes:
    """Compact UTF-8 JSON, as the real service writes it (Chinese text unescaped); a
    ValueError rather than NaN or Infinity in the text."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def _float(text: str) -> float | _Literal:
    value = float(text)
    return value if math.isfinite(value) else _Literal(text)


def _checked_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    for key, value in pairs:
        literal = _first_literal(value)
        if literal is not None:
            raise NonFiniteNumber(f"{key} must be a finite number, got {literal.text}")
    return dict(pairs)


def _first_literal(value: Any) -> _Literal | None:
    # Objects were checked by their own hook; only arrays can still hold a literal.
    if isinstance(value, _Literal):
        return value
    if isinstance(value, list):
        for item in value:
            found = _first_literal(item)
            if found is not None:
                return found
    return None


# One decoder for all threads, as json.loads shares its default one: json.loads with hooks
# builds a new decoder per call, which costs more than the hooks, and every API request
# body goes through here.
_DECODER = json.JSONDecoder(
    parse_constant=_Literal, parse_float=_float, object_pairs_hook=_checked_object
)
