"""The console's files as the service serves them: no token needed, no CDN, every import resolves."""

from __future__ import annotations

import re

import httpx

from service.http.console import CONSOLE_DIR
from tests.conftest import LiveService

_IMPORT = re.compile(r"""(?:import|from)\s*\(?\s*["'](\./[^"']+)["']""")


async def test_the_page_and_the_module_are_served_without_a_token(console_service: LiveService) -> None:
    async with httpx.AsyncClient(base_url=console_service.base_url) as client:
        page = await client.get("/console")
        module = await client.get("/console/static/corespond-console.js")
        data = await client.get("/calls")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<corespond-console" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'self'" in policy
    assert page.headers["referrer-policy"] == "no-referrer"
    assert module.status_code == 200
    assert "javascript" in module.headers["content-type"]
    assert 'customElements.define("corespond-console"' in module.text
    assert data.status_code == 401, "the data itself still needs a token"


async def test_every_relative_import_of_every_module_is_served(console_service: LiveService) -> None:
    modules = sorted(p.name for p in CONSOLE_DIR.glob("*.js"))
    async with httpx.AsyncClient(base_url=console_service.base_url) as client:
        for name in modules:
            text = (CONSOLE_DIR / name).read_text()
            code = [
                line
                for line in text.replace("http://www.w3.org/2000/svg", "").splitlines()
                if not line.strip().startswith(("//", "/*", "*"))
            ]
            assert not [line for line in code if "http://" in line or "https://" in line], name
            for target in _IMPORT.findall(text):
                response = await client.get(f"/console/static/{target.removeprefix('./')}")
                assert response.status_code == 200, (name, target)


def test_leaflet_is_vendored_with_its_licence() -> None:
    vendor = CONSOLE_DIR / "vendor" / "leaflet"
    assert "BSD 2-Clause" in (vendor / "LICENSE").read_text()
    assert (vendor / "leaflet-src.esm.js").stat().st_size > 100_000
    assert (vendor / "leaflet.css").is_file()
