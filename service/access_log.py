"""Which HTTP requests the access log leaves out: liveness and readiness polls.

`GET /health` and `GET /ready` are asked every few seconds by load balancers, orchestrators and
`corespond serve` itself while it waits to print its banner (a 503 every 0.1 s until the state is
caught up); logged, they bury the requests an operator reads the log for. Whether the service is
ready is what `/ready` and the `corespond_ready` metric answer, not the access log.
"""

from __future__ import annotations

import logging

__all__ = ["POLL_PATHS", "QuietPolls", "quiet_polls"]

POLL_PATHS = frozenset({"/health", "/ready"})


class QuietPolls(logging.Filter):
    """Drops uvicorn access records of GET /health and GET /ready."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access records carry (client, method, path with query, http version, status).
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        _, method, path, _, _ = args
        return not (method == "GET" and str(path).split("?", 1)[0] in POLL_PATHS)


def quiet_polls() -> None:
    """Install the filter on uvicorn's access logger, and keep the service's own HTTP client (its
    readiness wait) to warnings."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QuietPolls) for f in access.filters):
        access.addFilter(QuietPolls())
    logging.getLogger("httpx").setLevel(logging.WARNING)
