"""Running the service: the embedded broker (optional), the app under uvicorn, the demo feed (optional).

Signals are handled here rather than by uvicorn, so that Ctrl-C and SIGTERM always end in the same
orderly shutdown: the consumer drains at once (finishes its batch, commits, leaves the group, so the
other instances take its regions over while this one closes its connections), then the demo feed
stops, the app shuts down, then the broker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Generator, Mapping
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from service.app import create_app
from service.broker import EmbeddedBroker
from service.runtime import Runtime
from service.settings import Settings

__all__ = ["ManagedServer", "serve"]

log = logging.getLogger(__name__)


class ManagedServer(uvicorn.Server):
    """uvicorn without its own signal handling: whoever runs it decides when it should exit."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # serve() owns signal handling; uvicorn's would re-raise SIGTERM after shutdown and kill the
        # process before the broker is stopped.
        yield


async def serve(
    settings: Settings,
    *,
    embedded_broker: bool,
    demo: bool,
    console_tokens: Mapping[str, SecretStr] | None = None,
) -> None:
    """Run until SIGINT or SIGTERM. `console_tokens` (role -> token, dev tokens only) are put in the
    console links the banner prints, in the URL fragment, which the browser never sends."""
    with contextlib.ExitStack() as stack:
        if embedded_broker:
            broker = stack.enter_context(EmbeddedBroker())
            settings = settings.model_copy(update={"kafka_bootstrap": broker.bootstrap})
        app = create_app(settings)
        server = ManagedServer(
            uvicorn.Config(
                app,
                host=settings.host,
                port=settings.port,
                log_config=None,
                ws="websockets-sansio",
                lifespan="on",
            )
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _request_exit, server, app, sig)
        loop.add_signal_handler(signal.SIGUSR1, _dump_tasks)
        serving = asyncio.create_task(server.serve())
        demo_task: asyncio.Task[None] | None = None
        try:
            while not server.started:
                if serving.done():
                    serving.result()
                    return
                await asyncio.sleep(0.05)
            port = server.servers[0].sockets[0].getsockname()[1]
            base = f"http://{settings.host}:{port}"
            ready = await _until_ready(port, serving)
            print(  # noqa: T201 - the operator's first line of output
                f"corespond {'ready' if ready else 'started (not ready yet: see /ready)'}: API {base}  "
                f"docs {base}/docs  decisions ws://{settings.host}:{port}/ws/decisions  "
                f"broker {settings.kafka_bootstrap}",
                flush=True,
            )
            for line in _console_links(base, console_tokens or {}):
                print(line, flush=True)  # noqa: T201 - the operator's way in
            if demo:
                from service.demo import run_demo_feed  # noqa: PLC0415 - only the demo needs it

                demo_task = asyncio.create_task(run_demo_feed(settings))
            await serving
        finally:
            if demo_task is not None:
                demo_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await demo_task
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            if not serving.done():
                server.should_exit = True
                await serving


def _console_links(base: str, tokens: Mapping[str, SecretStr]) -> list[str]:
    if not tokens:
        return [f"  console  {base}/console  (paste a dispatcher or observer token)"]
    labels = {"dispatcher": "console", "observer": "console, observer view (read-only)"}
    return [
        f"  {labels.get(role, role)}  {base}/console#token={token.get_secret_value()}"
        for role, token in tokens.items()
    ]


async def _until_ready(port: int, serving: asyncio.Task[None], timeout_s: float = 60.0) -> bool:
    """Wait until GET /ready answers 200 (Kafka reached, topics there, state caught up)."""
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2) as client:
        while time.monotonic() < deadline and not serving.done():
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/ready")).status_code == 200:
                    return True
            await asyncio.sleep(0.1)
    return False


def _dump_tasks() -> None:
    """SIGUSR1: write where every asyncio task waits, down its await chain, to stderr."""
    for task in asyncio.all_tasks():
        lines = [f"task {task.get_name()}:"]
        awaited: Any = task.get_coro()
        while awaited is not None:
            frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
            if frame is not None:
                lines.append(f"  {frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
            awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
        print("\n".join(lines), file=sys.stderr)  # noqa: T201 - an operator's diagnostic
    sys.stderr.flush()


def _request_exit(server: uvicorn.Server, app: FastAPI, sig: signal.Signals) -> None:
    log.info("received %s, shutting down", sig.name)
    runtime: Runtime | None = getattr(app.state, "runtime", None)
    if runtime is not None:
        runtime.drain()
    server.should_exit = True
