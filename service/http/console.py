"""GET /console (the dispatcher console page) and /console/static/ (the `<corespond-console>` element).

The console is static files packaged in `service/console/`: no build step, nothing from a CDN. The
page and the files need no token (they hold no data); the token is read by the page from the URL
fragment, which browsers never send, and every request for data carries it as a bearer header.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

__all__ = ["CONSOLE_DIR", "STATIC_PATH", "router", "static_files"]

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"
STATIC_PATH = "/console/static"

_SECURITY_HEADERS = {
    # Scripts and styles from this service only; data from any API base and basemap the page is
    # pointed at (attributes), never framed by another site.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
        "connect-src 'self' https: http: wss: ws:; frame-ancestors 'self'; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["console"])


@router.get("/console", response_class=HTMLResponse, include_in_schema=False)
def console_page() -> HTMLResponse:
    """The dispatcher console: `/console#token=<dispatcher or observer token>`."""
    return HTMLResponse((CONSOLE_DIR / "index.html").read_bytes(), headers=_SECURITY_HEADERS)


def static_files() -> StaticFiles:
    """The element's ES modules, its stylesheet and the vendored Leaflet, for `app.mount(STATIC_PATH)`."""
    return StaticFiles(directory=CONSOLE_DIR, check_dir=True)
