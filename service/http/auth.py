"""Authentication at the edge: bearer tokens for HTTP, bearer tokens or one-time tickets for WebSocket.

`require(permission)` is the dependency every protected route declares; it answers 401 (no or an
unknown token, with `WWW-Authenticate: Bearer`) or 403 (the role lacks the permission). With no API
keys configured (development on loopback only, see `Settings`), every request acts as an anonymous
admin. Browsers cannot set headers on a WebSocket: they first `POST /ws/ticket` with their token
and connect with `?ticket=...`, valid once, for `CORESPOND_WS_TICKET_TTL_S` seconds.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request
from starlette.websockets import WebSocket

from service.access import Permission, Principal, Role
from service.http.errors import ApiError
from service.settings import Settings

__all__ = ["ANONYMOUS", "Authenticator", "authenticated", "require"]

ANONYMOUS = Principal("anonymous", Role.ADMIN)
"""Who a request is when no API keys are configured."""


class Authenticator:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.auth_enabled
        self._principals = {key.digest: key.principal for key in settings.api_keys}
        self._ticket_ttl_s = settings.ws_ticket_ttl_s
        self._tickets: dict[str, tuple[Principal, float]] = {}

    def from_headers(self, headers: Mapping[str, str]) -> Principal | None:
        if not self.enabled:
            return ANONYMOUS
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self._principals.get(hashlib.sha256(token.strip().encode()).hexdigest())

    def issue_ticket(self, principal: Principal) -> tuple[str, float]:
        now = time.monotonic()
        self._tickets = {t: v for t, v in self._tickets.items() if v[1] > now}
        ticket = secrets.token_urlsafe(24)
        self._tickets[ticket] = (principal, now + self._ticket_ttl_s)
        return ticket, self._ticket_ttl_s

    def redeem_ticket(self, ticket: str) -> Principal | None:
        entry = self._tickets.pop(ticket, None)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def for_websocket(self, websocket: WebSocket) -> Principal | None:
        ticket = websocket.query_params.get("ticket")
        if ticket is not None:
            return self.redeem_ticket(ticket)
        return self.from_headers(websocket.headers)


async def authenticated(request: Request) -> Principal:
    """The principal behind the request's bearer token, whatever its role; 401 without a valid one."""
    auth: Authenticator = request.state.auth
    who = auth.from_headers(request.headers)
    if who is None:
        raise ApiError(
            401,
            "unauthenticated",
            "send Authorization: Bearer <token> with a token from CORESPOND_API_KEYS",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return who


def require(permission: Permission) -> Callable[[Request], Awaitable[Principal]]:
    async def principal(request: Request) -> Principal:
        who = await authenticated(request)
        if not who.may(permission):
            raise ApiError(
                403, "forbidden", f"role {who.role.value} may not {permission.value.replace('_', ' ')}"
            )
        return who

    return principal
