"""WS /ws/decisions?region=...&after=SEQ: live decisions for dispatcher consoles, resumable by seq.

On connect the client first receives every buffered decision after `after` (or a `gap` notice when
`after` is older than the buffer), then live ones. Frames are the decision JSON plus `seq`. A client
too slow to keep up is closed with code 1013 and resumes with `after` set to the last seq it read.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from schemas._base import Identifier
from service.runtime import Runtime
from service.ws.hub import Subscription

__all__ = ["router"]

router = APIRouter()

TRY_AGAIN_LATER = 1013


async def _pump(websocket: WebSocket, sub: Subscription) -> None:
    for frame in sub.backlog:
        await websocket.send_text(frame.text)
    sub.backlog = []
    while True:
        frame = await sub.queue.get()
        if sub.overflowed:
            await websocket.close(TRY_AGAIN_LATER, "too slow: reconnect with after=<last seq>")
            return
        await websocket.send_text(frame.text)


@router.websocket("/ws/decisions")
async def decisions_ws(
    websocket: WebSocket, region: Identifier | None = None, after: int | None = None
) -> None:
    runtime: Runtime = websocket.state.runtime
    await websocket.accept()
    sub = runtime.hub.subscribe(region, after)
    runtime.metrics.ws_clients.set(runtime.hub.subscriber_count)
    try:
        if sub.gap:
            await websocket.send_text(runtime.hub.gap_notice())
        pump = asyncio.create_task(_pump(websocket, sub))
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
        runtime.hub.unsubscribe(sub)
        runtime.metrics.ws_clients.set(runtime.hub.subscriber_count)
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(RuntimeError):
                await websocket.close()


async def _until_disconnect(websocket: WebSocket) -> None:
    """Consoles send nothing we need; reading detects the close."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
