"""The whole flow from the keyboard alone, against the real service: accept, override, decline, and
refusals shown with the server's reason."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.async_api import Page, expect

from service.access import Role
from tests.builders import FORT_COLLINS, LOVELAND, call_created, next_id, unit_upsert
from tests.conftest import LiveService, latest_decision
from tests.console.conftest import auth, now_iso, open_console, post_events, row


async def _decided(service: LiveService, call_id: str, revision: int = 1) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=service.base_url, headers=auth(Role.DISPATCHER)) as client:
        return await latest_decision(client, call_id, revision=revision)


async def _select(page: Page, call_id: str) -> None:
    """Move the cursor with the arrow keys until it is on `call_id`."""
    await page.locator("corespond-console").evaluate("element => element.focusQueue()")
    for _ in range(20):
        if await row(page, call_id).get_attribute("aria-selected") == "true":
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"the cursor never reached {call_id}")


async def test_enter_accepts_the_recommendation_and_the_row_shows_the_dispatch(
    page: Page, console_service: LiveService
) -> None:
    region, unit_id, call_id = next_id("region"), next_id("LCSO-CR"), next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [unit_upsert(unit_id, region=region), call_created(call_id, region=region, occurred_at=now_iso())],
    )
    await _decided(console_service, call_id)
    acks: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: acks.append(r.post_data_json) if r.url.endswith(f"/calls/{call_id}/ack") else None,
    )
    await open_console(page, console_service.base_url, attributes={"region": region})
    await _select(page, call_id)
    await page.keyboard.press("Enter")
    target = row(page, call_id)
    await expect(target.locator(".recommendation")).to_have_text(
        f"✔ Dispatched {unit_id} (primary), by dispatcher", timeout=10_000
    )
    await expect(target.locator(".recommendation")).to_have_attribute("data-state", "fixed")
    await expect(page.locator(".outcome")).to_contain_text(f"{unit_id} dispatched")
    assert acks == [{"action": "accept", "revision": 1}]
    decision = await _decided(console_service, call_id, revision=2)
    assert decision["assignment"]["fixed"] is True
    assert decision["assignment"]["method"] == "dispatcher"


async def test_an_override_without_a_reason_is_refused_and_with_one_sends_the_chosen_unit(
    page: Page, console_service: LiveService
) -> None:
    region, call_id = next_id("region"), next_id("LPD-26")
    near, far, secondary = next_id("LCSO-CR"), next_id("LCSO-CR"), next_id("LPD-CR")
    await post_events(
        console_service.base_url,
        [
            unit_upsert(near, region=region, at=LOVELAND),
            unit_upsert(far, region=region, at=FORT_COLLINS),
            unit_upsert(secondary, region=region, agency="LPD", model="secondary", at=LOVELAND),
            # A weapon: primary units only, so the secondary team is not offered.
            call_created(call_id, region=region, flags=("weapon",), occurred_at=now_iso()),
        ],
    )
    decision = await _decided(console_service, call_id)
    assert decision["assignment"]["unit_id"] == near
    acks: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: acks.append(r.post_data_json) if r.url.endswith(f"/calls/{call_id}/ack") else None,
    )
    await open_console(page, console_service.base_url, attributes={"region": region})
    await expect(page.locator(".units tbody tr")).to_have_count(3)
    await _select(page, call_id)
    await page.keyboard.press("o")
    dialog = page.locator("dialog[open]")
    await expect(dialog).to_be_visible()
    choices = dialog.locator('input[name="unit"]')
    assert await choices.evaluate_all("inputs => inputs.map(i => i.value)") == [near, far]
    await page.keyboard.press("ArrowDown")  # radio group: the second unit
    await expect(dialog.locator(f'input[value="{far}"]')).to_be_checked()
    await dialog.get_by_role("button", name="Override").press("Enter")
    await expect(dialog.locator(".field-error")).to_contain_text("A reason is required")
    await expect(dialog.locator("textarea")).to_be_focused()
    assert acks == [], "nothing is sent without a reason"

    await page.keyboard.type("family asked for the clinician who knows him")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await expect(row(page, call_id).locator(".recommendation")).to_contain_text(
        f"Dispatched {far}", timeout=10_000
    )
    assert acks == [
        {
            "action": "override",
            "revision": 1,
            "reason": "family asked for the clinician who knows him",
            "unit_id": far,
        }
    ]


async def test_decline_needs_a_reason_and_escape_cancels(page: Page, console_service: LiveService) -> None:
    region, call_id = next_id("region"), next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region),
            call_created(call_id, region=region, occurred_at=now_iso()),
        ],
    )
    await _decided(console_service, call_id)
    await open_console(page, console_service.base_url, attributes={"region": region})
    await _select(page, call_id)
    await page.keyboard.press("d")
    await expect(page.locator("dialog[open]")).to_be_visible()
    # Typing in the reason is typing, not hotkeys: "a" and "d" here do not act.
    await page.keyboard.type("a d")
    await page.keyboard.press("Escape")
    await expect(page.locator("dialog[open]")).to_have_count(0)
    await expect(page.locator(".outcome")).to_have_text("Decline cancelled.")
    await expect(row(page, call_id).locator(".recommendation")).to_have_attribute("data-state", "recommended")

    await page.keyboard.press("d")
    await page.keyboard.type("caller refuses contact; patrol already on scene")
    await page.keyboard.press("Control+Enter")
    await expect(row(page, call_id).locator(".recommendation")).to_have_text(
        "✖ Not routed: co-response declined by dispatcher", timeout=10_000
    )
    await expect(page.locator(".outcome")).to_contain_text("co-response declined")


async def test_a_refused_ack_shows_the_servers_reason(page: Page, console_service: LiveService) -> None:
    region, first, second = next_id("region"), next_id("LPD-26"), next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region, capacity=1),
            call_created(first, region=region, occurred_at=now_iso()),
            call_created(second, region=region, priority=3, occurred_at=now_iso()),
        ],
    )
    queued = await _decided(console_service, second)
    assert queued["assignment"]["status"] == "queued"
    await open_console(page, console_service.base_url, attributes={"region": region})
    await _select(page, second)
    await page.keyboard.press("a")
    action = row(page, second).locator(".action")
    await expect(action).to_contain_text("Accept refused:")
    await expect(action).to_contain_text("(nothing_to_accept)")
    await expect(action).to_have_attribute("data-state", "refused")
    await expect(page.locator(".outcome")).to_have_attribute("data-kind", "error")


async def test_the_cursor_moves_with_arrows_and_j_k(page: Page, console_service: LiveService) -> None:
    region = next_id("region")
    calls = [next_id("LPD-26") for _ in range(3)]
    await post_events(
        console_service.base_url,
        [unit_upsert(next_id("LCSO-CR"), region=region, capacity=3)]
        + [
            call_created(c, region=region, priority=i + 1, occurred_at=now_iso()) for i, c in enumerate(calls)
        ],
    )
    for call_id in calls:
        await _decided(console_service, call_id)
    await open_console(page, console_service.base_url, attributes={"region": region})
    await expect(page.locator(".row")).to_have_count(3)
    await page.locator("corespond-console").evaluate("element => element.focusQueue()")
    selected = page.locator('.row[aria-selected="true"]')
    await expect(selected).to_have_attribute("data-call-id", calls[0])
    for key, expected in (("j", 1), ("ArrowDown", 2), ("ArrowDown", 2), ("k", 1), ("ArrowUp", 0)):
        await page.keyboard.press(key)
        await expect(selected).to_have_attribute("data-call-id", calls[expected])
    listbox = page.locator('[role="listbox"]')
    await expect(listbox).to_have_attribute("aria-activedescendant", await selected.get_attribute("id") or "")
