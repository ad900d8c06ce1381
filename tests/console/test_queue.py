"""The queue in a real browser against the real service: what appears, how fast, in which order, and
what an observer sees."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
from playwright.async_api import Page, Request, expect

from service.access import Role
from tests.builders import LOVELAND, call_created, next_id, unit_upsert
from tests.conftest import LiveService, latest_decision
from tests.console.conftest import TOKENS, auth, now_iso, open_console, post_events, row


def _at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def test_a_call_posted_to_the_api_appears_in_the_queue_within_2_s(
    page: Page, console_service: LiveService
) -> None:
    region = next_id("region")
    await post_events(console_service.base_url, [unit_upsert(next_id("LCSO-CR"), region=region)])
    await open_console(page, console_service.base_url, attributes={"region": region})
    call_id = next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [
            call_created(
                call_id, region=region, narrative="SAYS HE WANTS TO KILL HIMSELF", occurred_at=now_iso()
            )
        ],
    )
    posted = time.monotonic()
    await row(page, call_id).wait_for(timeout=2000)
    elapsed = time.monotonic() - posted
    assert elapsed < 2.0
    target = row(page, call_id)
    await expect(target.locator(".nature")).to_have_text("SUICIDAL")
    await expect(target.locator(".band")).to_contain_text("HIGH")
    await expect(target.locator(".recommendation")).to_contain_text("Recommended")
    await expect(target.locator(".reasons")).to_contain_text("WANTS TO KILL HIMSELF")
    await expect(page.locator(".announce")).to_contain_text(f"New call: {call_id} SUICIDAL")

    gated = next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [call_created(gated, region=region, flags=("weapon",), occurred_at=now_iso())],
    )
    await expect(page.locator(".announce-alert")).to_contain_text(f"Safety-gated call: {gated}")
    await expect(page.locator(".announce-alert")).to_contain_text("weapon reported")


async def test_queue_holds_behavioral_calls_gated_first_then_priority_then_age(
    page: Page, console_service: LiveService
) -> None:
    region = next_id("region")
    late, urgent, gated, oldest, traffic = (next_id("LPD-26") for _ in range(5))
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region, capacity=1),
            call_created(late, region=region, priority=2, occurred_at=_at(-10)),
            call_created(urgent, region=region, priority=1, occurred_at=_at(-5)),
            call_created(gated, region=region, priority=3, flags=("weapon",), occurred_at=_at(-3)),
            call_created(oldest, region=region, priority=1, occurred_at=_at(-60)),
            call_created(traffic, region=region, nature_code="TRAFFIC STOP", priority=4, occurred_at=_at(-1)),
        ],
    )
    async with httpx.AsyncClient(base_url=console_service.base_url, headers=auth(Role.DISPATCHER)) as client:
        for call_id in (late, urgent, gated, oldest, traffic):
            await latest_decision(client, call_id)
    await open_console(page, console_service.base_url, attributes={"region": region})
    rows = page.locator(".row")
    await expect(rows).to_have_count(4)
    assert await rows.evaluate_all("rows => rows.map(r => r.dataset.callId)") == [gated, oldest, urgent, late]
    gate = row(page, gated).locator(".badge.gate")
    await expect(gate).to_have_text("⚠ Weapon reported")
    # One team, four calls: the others wait, with the service's reason and their place.
    await expect(page.locator(".recommendation[data-state=queued]")).to_have_count(3)
    await expect(page.locator(".recommendation[data-state=queued]").first).to_contain_text("Queued #")
    await expect(page.locator(".units tbody tr")).to_have_count(1)


async def test_the_token_stays_in_the_fragment_and_never_reaches_the_server(
    page: Page, console_service: LiveService
) -> None:
    requests: list[Request] = []
    page.on("request", lambda r: requests.append(r))  # noqa: PLW0108 - Playwright cannot wrap a builtin
    await open_console(page, console_service.base_url, attributes={"region": next_id("region")})
    token = TOKENS[Role.DISPATCHER]
    assert "token" not in page.url, "the fragment is cleared from the address bar"
    assert requests, "the console made requests"
    assert not [r.url for r in requests if token in r.url]
    api_calls = [r for r in requests if "/console" not in r.url]
    assert api_calls
    for request in api_calls:
        assert (await request.all_headers()).get("authorization") == f"Bearer {token}", request.url
    stored = await page.evaluate("sessionStorage.getItem('corespond.token')")
    assert stored == token


async def test_a_refused_token_asks_for_another(page: Page, console_service: LiveService) -> None:
    await page.goto(f"{console_service.base_url}/console#token={'z' * 24}")
    form = page.locator("#sign-in")
    await expect(form).to_be_visible()
    await expect(page.locator("#sign-in-error")).to_contain_text("refused")
    await page.fill("#token", TOKENS[Role.DISPATCHER])
    await page.keyboard.press("Enter")
    await page.locator("corespond-console[connection=live]").wait_for(timeout=10_000)
    await expect(form).to_be_hidden()


async def test_an_observer_sees_substance_use_withheld_and_has_no_action_keys(
    page: Page, console_service: LiveService
) -> None:
    region = next_id("region")
    call_id = next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region, at=LOVELAND),
            call_created(
                call_id,
                region=region,
                nature_code="OVERDOSE",
                narrative="TOOK TOO MANY PILLS AND HAS BEEN DRINKING",
                occurred_at=now_iso(),
            ),
        ],
    )
    acks: list[str] = []
    page.on("request", lambda r: acks.append(r.url) if r.url.endswith(f"/calls/{call_id}/ack") else None)
    await open_console(page, console_service.base_url, role=Role.OBSERVER, attributes={"region": region})
    target = row(page, call_id)
    await expect(target.locator(".nature")).to_have_text("[withheld]")
    await expect(target).to_contain_text("Withheld (42 CFR Part 2)")
    await expect(target).not_to_contain_text("DRINKING")
    await expect(page.locator(".role-badge")).to_contain_text("Read-only")
    await expect(target.locator(".recommendation")).not_to_contain_text("Enter accept")
    await page.keyboard.press("ArrowDown")
    await expect(target).to_have_attribute("aria-selected", "true")
    for key in ("Enter", "a", "o", "d"):
        await page.keyboard.press(key)
    await expect(page.locator(".outcome")).to_contain_text("Read-only")
    await expect(page.locator("dialog[open]")).to_have_count(0)
    assert acks == []


async def test_rows_do_not_jump_under_the_cursor_when_calls_arrive_above_it(
    page: Page, console_service: LiveService
) -> None:
    region = next_id("region")
    calls = [next_id("LPD-26") for _ in range(14)]
    await post_events(
        console_service.base_url,
        [unit_upsert(next_id("LCSO-CR"), region=region, capacity=1)]
        + [
            call_created(c, region=region, priority=3, occurred_at=_at(-100 + i)) for i, c in enumerate(calls)
        ],
    )
    async with httpx.AsyncClient(base_url=console_service.base_url, headers=auth(Role.DISPATCHER)) as client:
        await latest_decision(client, calls[-1])
    await page.set_viewport_size({"width": 1400, "height": 700})
    await open_console(page, console_service.base_url, attributes={"region": region})
    await expect(page.locator(".row")).to_have_count(len(calls))
    await page.locator("corespond-console").evaluate("element => element.focusQueue()")
    for _ in range(6):
        await page.keyboard.press("j")
    cursor = page.locator('.row[aria-selected="true"]')
    chosen = await cursor.get_attribute("data-call-id")
    before = await cursor.bounding_box()
    assert before is not None

    urgent = [next_id("LPD-26") for _ in range(3)]
    await post_events(
        console_service.base_url,
        [
            call_created(c, region=region, priority=1, flags=("weapon",), occurred_at=now_iso())
            for c in urgent
        ],
    )
    for call_id in urgent:
        await row(page, call_id).wait_for(state="attached")
    order = await page.locator(".row").evaluate_all("rows => rows.map(r => r.dataset.callId)")
    assert order.index(urgent[0]) < order.index(chosen), "the new gated calls sort above the cursor"
    await expect(cursor).to_have_attribute("data-call-id", chosen or "")
    after = await cursor.bounding_box()
    assert after is not None
    assert abs(after["y"] - before["y"]) <= 1, (before, after)
