"""POST /events: CAD events from integrations without Kafka, written to the same events topic."""

from __future__ import annotations

from aiokafka.errors import KafkaError
from fastapi import APIRouter, Request

from schemas.api import ErrorBody, EventReceipt
from schemas.events import INPUT_ADAPTER
from service.http.body import json_body_spec, read_json
from service.http.deps import EventWriter, RuntimeDep
from service.http.errors import AUTH_ERRORS, ApiError

__all__ = ["router"]

router = APIRouter(tags=["events"])


@router.post(
    "/events",
    status_code=202,
    openapi_extra=json_body_spec("CadEvent"),
    responses={
        **AUTH_ERRORS,
        413: {"model": ErrorBody},
        422: {"model": ErrorBody},
        503: {"model": ErrorBody},
    },
)
async def post_event(request: Request, runtime: RuntimeDep, _: EventWriter) -> EventReceipt:
    """Validate one CAD event and append it to the events topic, keyed by its region.

    The event then takes exactly the path of an event read from Kafka; its decision appears on the
    decisions topic, on GET /calls/{call_id} and on the WebSocket. A 503 means the broker did not
    confirm in time: the event may still land, and sending it again with the same `event_id` is safe
    (an event id is applied once).
    """
    event, raw = await read_json(request, INPUT_ADAPTER, runtime.settings.max_event_bytes, "invalid_event")
    try:
        metadata = await runtime.append_event(event.region, raw)
    except (KafkaError, TimeoutError) as error:
        raise ApiError(
            503, "event_log_unavailable", f"the events topic did not take the event: {error!r}"
        ) from error
    return EventReceipt(
        event_id=event.event_id, topic=metadata.topic, partition=metadata.partition, offset=metadata.offset
    )
