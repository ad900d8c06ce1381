"""Typed dependencies shared by the routers: the running app's runtime and the acting principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.access import Permission, Principal
from service.http.auth import Authenticator, authenticated, require
from service.runtime import Runtime

__all__ = [
    "Acker",
    "AnyPrincipal",
    "CallReader",
    "EventWriter",
    "MetricsReader",
    "OutcomeReader",
    "RuntimeDep",
    "Subscriber",
    "UnitReader",
    "WsAuth",
    "get_runtime",
]


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
EventWriter = Annotated[Principal, Depends(require(Permission.WRITE_EVENTS))]
CallReader = Annotated[Principal, Depends(require(Permission.READ_CALLS))]
UnitReader = Annotated[Principal, Depends(require(Permission.READ_UNITS))]
Acker = Annotated[Principal, Depends(require(Permission.ACK))]
Subscriber = Annotated[Principal, Depends(require(Permission.SUBSCRIBE))]
MetricsReader = Annotated[Principal, Depends(require(Permission.READ_METRICS))]
OutcomeReader = Annotated[Principal, Depends(require(Permission.READ_OUTCOMES))]
AnyPrincipal = Annotated[Principal, Depends(authenticated)]


def get_auth(request: Request) -> Authenticator:
    auth: Authenticator = request.state.auth
    return auth


WsAuth = Annotated[Authenticator, Depends(get_auth)]
