"""The contract's JSON Schemas, generated from the pydantic models in `schemas/`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import TypeAdapter

from schemas.api import AckRequest, ErrorBody, EventReceipt, UnitView
from schemas.decisions import Decision
from schemas.events import INPUT_ADAPTER

__all__ = ["json_schemas", "write_json_schemas"]


def json_schemas() -> dict[str, dict[str, Any]]:
    """File stem -> JSON Schema, for every message integrators exchange with the service."""
    return {
        "cad-event": INPUT_ADAPTER.json_schema(),
        "decision": Decision.model_json_schema(),
        "ack-request": AckRequest.model_json_schema(),
        "event-receipt": EventReceipt.model_json_schema(),
        "unit-view": UnitView.model_json_schema(),
        "error": ErrorBody.model_json_schema(),
        "ws-frame": _ws_frame_schema(),
    }


def _ws_frame_schema() -> dict[str, Any]:
    schema = TypeAdapter(Decision).json_schema()
    schema["title"] = "WsDecisionFrame"
    schema["properties"] = {
        "seq": {
            "type": "integer",
            "minimum": 0,
            "description": "This instance's frame counter: `after=SEQ` resumes on the same instance.",
        },
        "cursor": {
            "type": "string",
            "pattern": r"^\d+-\d+(\.\d+-\d+)*$",
            "description": "Per-partition read positions of the decisions topic (`0-1520.1-1388`): "
            "`after=CURSOR` resumes on any instance, with no gap and no duplicate.",
        },
        **schema["properties"],
    }
    schema["required"] = ["seq", "cursor", *schema["required"]]
    return schema


def write_json_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, schema in json_schemas().items():
        path = directory / f"{stem}.schema.json"
        path.write_bytes(orjson.dumps(schema, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        written.append(path)
    return written
