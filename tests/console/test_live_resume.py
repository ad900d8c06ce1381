"""A dropped WebSocket is resumed with `after=` and loses no frame; the indicator says what happens.

The browser reaches the service through a loopback TCP relay that the test cuts (every connection
aborted, new ones refused) while decisions are published, then restores.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Page, expect

from service.access import Role
from tests.builders import call_created, next_id, unit_upsert
from tests.conftest import LiveService, latest_decision
from tests.console.conftest import auth, now_iso, open_console, post_events, row


class Relay:
    """Forwards loopback TCP connections to the service; `cut()` drops them all, `restore()` undoes."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.refusing = False
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            client_writer.transport.abort()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.links |= {client_writer, upstream_writer}
        await asyncio.gather(
            self._pipe(client_reader, upstream_writer), self._pipe(upstream_reader, client_writer)
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.links.discard(writer)
            writer.transport.abort()

    def cut(self) -> None:
        self.refusing = True
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    def restore(self) -> None:
        self.refusing = False

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await self.server.wait_closed()


@pytest.fixture
async def relay(console_service: LiveService) -> AsyncIterator[Relay]:
    relay = Relay(int(console_service.base_url.rsplit(":", 1)[1]))
    await relay.start()
    yield relay
    await relay.close()


async def test_a_dropped_websocket_resumes_after_its_last_frame_and_loses_nothing(
    page: Page, console_service: LiveService, relay: Relay
) -> None:
    assert relay.server is not None
    port = relay.server.sockets[0].getsockname()[1]
    via_relay = f"http://127.0.0.1:{port}"
    region = next_id("region")
    unit_id = next_id("LCSO-CR")
    before = next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [
            unit_upsert(unit_id, region=region, capacity=8),
            call_created(before, region=region, occurred_at=now_iso()),
        ],
    )
    sockets: list[str] = []
    reloads: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.on("request", lambda r: reloads.append(r.url) if urlsplit(r.url).path == "/calls" else None)
    await open_console(page, via_relay, attributes={"region": region})
    await row(page, before).wait_for(timeout=5000)
    live_one = next_id("LPD-26")  # one decision over the feed, so the console has a position
    await post_events(
        console_service.base_url, [call_created(live_one, region=region, occurred_at=now_iso())]
    )
    await row(page, live_one).wait_for(timeout=5000)
    # The position to resume from: the last frame's cursor when frames carry one, else its seq.
    position = await page.locator("corespond-console").evaluate("element => String(element.feed.position)")
    frames_before = await page.locator("corespond-console").evaluate("element => element.frames")
    first_reloads = len(reloads)

    relay.cut()
    console = page.locator("corespond-console")
    await expect(console).to_have_attribute("connection", "reconnecting", timeout=10_000)
    await expect(page.locator(".conn")).to_contain_text("Reconnecting")

    during = [next_id("LPD-26") for _ in range(4)]
    await post_events(
        console_service.base_url, [call_created(c, region=region, occurred_at=now_iso()) for c in during]
    )
    async with httpx.AsyncClient(base_url=console_service.base_url, headers=auth(Role.DISPATCHER)) as client:
        for call_id in during:
            await latest_decision(client, call_id)
    relay.restore()

    await expect(console).to_have_attribute("connection", "live", timeout=20_000)
    for call_id in during:
        await row(page, call_id).wait_for(timeout=5000)
    resumed = parse_qs(urlsplit(sockets[-1]).query)
    assert len(sockets) >= 2
    assert "after" not in parse_qs(urlsplit(sockets[0]).query)
    assert resumed["after"] == [position], sockets[-1]
    assert len(reloads) == first_reloads, "the queue was resumed from the feed, not reloaded"
    frames_after = await console.evaluate("element => element.frames")
    assert frames_after - frames_before >= len(during)
    await expect(page.locator(".row")).to_have_count(2 + len(during))
