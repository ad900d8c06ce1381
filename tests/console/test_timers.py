"""Call timers under Playwright's fake clock: they count, and turn warning then danger at the
per-priority thresholds given as attributes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Page, expect

from service.access import Role
from tests.builders import call_created, next_id, unit_upsert
from tests.conftest import LiveService, latest_decision
from tests.console.conftest import auth, open_console, post_events, row


async def test_timers_turn_warning_then_danger_at_the_priority_thresholds(
    page: Page, console_service: LiveService
) -> None:
    region, call_id = next_id("region"), next_id("LPD-26")
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region, status="out_of_service"),
            call_created(call_id, region=region, priority=2, occurred_at=received.isoformat()),
        ],
    )
    async with httpx.AsyncClient(base_url=console_service.base_url, headers=auth(Role.DISPATCHER)) as client:
        decision = await latest_decision(client, call_id)
    assert decision["assignment"]["status"] == "queued"
    await page.clock.install(time=received + timedelta(seconds=10))
    await open_console(
        page,
        console_service.base_url,
        attributes={
            "region": region,
            "received-thresholds": '{"2": [90, 150]}',
            "queue-thresholds": '{"2": [60, 120]}',
        },
    )
    # Time flows from the install until here (the page loads); from here on the test moves it.
    await page.clock.pause_at(received + timedelta(seconds=40))
    since_received = row(page, call_id).locator(".timer.received")
    in_queue = row(page, call_id).locator(".timer.queued")
    await page.clock.run_for(1000)
    await expect(since_received).to_have_text("received 0:41")
    await expect(since_received).to_have_attribute("data-level", "ok")
    await expect(in_queue).to_have_attribute("data-level", "ok")

    await page.clock.run_for(25_000)  # 66 s: the queue timer passed its 60 s warning
    await expect(in_queue).to_have_attribute("data-level", "warn")
    await expect(in_queue).to_have_text("▲ in queue 1:06 (late)")
    await expect(since_received).to_have_attribute("data-level", "ok")

    await page.clock.run_for(30_000)  # 96 s
    await expect(since_received).to_have_attribute("data-level", "warn")
    await expect(since_received).to_have_text("▲ received 1:36 (late)")

    await page.clock.run_for(60_000)  # 156 s: both past danger
    await expect(since_received).to_have_attribute("data-level", "danger")
    await expect(since_received).to_have_text("■ received 2:36 (overdue)")
    await expect(in_queue).to_have_attribute("data-level", "danger")


async def test_default_thresholds_are_stricter_for_priority_1(
    page: Page, console_service: LiveService
) -> None:
    region = next_id("region")
    urgent, routine = next_id("LPD-26"), next_id("LPD-26")
    received = datetime.now(UTC).replace(microsecond=0)
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region, status="out_of_service"),
            call_created(urgent, region=region, priority=1, occurred_at=received.isoformat()),
            call_created(routine, region=region, priority=4, occurred_at=received.isoformat()),
        ],
    )
    async with httpx.AsyncClient(base_url=console_service.base_url, headers=auth(Role.DISPATCHER)) as client:
        await latest_decision(client, urgent)
        await latest_decision(client, routine)
    await page.clock.install(time=received + timedelta(seconds=1))
    await open_console(page, console_service.base_url, attributes={"region": region})
    await page.clock.pause_at(received + timedelta(seconds=30))
    await page.clock.run_for(102_000)  # 2 min 12 s: past priority 1's 2 min warning, not priority 4's
    await expect(row(page, urgent).locator(".timer.received")).to_have_attribute("data-level", "warn")
    await expect(row(page, routine).locator(".timer.received")).to_have_attribute("data-level", "ok")
