"""Bytes to contract objects and back: decode one CAD event, encode one decision.

Decoding never raises: it returns the event or a `Rejection` with a machine-readable reason, so the
consumer can dead-letter bad input without stopping.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import orjson
from pydantic import ValidationError

from schemas.decisions import encode_decision
from schemas.events import EVENT_ADAPTER, CadEvent

__all__ = [
    "DuplicateKeyError",
    "Rejection",
    "decode_event",
    "duplicate_key",
    "encode_decision",
    "validation_detail",
]


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why an input record cannot be applied. `reason` is a stable code, `detail` is for people."""

    reason: str
    detail: str


def validation_detail(error: ValidationError, limit: int = 5) -> str:
    """A short, human-readable list of what is wrong, without echoing the input values."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "(body)"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - limit
    if more > 0:
        parts.append(f"... and {more} more")
    return "; ".join(parts)


def _reason(error: ValidationError) -> str:
    kinds = {item["type"] for item in error.errors(include_url=False, include_input=False)}
    if kinds & {"json_invalid", "json_type"}:
        return "invalid_json"
    if "union_tag_invalid" in kinds:
        return "unknown_type"
    if "union_tag_not_found" in kinds:
        return "missing_type"
    if "missing" in kinds:
        return "missing_field"
    if "extra_forbidden" in kinds:
        return "unknown_field"
    return "invalid_field"


_KEY_END = re.compile(rb'"\s*:')
"""A string followed by a colon ends every object key; it can also occur inside a string value."""


def _key_count(value: object) -> int:
    if isinstance(value, dict):
        return len(value) + sum(_key_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(_key_count(v) for v in value)
    return 0


def _duplicate_key(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise DuplicateKeyError(next(k for k in keys if keys.count(k) > 1))
    return dict(pairs)


class DuplicateKeyError(ValueError):
    """An object names the same key twice: JSON parsers disagree on which value wins."""


def duplicate_key(raw: bytes) -> str | None:
    """The first key an object of `raw` repeats, or None; `raw` must be valid JSON.

    Fast path: `"...":` patterns in the text are at least the keys parsed (string values may add
    more), so when they equal the parsed keys nothing repeats. Otherwise, an exact, slower parse.
    """
    if len(_KEY_END.findall(raw)) == _key_count(orjson.loads(raw)):
        return None
    try:
        json.loads(raw, object_pairs_hook=_duplicate_key)
    except DuplicateKeyError as error:
        return str(error)
    return None


def decode_event(raw: bytes | None, max_bytes: int) -> CadEvent | Rejection:
    if raw is None:
        return Rejection("empty_value", "the record has no value (tombstone)")
    if len(raw) > max_bytes:
        return Rejection("oversized", f"{len(raw)} bytes is over the {max_bytes}-byte limit")
    try:
        event = EVENT_ADAPTER.validate_json(raw)
    except ValidationError as error:
        return Rejection(_reason(error), validation_detail(error))
    repeated = duplicate_key(raw)
    if repeated is not None:
        return Rejection("duplicate_key", f"the key {repeated!r} appears twice in one object")
    return event
