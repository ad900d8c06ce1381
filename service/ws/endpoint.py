"""WS /ws/decisions?region=...&after=SEQ|CURSOR: live decisions for every region, resumable anywhere.

The connection is authenticated before it is accepted (a bearer token header, or a one-time ticket
from POST /ws/ticket for browsers) and a browser's `Origin` must be an allowed one; a refused
handshake is closed with code 1008 (policy violation), which servers send as HTTP 403. On connect
the client first receives every buffered decision after `after` (or a `gap` notice when `after` is
older than the buffer), then live ones. Frames are the decision JSON plus `seq` (this instance's
counter) and `cursor` (a position in the decisions topic that every instance understands, see
`service.ws.cursor`). A client too slow to keep up is closed with code 1013 and resumes with `after`
set to the last cursor (or seq) it read; a console behind a load balancer resumes with the cursor,
on whichever instance it reaches. An `after` that is neither is answered with an `error` frame and
closed with 1008.
"""

from __future__ import annotations

import asyncio
import contextlib

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from schemas._base import Identifier
from schemas.api import WsTicket
from service.access import Permission, Principal
from service.audit import audit
from service.http.auth import Authenticator
from service.http.deps import Subscriber, WsAuth
from service.http.errors import AUTH_ERRORS
from service.redaction import withhold_substance_use
from service.runtime import Runtime
from service.ws.cursor import CursorError, parse_after
from service.ws.hub import Frame, Subscription

__all__ = ["router"]

router = APIRouter(tags=["decisions"])

POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013


@router.post("/ws/ticket", responses=AUTH_ERRORS)
async def ws_ticket(principal: Subscriber, websocket_auth: WsAuth) -> WsTicket:
    """A one-time ticket for browsers, which cannot set headers on a WebSocket: `?ticket=...`."""
    ticket, ttl_s = websocket_auth.issue_ticket(principal)
    audit(principal, "ws_ticket")
    return WsTicket(ticket=ticket, expires_in_s=ttl_s)


def _origin_allowed(websocket: WebSocket, allowed: tuple[str, ...]) -> bool:
    """Non-browser clients send no Origin; a browser's must be allowed, or the service's own."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    origin = origin.rstrip("/")
    host = websocket.headers.get("host", "")
    return origin in allowed or origin in {f"http://{host}", f"https://{host}"}


def _text(frame: Frame, principal: Principal) -> str:
    if principal.may(Permission.READ_SUBSTANCE_USE):
        return frame.text
    return withhold_substance_use(frame.text.encode()).decode()


async def _pump(websocket: WebSocket, sub: Subscription, principal: Principal) -> None:
    for frame in sub.backlog:
        await websocket.send_text(_text(frame, principal))
    sub.backlog = []
    while True:
        frame = await sub.queue.get()
        if sub.overflowed:
            await websocket.close(TRY_AGAIN_LATER, "too slow: reconnect with after=<last cursor>")
            return
        await websocket.send_text(_text(frame, principal))


@router.websocket("/ws/decisions")
async def decisions_ws(
    websocket: WebSocket, region: Identifier | None = None, after: str | None = None
) -> None:
    runtime: Runtime = websocket.state.runtime
    auth: Authenticator = websocket.state.auth
    principal = auth.for_websocket(websocket)
    if (
        principal is None
        or not principal.may(Permission.SUBSCRIBE)
        or not _origin_allowed(websocket, runtime.settings.cors_origins)
    ):
        await websocket.close(POLICY_VIOLATION)
        return
    await websocket.accept()
    try:
        resume = None if after is None else parse_after(after)
    except CursorError as error:
        refusal = {"type": "error", "error": "invalid_after", "detail": str(error)}
        await websocket.send_text(orjson.dumps(refusal).decode())
        await websocket.close(POLICY_VIOLATION, "invalid after")
        return
    audit(principal, "subscribe", region)
    sub = runtime.read_model.feed.subscribe(region, resume)
    runtime.metrics.ws_clients.set(runtime.read_model.feed.subscriber_count)
    try:
        if sub.gap:
            await websocket.send_text(runtime.read_model.feed.gap_notice())
        pump = asyncio.create_task(_pump(websocket, sub, principal))
        listen = asyncio.create_task(_until_disconnect(websocket))
        done, pending = await asyncio.wait({pump, listen}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await task
        if sub.overflowed:
            runtime.metrics.ws_dropped.inc()
        for task in done:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                task.result()
    finally:
        runtime.read_model.feed.unsubscribe(sub)
        runtime.metrics.ws_clients.set(runtime.read_model.feed.subscriber_count)
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close()


async def _until_disconnect(websocket: WebSocket) -> None:
    """Consoles send nothing we need; reading detects the close."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
