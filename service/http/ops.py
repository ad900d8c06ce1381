"""Operational endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response

from schemas.api import HealthBody, ReadyBody
from service.http.deps import MetricsReader, RuntimeDep
from service.http.errors import AUTH_ERRORS

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/health")
async def health() -> HealthBody:
    """The process is up and serving HTTP."""
    return HealthBody(status="ok")


@router.get("/ready", response_model=ReadyBody, responses={503: {"model": ReadyBody}})
async def ready(runtime: RuntimeDep, response: Response) -> ReadyBody:
    """Ready only when the broker answers, every owned partition is consumed to its end and the read
    side has read every region's decisions and units."""
    body = ReadyBody(
        ready=runtime.ready,
        broker=runtime.broker_reachable,
        caught_up=runtime.consumer.caught_up,
        read_side=runtime.tail.caught_up,
        instance=runtime.settings.instance_id,
        regions=list(runtime.host.owned_regions),
    )
    runtime.metrics.ready.set(1 if body.ready else 0)
    if not body.ready:
        response.status_code = 503
    return body


@router.get("/metrics", response_class=Response, responses=AUTH_ERRORS)
async def metrics(runtime: RuntimeDep, _: MetricsReader) -> Response:
    """Prometheus text format (admin role: volumes and rates are operational data)."""
    return Response(runtime.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")
