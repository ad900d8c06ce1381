"""Reading a JSON request body into a contract model, strictly, from the raw bytes.

FastAPI would parse the body to Python objects first and validate those in Python mode, where strict
models refuse ISO datetimes and enum strings; validating the raw JSON keeps one set of rules for
Kafka and HTTP input alike.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from pydantic import TypeAdapter, ValidationError

from service.codec import duplicate_key, validation_detail
from service.http.errors import ApiError

__all__ = ["json_body_spec", "read_json"]

T = TypeVar("T")


def json_body_spec(schema_name: str) -> dict[str, Any]:
    """`openapi_extra` that documents a JSON body by the name of its component schema."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}},
        }
    }


async def read_json(request: Request, adapter: TypeAdapter[T], max_bytes: int, error: str) -> tuple[T, bytes]:
    """The validated body and its raw bytes; 413 when too large, 422 with the reasons when invalid."""
    raw = await request.body()
    if len(raw) > max_bytes:
        raise ApiError(413, "oversized", f"the body is at most {max_bytes} bytes")
    try:
        value = adapter.validate_json(raw)
    except ValidationError as exc:
        raise ApiError(422, error, validation_detail(exc)) from exc
    repeated = duplicate_key(raw)
    if repeated is not None:
        raise ApiError(422, error, f"the key {repeated!r} appears twice in one object")
    return value, raw
