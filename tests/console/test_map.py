"""The map: an SVG plot by latitude and longitude that pans to the selected call, and with
`tile-url` a real Leaflet basemap (tiles served to the browser by the test, no network)."""

from __future__ import annotations

import base64

from playwright.async_api import Page, Route, expect

from tests.builders import FORT_COLLINS, LOVELAND, call_created, next_id, unit_upsert
from tests.conftest import LiveService
from tests.console.conftest import now_iso, open_console, post_events, row

# A 1x1 grey PNG.
TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNoAAAAggCBd81ytgAAAABJRU5ErkJggg=="
)


def _view_centre(view_box: str) -> tuple[float, float]:
    x, y, width, height = (float(v) for v in view_box.split())
    return x + width / 2, y + height / 2


async def test_the_svg_map_plots_calls_and_units_and_pans_to_the_selected_call(
    page: Page, console_service: LiveService
) -> None:
    region = next_id("region")
    north, south = next_id("LPD-26"), next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region, at=FORT_COLLINS, capacity=2),
            call_created(north, region=region, at=(40.60, -105.10), occurred_at=now_iso()),
            call_created(south, region=region, priority=2, at=(40.38, -105.05), occurred_at=now_iso()),
        ],
    )
    await open_console(page, console_service.base_url, attributes={"region": region})
    await expect(page.locator("svg.map-svg circle.call")).to_have_count(2)
    await expect(page.locator("svg.map-svg g.unit")).to_have_count(1)
    svg = page.locator("svg.map-svg")
    await page.locator("corespond-console").evaluate("element => element.focusQueue()")
    await expect(row(page, north)).to_have_attribute("aria-selected", "true")
    marker = page.locator(f'circle.call[data-call-id="{north}"]')
    await expect(marker).to_have_class("call selected")
    await page.wait_for_function(
        """([id]) => {
            const root = document.querySelector('corespond-console').shadowRoot;
            const svg = root.querySelector('svg.map-svg');
            const c = root.querySelector(`circle[data-call-id="${id}"]`);
            const [x, y, w, h] = svg.getAttribute('viewBox').split(' ').map(Number);
            return Math.abs(x + w / 2 - Number(c.getAttribute('cx'))) < 1e-6
                && Math.abs(y + h / 2 - Number(c.getAttribute('cy'))) < 1e-6;
        }""",
        arg=[north],
    )
    north_view = _view_centre(await svg.get_attribute("viewBox") or "")
    await page.keyboard.press("j")
    await expect(page.locator(f'circle.call[data-call-id="{south}"]')).to_have_class("call selected")
    await page.wait_for_function(
        """([id]) => {
            const root = document.querySelector('corespond-console').shadowRoot;
            const svg = root.querySelector('svg.map-svg');
            const c = root.querySelector(`circle[data-call-id="${id}"]`);
            const [x, y, w, h] = svg.getAttribute('viewBox').split(' ').map(Number);
            return Math.abs(y + h / 2 - Number(c.getAttribute('cy'))) < 1e-6;
        }""",
        arg=[south],
    )
    south_view = _view_centre(await svg.get_attribute("viewBox") or "")
    assert south_view[1] > north_view[1], "south is further down the map (y = -latitude)"


async def test_tile_url_shows_a_leaflet_basemap_from_the_vendored_copy(
    page: Page, console_service: LiveService
) -> None:
    tiles: list[str] = []

    async def serve_tile(route: Route) -> None:
        tiles.append(route.request.url)
        await route.fulfill(status=200, content_type="image/png", body=TILE)

    await page.route("https://tiles.test/**", serve_tile)
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    region = next_id("region")
    call_id = next_id("LPD-26")
    await post_events(
        console_service.base_url,
        [
            unit_upsert(next_id("LCSO-CR"), region=region, at=LOVELAND),
            call_created(call_id, region=region, occurred_at=now_iso()),
        ],
    )
    await open_console(
        page,
        console_service.base_url,
        attributes={
            "region": region,
            "tile-url": "https://tiles.test/{z}/{x}/{y}.png",
            "tile-attribution": "test tiles",
        },
    )
    await expect(page.locator("corespond-console")).to_have_attribute("map", "tiles")
    await expect(page.locator(".leaflet-container")).to_be_visible()
    await expect(page.locator(".leaflet-tile-loaded").first).to_be_attached(timeout=10_000)
    await expect(page.locator(".leaflet-control-attribution")).to_contain_text("test tiles")
    assert tiles, "Leaflet asked for basemap tiles"
    vendored = f"{console_service.base_url}/console/static/vendor/leaflet/"
    assert f"{vendored}leaflet-src.esm.js" in requested
    assert f"{vendored}leaflet.css" in requested
    offsite = [u for u in requested if not u.startswith((console_service.base_url, "https://tiles.test/"))]
    assert offsite == [], "nothing from a CDN"
