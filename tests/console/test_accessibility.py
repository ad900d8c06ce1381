"""axe-core scans of the console (queue, dialog, sign-in) with no serious or critical violation, the
reduced-motion preference honoured, and the screenshot the README shows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from service.access import Role
from tests.builders import FORT_COLLINS, LOVELAND, call_created, next_id, unit_upsert
from tests.conftest import LiveService, latest_decision
from tests.console.conftest import auth, now_iso, open_console, post_events, row

WINDSOR = (40.4775, -104.9014)
ESTES_PARK = (40.3772, -105.5217)


async def _serious(page: Page) -> list[dict[str, Any]]:
    results = await Axe().run(page, options={"resultTypes": ["violations"]})
    violations: list[dict[str, Any]] = results.response["violations"]
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


async def _a_busy_region(service: LiveService) -> tuple[str, list[str]]:
    region = next_id("region")
    calls = [next_id("LPD-26") for _ in range(5)]
    await post_events(
        service.base_url,
        [
            unit_upsert("LCSO-CR1", region=region, at=FORT_COLLINS, capacity=1, occurred_at=now_iso()),
            unit_upsert("LCSO-CR2", region=region, at=LOVELAND, capacity=1, occurred_at=now_iso()),
            unit_upsert(
                "LPD-CR1",
                region=region,
                agency="LPD",
                model="secondary",
                can_transport=True,
                at=WINDSOR,
                occurred_at=now_iso(),
            ),
            unit_upsert("EPPD-CR1", region=region, agency="EPPD", at=ESTES_PARK, status="out_of_service"),
            # EPPD-CR1's last AVL position is old (the builder's fixed date): the board flags it stale.
            call_created(
                calls[0],
                region=region,
                nature_code="WELFARE CHECK",
                priority=2,
                narrative="MOTHER STATES SON HEARING VOICES, NOT TAKING HIS MEDS",
                at=(40.5600, -105.0600),
                occurred_at=now_iso(),
            ),
            call_created(
                calls[1],
                region=region,
                priority=1,
                narrative="RP STATES BROTHER SAYS HE WANTS TO KILL HIMSELF, HAS A KNIFE",
                at=(40.4200, -105.0900),
                occurred_at=now_iso(),
            ),
            call_created(
                calls[2],
                region=region,
                agency="LCSO",
                nature_code="DISTURBANCE",
                priority=3,
                narrative="SUBJ ACTING ERRATIC IN PARKING LOT",
                at=(40.4900, -104.9500),
                occurred_at=now_iso(),
            ),
            call_created(
                calls[3],
                region=region,
                nature_code="DISTURBANCE",
                priority=2,
                narrative="MALE YELLING, POSS HAS A KNIFE",
                at=(40.3900, -105.0500),
                occurred_at=now_iso(),
            ),
            call_created(
                calls[4],
                region=region,
                agency="LCSO",
                nature_code="SUSPICIOUS PERSON",
                priority=4,
                narrative="MALE TALKING TO HIMSELF, CONFUSED",
                at=(40.5300, -105.1200),
                occurred_at=now_iso(),
            ),
        ],
    )
    async with httpx.AsyncClient(base_url=service.base_url, headers=auth(Role.DISPATCHER)) as client:
        for call_id in calls:
            await latest_decision(client, call_id)
    return region, calls


async def test_no_serious_or_critical_axe_violation_and_the_readme_screenshot(
    page: Page, console_service: LiveService, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    region, _ = await _a_busy_region(console_service)
    await page.set_viewport_size({"width": 1400, "height": 860})
    await open_console(page, console_service.base_url, attributes={"region": region})
    await expect(page.locator(".row")).to_have_count(5)
    await expect(page.locator(".units tbody tr")).to_have_count(4)
    await expect(page.locator(".unit-counts")).to_have_text("4 units: 3 available, 0 busy, 1 unavailable")
    await page.locator(".status-filter").select_option("unavailable")
    await expect(page.locator(".units tbody tr:not([hidden])")).to_have_count(1)
    await expect(page.locator(".units tbody tr:not([hidden])")).to_contain_text("Out of service")
    await expect(page.locator(".unit-counts")).to_contain_text("(1 shown)")
    await page.locator(".status-filter").select_option("all")
    await page.locator(".model-filter").select_option("secondary")
    await expect(page.locator(".units tbody tr:not([hidden])")).to_have_count(1)
    await page.locator(".model-filter").select_option("all")
    assert await _serious(page) == []

    # Accept the first recommendation from the keyboard, then rest the cursor on the gated call.
    await page.locator("corespond-console").evaluate("element => element.focusQueue()")
    first = page.locator('.row[aria-selected="true"]')
    recommended = page.locator('.row[data-assignment="recommended"]').first
    target = await recommended.get_attribute("data-call-id")
    while await first.get_attribute("data-call-id") != target:
        await page.keyboard.press("j")
    await page.keyboard.press("Enter")
    await expect(row(page, target or "").locator(".recommendation")).to_contain_text(
        "Dispatched", timeout=10_000
    )
    await page.keyboard.press("Home")
    await page.keyboard.press("o")
    await expect(page.locator("dialog[open]")).to_be_visible()
    assert await _serious(page) == [], "with the override dialog open"
    await page.keyboard.press("Escape")
    await page.keyboard.press("Escape")  # and clear the outcome line
    dispatched = page.locator(".units tbody tr", has_text="1/1")
    await expect(dispatched).to_have_count(1, timeout=10_000)

    shot = tmp_path / "console.png"
    await page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000, "a screenshot of a filled console, not a blank page"
    wanted = request.config.getoption("--console-screenshot")
    if wanted:
        Path(wanted).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, wanted)


async def test_the_sign_in_form_has_no_serious_axe_violation(
    page: Page, console_service: LiveService
) -> None:
    await page.goto(f"{console_service.base_url}/console")
    await expect(page.locator("#sign-in")).to_be_visible()
    await expect(page.locator("#token")).to_be_focused()
    assert await _serious(page) == []


async def test_reduced_motion_switches_transitions_off(
    chromium: Browser, console_service: LiveService
) -> None:
    context = await chromium.new_context(reduced_motion="reduce")
    try:
        page = await context.new_page()
        region, calls = await _a_busy_region(console_service)
        await open_console(page, console_service.base_url, attributes={"region": region})
        await row(page, calls[0]).wait_for()
        duration = await row(page, calls[0]).evaluate("el => getComputedStyle(el).transitionDuration")
        assert duration == "0s"
    finally:
        await context.close()
