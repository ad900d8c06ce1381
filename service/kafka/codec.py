"""Bytes to contract objects and back: decode one CAD event, encode one decision.

Decoding never raises: it returns the event or a `Rejection` with a machine-readable reason, so the
consumer can dead-letter bad input without stopping.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from schemas.decisions import Decision
from schemas.events import EVENT_ADAPTER, CadEvent

__all__ = ["Rejection", "decode_event", "encode_decision", "validation_detail"]


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


def decode_event(raw: bytes | None, max_bytes: int) -> CadEvent | Rejection:
    if raw is None:
        return Rejection("empty_value", "the record has no value (tombstone)")
    if len(raw) > max_bytes:
        return Rejection("oversized", f"{len(raw)} bytes is over the {max_bytes}-byte limit")
    try:
        return EVENT_ADAPTER.validate_json(raw)
    except ValidationError as error:
        return Rejection(_reason(error), validation_detail(error))


def encode_decision(decision: Decision) -> bytes:
    return decision.model_dump_json().encode()
