"""Readiness and liveness polls are left out of the access log; every other request stays in it."""

from __future__ import annotations

import logging

from pydantic import SecretStr

from service.access_log import QuietPolls
from service.server import _console_links


def _access(method: str, path: str, status: int) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", method, path, "1.1", status),
        None,
    )


def test_polls_are_dropped_and_the_rest_kept() -> None:
    quiet = QuietPolls()
    assert not quiet.filter(_access("GET", "/ready", 200))
    assert not quiet.filter(_access("GET", "/ready", 503))
    assert not quiet.filter(_access("GET", "/health?probe=lb", 200))
    assert quiet.filter(_access("GET", "/calls", 200))
    assert quiet.filter(_access("POST", "/ready", 405))
    assert quiet.filter(_access("GET", "/readiness", 404))
    other = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("message",), None)
    assert quiet.filter(other)


def test_console_links_carry_dev_tokens_in_the_fragment_only() -> None:
    links = _console_links(
        "http://127.0.0.1:8000", {"dispatcher": SecretStr("d" * 20), "observer": SecretStr("o" * 20)}
    )
    assert links[0].split()[-1] == f"http://127.0.0.1:8000/console#token={'d' * 20}"
    assert "read-only" in links[1]
    assert links[1].split()[-1].endswith(f"/console#token={'o' * 20}")
    assert _console_links("http://127.0.0.1:8000", {})[0].split()[1] == "http://127.0.0.1:8000/console"
