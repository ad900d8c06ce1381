"""The outcomes panel in a real browser against the real service: the ledger's counts, served share and
times, updated without a reload when calls close, usable from the keyboard, redacted for observers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import Page, expect

from service.access import Role
from tests.builders import (
    FORT_COLLINS,
    call_closed,
    call_created,
    current_shift,
    next_id,
    unit_status,
    unit_upsert,
)
from tests.conftest import LiveService, latest_decision
from tests.console.conftest import auth, open_console, post_events
from tests.console.test_accessibility import _serious


def _ago(minutes: float) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


async def _history(service: LiveService) -> dict[str, Any]:
    """In one region, within the last hour: one call served (4 min to assignment, 10 to scene), one
    declined by the dispatcher, one with no team on shift for its agency; one more left open."""
    region = next_id("region")
    team, off = next_id("CR"), next_id("CR")
    served, declined, unstaffed, later = (next_id("C") for _ in range(4))
    ended = {"start": _ago(600), "end": _ago(60)}
    await post_events(
        service.base_url,
        [
            unit_upsert(
                team,
                region=region,
                jurisdictions=("LCSO", "LPD"),
                at=FORT_COLLINS,
                occurred_at=_ago(60),
                shift=current_shift(),
            ),
            unit_upsert(
                off, region=region, agency="EPPD", jurisdictions=("EPPD",), shift=ended, occurred_at=_ago(60)
            ),
            call_created(served, region=region, priority=2, occurred_at=_ago(50)),
            call_created(declined, region=region, priority=3, occurred_at=_ago(40)),
            call_created(unstaffed, region=region, agency="EPPD", priority=2, occurred_at=_ago(39)),
            call_created(later, region=region, priority=2, occurred_at=_ago(30)),
            unit_status(team, "dispatched", served, region=region, occurred_at=_ago(46)),
            unit_status(team, "on_scene", served, region=region, occurred_at=_ago(40)),
        ],
    )
    async with httpx.AsyncClient(base_url=service.base_url, headers=auth(Role.DISPATCHER)) as client:
        for call_id in (served, declined, unstaffed, later):
            await latest_decision(client, call_id)
        response = await client.post(
            f"/calls/{declined}/ack", json={"action": "decline", "reason": "subject calm, patrol handling"}
        )
        assert response.status_code == 202, response.text
        await latest_decision(client, declined, 2)
    await post_events(
        service.base_url,
        [
            unit_status(team, "available", region=region, occurred_at=_ago(20)),
            call_closed(served, region=region, occurred_at=_ago(20), disposition="resolved_on_scene"),
            call_closed(declined, region=region, occurred_at=_ago(19), disposition="referred"),
            call_closed(unstaffed, region=region, occurred_at=_ago(18), disposition="er"),
        ],
    )
    async with httpx.AsyncClient(base_url=service.base_url, headers=auth(Role.DISPATCHER)) as client:
        for call_id in (served, declined, unstaffed):
            await latest_decision(client, call_id, 2)
    return {"region": region, "served": served, "declined": declined, "unstaffed": unstaffed, "later": later}


_FOCUSED = """() => {
  let at = document.activeElement;
  while (at && at.shadowRoot && at.shadowRoot.activeElement) at = at.shadowRoot.activeElement;
  return at ? at.dataset.key || at.className : null;
}"""
"""What has the keyboard focus, through shadow roots: a reason button's key, else its class."""


def _panel(page: Page) -> Any:
    return page.locator(".outcomes")


async def test_the_panel_shows_the_ledger_and_follows_closes_without_a_reload(
    page: Page, console_service: LiveService
) -> None:
    h = await _history(console_service)
    # Read every 10 minutes at most: what follows a close below is the close itself, not the timer.
    await open_console(
        page, console_service.base_url, attributes={"region": h["region"], "outcomes-refresh-s": "600"}
    )
    panel = _panel(page)
    await expect(panel.locator(".fig-eligible")).to_have_text("3")
    await expect(panel.locator(".fig-served")).to_have_text("1 (33.3%)")
    await expect(panel.locator(".fig-assignment")).to_have_text("4.0 min / 4.0 min")
    await expect(panel.locator(".fig-scene")).to_have_text("10.0 min / 10.0 min")
    await expect(panel.locator(".fig-dispositions")).to_have_text("100% / 0% / 0%")
    reasons = panel.locator(".outcomes-reasons button")
    await expect(reasons).to_have_count(8)
    await expect(panel.locator('button[data-key="declined"]')).to_have_text("Declined 1")
    await expect(panel.locator('button[data-key="no_team_on_shift"]')).to_have_text("No team on shift 1")
    await expect(panel.locator('button[data-key="all_teams_busy"]')).to_have_text("All teams busy 0")
    rows = panel.locator("tbody tr")
    await expect(rows).to_have_count(3)
    assert await rows.evaluate_all("rows => rows.map(r => r.dataset.callId)") == [
        h["unstaffed"],
        h["declined"],
        h["served"],
    ], "newest first"
    await expect(panel.locator(f'tr[data-call-id="{h["declined"]}"] .outcome-cell')).to_have_text(
        "Declined: subject calm, patrol handling"
    )
    await expect(panel.locator(f'tr[data-call-id="{h["served"]}"]')).to_contain_text("Resolved on scene")
    await expect(panel.locator(f'tr[data-call-id="{h["unstaffed"]}"]')).to_contain_text("min away")
    updates = int(await panel.get_attribute("data-updates") or "0")

    # A call closes on the live feed: the panel reads the ledger again by itself, no reload.
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    await post_events(
        console_service.base_url,
        [call_closed(h["later"], region=h["region"], occurred_at=_ago(1), disposition="arrest")],
    )
    await expect(panel.locator(".fig-eligible")).to_have_text("4", timeout=15_000)
    await expect(rows).to_have_count(4)
    await expect(panel.locator(f'tr[data-call-id="{h["later"]}"]')).to_contain_text("Arrest")
    assert int(await panel.get_attribute("data-updates") or "0") > updates
    assert navigations == [], "updated in place"


async def test_the_panel_is_driven_from_the_keyboard(page: Page, console_service: LiveService) -> None:
    h = await _history(console_service)
    await open_console(page, console_service.base_url, attributes={"region": h["region"]})
    panel = _panel(page)
    await expect(panel.locator(".fig-eligible")).to_have_text("3")
    # Tab from the period selector walks the filters, then the entries' scrollable table.
    await panel.locator(".outcomes-period").focus()
    focused = []
    for _ in range(10):
        await page.keyboard.press("Tab")
        focused.append(await page.evaluate(_FOCUSED))
    assert focused[:8] == [
        "all",
        "served",
        "no_team_on_shift",
        "all_teams_busy",
        "out_of_jurisdiction",
        "no_compatible_team",
        "declined",
        "closed_while_queued",
    ]
    assert "outcomes-scroll" in focused[8]
    # Enter on a reason shows its entries only; pressed state is announced; "a" there accepts nothing.
    declined = panel.locator('button[data-key="declined"]')
    await declined.focus()
    acks: list[str] = []
    page.on(
        "request", lambda r: acks.append(r.url) if r.url.endswith("/ack") and r.method == "POST" else None
    )
    await page.keyboard.press("a")
    await page.keyboard.press("Enter")
    await expect(declined).to_have_attribute("aria-pressed", "true")
    await expect(panel.locator("tbody tr")).to_have_count(1)
    await expect(panel.locator("tbody tr")).to_have_attribute("data-call-id", h["declined"])
    for _ in range(6):  # back past the five reasons and Served to All
        await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Space")
    await expect(panel.locator('button[data-key="all"]')).to_have_attribute("aria-pressed", "true")
    await expect(panel.locator("tbody tr")).to_have_count(3)
    # The period select changes the window from the keyboard as well.
    await panel.locator(".outcomes-period").focus()
    await page.keyboard.press("ArrowDown")
    await expect(panel.locator(".outcomes-period")).to_have_value("168")
    assert acks == [], "keys inside the panel never act on the queue's selected call"
    assert await _serious(page) == []


async def test_an_observer_sees_outcomes_without_the_dispatchers_free_text(
    page: Page, console_service: LiveService
) -> None:
    h = await _history(console_service)
    await open_console(page, console_service.base_url, role=Role.OBSERVER, attributes={"region": h["region"]})
    panel = _panel(page)
    await expect(panel.locator(".fig-eligible")).to_have_text("3")
    await expect(panel.locator(f'tr[data-call-id="{h["declined"]}"] .outcome-cell')).to_have_text(
        "Declined: [withheld]"
    )
    await expect(panel).not_to_contain_text("patrol handling")


async def test_a_host_page_that_fills_the_ledger_slot_replaces_the_panel(
    page: Page, console_service: LiveService
) -> None:
    region = next_id("region")
    await open_console(page, console_service.base_url, attributes={"region": region})
    await expect(_panel(page).locator(".fig-eligible")).to_have_text("0")
    await page.evaluate(
        """() => {
          const own = document.createElement("p");
          own.slot = "ledger";
          own.id = "host-outcomes";
          own.textContent = "The CAD's own outcomes view";
          document.querySelector("corespond-console").append(own);
        }"""
    )
    await expect(page.locator("#host-outcomes")).to_be_visible()
    await expect(_panel(page)).to_be_hidden()
    await page.wait_for_function("() => document.querySelector('corespond-console').outcomes === null")
