"""Browser fixtures: Debian's chromium driven by Playwright, against a real service with API keys.

The browser is never downloaded (`playwright install` is not used): Playwright drives the system
chromium through `executable_path`. A missing or broken browser fails these tests, it never skips
them (`.ci/run` installs chromium when it is missing).
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from service.access import Role
from service.broker import EmbeddedBroker
from tests.conftest import LiveService, start_service, stop_service, unique_settings, until_ready

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TOKENS = {role: f"{role.value}-console-token-{'y' * 16}" for role in Role}


def chromium_path() -> str:
    """The system chromium; fails (never skips) when it is missing."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed: `apt-get install -y chromium` (.ci/run does it)")
    return found


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - any launch failure is a failed test, said plainly
            pytest.fail(f"chromium did not start: {error}")
        yield browser
        await browser.close()


@pytest.fixture(scope="module")
async def console_service(broker: EmbeddedBroker) -> AsyncIterator[LiveService]:
    """A real service with one API key per role, on the session broker."""
    keys = ",".join(f"{role.value}:{token}" for role, token in TOKENS.items())
    service, task = await start_service(unique_settings(broker.bootstrap, api_keys=keys))
    async with httpx.AsyncClient(base_url=service.base_url) as client:
        await until_ready(client)
    yield service
    await stop_service(service, task)


@pytest.fixture
async def context(chromium: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await chromium.new_context(viewport={"width": 1400, "height": 900})
    yield ctx
    await ctx.close()


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    assert not errors, f"uncaught errors in the page: {errors}"


def auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


async def post_events(base_url: str, events: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(base_url=base_url, headers=auth(Role.INTEGRATION)) as client:
        for event in events:
            response = await client.post("/events", content=orjson.dumps(event))
            assert response.status_code == 202, response.text


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


async def open_console(
    page: Page, base_url: str, *, role: Role = Role.DISPATCHER, attributes: Mapping[str, str] | None = None
) -> None:
    """Open /console with the role's token in the fragment; wait until the live feed is connected."""
    query = str(httpx.QueryParams(dict(attributes or {})))
    await page.goto(f"{base_url}/console{'?' + query if query else ''}#token={TOKENS[role]}")
    await page.locator("corespond-console[connection=live]").wait_for(timeout=10_000)


def row(page: Page, call_id: str) -> Any:
    return page.locator(f'[data-call-id="{call_id}"].row')
