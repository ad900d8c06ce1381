"""The FastAPI application: `create_app(settings)` wires the runtime into REST and WebSocket routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypedDict

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from schemas.api import AckRequest, ErrorBody
from schemas.events import INPUT_ADAPTER
from service.bootstrap import bootstrap
from service.clock import Clock
from service.http import calls, console, events, ops, units
from service.http.auth import Authenticator
from service.http.errors import install_error_handlers
from service.http.limits import BodySizeLimit
from service.runtime import Runtime
from service.settings import Settings
from service.ws import endpoint

__all__ = ["create_app"]


class LifespanState(TypedDict):
    runtime: Runtime
    auth: Authenticator


def create_app(settings: Settings, clock: Clock | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[LifespanState]:
        runtime = bootstrap(settings, clock)
        app.state.runtime = runtime  # for the signal handler: a SIGTERM drains before HTTP closes
        await runtime.start()
        try:
            yield {"runtime": runtime, "auth": Authenticator(settings)}
        finally:
            await runtime.stop()

    app = FastAPI(
        title="corespond",
        version="1",
        summary="Triage and routing of CAD calls to behavioral-health co-responder teams",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_event_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    for router in (ops.router, events.router, calls.router, units.router, endpoint.router, console.router):
        app.include_router(router)
    app.mount(console.STATIC_PATH, console.static_files(), name="console-static")
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema, plus the request bodies that the routes validate from raw JSON themselves,
    with every 422 described as what the service sends: an `ErrorBody`, not FastAPI's default."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    spec = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in (
        ("CadEvent", INPUT_ADAPTER.json_schema(ref_template="#/components/schemas/{model}")),
        ("AckRequest", AckRequest.model_json_schema(ref_template="#/components/schemas/{model}")),
    ):
        components.update(schema.pop("$defs", {}))
        components[name] = schema
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for operation in (op for item in spec["paths"].values() for op in item.values()):
        unprocessable = operation.get("responses", {}).get("422")
        if unprocessable is not None:
            unprocessable["content"] = {"application/json": {"schema": error_body}}
    components.setdefault("ErrorBody", ErrorBody.model_json_schema())
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    app.openapi_schema = spec
    return spec
