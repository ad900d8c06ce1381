"""Latest decisions (GET /calls, GET /calls/{call_id}) and dispatcher acks (POST .../ack)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from aiokafka.errors import KafkaError
from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter

from schemas._base import Identifier
from schemas.api import AckReceipt, AckRequest, ErrorBody
from schemas.decisions import CallStatus, Decision
from schemas.events import AckAction
from service.http.body import json_body_spec, read_json
from service.http.deps import RuntimeDep
from service.http.errors import ApiError

__all__ = ["router"]

router = APIRouter(tags=["calls"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}


@router.get("/calls", response_model=list[Decision])
async def list_calls(runtime: RuntimeDep, region: Annotated[Identifier | None, Query()] = None) -> Response:
    """The latest decision of every open call, ordered by call id."""
    entries = runtime.store.open_calls(region)
    return Response(b"[" + b",".join(e.encoded for e in entries) + b"]", media_type="application/json")


@router.get("/calls/{call_id}", response_model=Decision, responses=_NOT_FOUND)
async def get_call(call_id: str, runtime: RuntimeDep) -> Response:
    """The latest decision for a call (open, or closed recently)."""
    entry = runtime.store.get(call_id)
    if entry is None:
        raise ApiError(404, "unknown_call", f"no decision for call {call_id} (yet)")
    return Response(entry.encoded, media_type="application/json")


_ACK = TypeAdapter(AckRequest)


@router.post(
    "/calls/{call_id}/ack",
    status_code=202,
    openapi_extra=json_body_spec("AckRequest"),
    responses={**_NOT_FOUND, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}, 503: {"model": ErrorBody}},
)
async def ack_call(call_id: str, request: Request, runtime: RuntimeDep) -> AckReceipt:
    """Accept the recommended unit, override it with another, or decline co-response.

    The ack goes through the events topic like every other change, so the instance that owns the
    region applies it; the next decision revision shows the unit as fixed.
    """
    body, _ = await read_json(request, _ACK, 4096, "invalid_ack")
    entry = runtime.store.get(call_id)
    if entry is None:
        raise ApiError(404, "unknown_call", f"no decision for call {call_id}")
    decision = entry.decision
    if decision.call_status is CallStatus.CLOSED:
        raise ApiError(409, "call_closed", f"call {call_id} is closed")
    if body.action is AckAction.OVERRIDE and body.unit_id is None:
        raise ApiError(422, "invalid_ack", "an override names the unit the dispatcher chose (unit_id)")
    if body.action is AckAction.ACCEPT and body.unit_id is None and decision.assignment.unit_id is None:
        raise ApiError(409, "nothing_to_accept", f"call {call_id} has no recommended unit to accept")
    if body.revision is not None and body.revision != decision.revision and body.unit_id is None:
        raise ApiError(
            409, "stale_revision", f"call {call_id} is at revision {decision.revision}, not {body.revision}"
        )
    event_id = f"ack-{uuid.uuid4().hex}"
    event = {
        "event_id": event_id,
        "type": "call.acknowledged",
        "occurred_at": runtime.clock.now().isoformat(),
        "region": decision.region,
        "ack": {
            "call_id": call_id,
            "action": body.action.value,
            "unit_id": body.unit_id,
            "revision": body.revision,
            "principal": "dispatcher",
        },
    }
    try:
        metadata = await runtime.append_event(decision.region, orjson.dumps(event))
    except KafkaError as error:
        raise ApiError(503, "event_log_unavailable", f"the ack was not recorded: {error!r}") from error
    return AckReceipt(
        event_id=event_id,
        topic=metadata.topic,
        partition=metadata.partition,
        offset=metadata.offset,
        call_id=call_id,
        action=body.action,
    )
