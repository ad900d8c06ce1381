"""Latest decisions (GET /calls, GET /calls/{call_id}) and dispatcher acks (POST .../ack)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Query, Request, Response
from pydantic import TypeAdapter

from routing.acks import AckTarget, resolve_ack
from routing.errors import EventRejected
from schemas._base import Identifier
from schemas.api import AckReceipt, AckRequest, ErrorBody
from schemas.decisions import CallStatus, Decision
from schemas.events import CallAck, CallAcknowledged
from service.access import Permission, Principal
from service.audit import audit
from service.http.body import json_body_spec, read_json
from service.http.deps import Acker, CallReader, RuntimeDep
from service.http.errors import AUTH_ERRORS, ApiError
from service.redaction import withhold_substance_use
from service.runtime import Runtime

__all__ = ["router"]

router = APIRouter(tags=["calls"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {**AUTH_ERRORS, 404: {"model": ErrorBody}}


def _as_seen_by(principal: Principal, encoded: bytes) -> bytes:
    return encoded if principal.may(Permission.READ_SUBSTANCE_USE) else withhold_substance_use(encoded)


@router.get("/calls", response_model=list[Decision], responses=AUTH_ERRORS)
async def list_calls(
    runtime: RuntimeDep, principal: CallReader, region: Annotated[Identifier | None, Query()] = None
) -> Response:
    """The latest decision of every open call, ordered by call id."""
    entries = runtime.read_model.calls.open_calls(region)
    audit(principal, "list_calls", region)
    body = b",".join(_as_seen_by(principal, e.encoded) for e in entries)
    return Response(b"[" + body + b"]", media_type="application/json")


@router.get("/calls/{call_id}", response_model=Decision, responses=_NOT_FOUND)
async def get_call(call_id: str, runtime: RuntimeDep, principal: CallReader) -> Response:
    """The latest decision for a call (open, or closed recently)."""
    entry = runtime.read_model.calls.get(call_id)
    audit(principal, "read_call", call_id, "ok" if entry else "not_found")
    if entry is None:
        raise ApiError(404, "unknown_call", f"no decision for call {call_id} (yet)")
    return Response(_as_seen_by(principal, entry.encoded), media_type="application/json")


_ACK = TypeAdapter(AckRequest)
ACK_MAX_BYTES = 4096
"""An ack is a few fields; a larger body is refused with 413 before it is parsed."""


@router.post(
    "/calls/{call_id}/ack",
    status_code=202,
    openapi_extra=json_body_spec("AckRequest"),
    responses={
        **_NOT_FOUND,
        409: {"model": ErrorBody},
        413: {"model": ErrorBody},
        422: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
)
async def ack_call(call_id: str, request: Request, runtime: RuntimeDep, principal: Acker) -> AckReceipt:
    """Accept the recommended unit, override it with another, or decline co-response.

    The ack goes through the events topic like every other change, so the instance that owns the
    region applies it; the next decision revision shows the unit as fixed.
    """
    body, _ = await read_json(request, _ACK, ACK_MAX_BYTES, "invalid_ack")
    try:
        receipt = await _record_ack(call_id, body, runtime, principal)
    except ApiError as error:
        audit(principal, f"ack_{body.action.value}", call_id, error.error)
        raise
    audit(principal, f"ack_{body.action.value}", call_id)
    return receipt


_STATUS_OF_REFUSAL = {"unknown_call": 404, "unknown_unit": 422}
"""HTTP status of each reason the core's ack rules give; the others are conflicts (409)."""


async def _record_ack(call_id: str, body: AckRequest, runtime: Runtime, principal: Principal) -> AckReceipt:
    entry = runtime.read_model.calls.get(call_id)
    if entry is None:
        # Before anything is built from the path: an id no decision has cannot be a valid ack target.
        raise ApiError(404, "unknown_call", f"no decision for call {call_id} (yet)")
    ack = CallAck(
        call_id=entry.call_id,
        action=body.action,
        unit_id=body.unit_id,
        revision=body.revision,
        reason=body.reason,
        principal=principal.name,
    )
    target = AckTarget(
        call_id=entry.call_id,
        known=True,
        closed=entry.status is CallStatus.CLOSED,
        revision=entry.revision,
        recommended_unit=entry.recommended_unit,
    )
    units = runtime.read_model.units
    try:
        resolve_ack(
            target, ack, lambda unit_id: (u := units.get(unit_id)) is not None and u.region == entry.region
        )
    except EventRejected as refused:
        raise ApiError(
            _STATUS_OF_REFUSAL.get(refused.reason, 409), refused.reason, refused.detail
        ) from refused
    event = CallAcknowledged(
        event_id=f"ack-{uuid.uuid4().hex}",
        type="call.acknowledged",
        occurred_at=runtime.clock.now(),
        region=entry.region,
        ack=ack,
    )
    try:
        metadata = await runtime.append_event(entry.region, event.model_dump_json(exclude_none=True).encode())
    except (KafkaError, TimeoutError) as error:
        raise ApiError(503, "event_log_unavailable", f"the ack was not recorded: {error!r}") from error
    return AckReceipt(
        event_id=event.event_id,
        topic=metadata.topic,
        partition=metadata.partition,
        offset=metadata.offset,
        call_id=call_id,
        action=body.action,
    )
