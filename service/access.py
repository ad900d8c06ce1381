"""Who may do what: roles, their permissions, API keys and the principal a request acts as.

Roles (a token has exactly one):

    integration  POST /events (CAD integrations without Kafka)
    dispatcher   read calls, units and decisions, subscribe to the WebSocket, ack recommendations,
                 read the ledger and the outcomes (GET /ledger, GET /stats)
    observer     read calls, units, decisions, the ledger and the outcomes with substance-use details
                 and the dispatchers' free-text decline reasons withheld (42 CFR Part 2)
    admin        everything, including /metrics

The ledger is call-level data (call id, agency, nature code, times, a dispatcher's free-text
reason): it is read by the roles that read calls, under the same withholding.

API keys come from one setting, `CORESPOND_API_KEYS=role:token,role:token`. Tokens are kept only as
SHA-256 digests; a principal is named by its role and a digest prefix, never by its token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

__all__ = ["MIN_TOKEN_LENGTH", "ApiKey", "Permission", "Principal", "Role", "parse_api_keys"]

MIN_TOKEN_LENGTH = 16


class Role(StrEnum):
    INTEGRATION = "integration"
    DISPATCHER = "dispatcher"
    OBSERVER = "observer"
    ADMIN = "admin"


class Permission(StrEnum):
    WRITE_EVENTS = "write_events"
    READ_CALLS = "read_calls"
    READ_UNITS = "read_units"
    SUBSCRIBE = "subscribe"
    ACK = "ack"
    READ_METRICS = "read_metrics"
    READ_OUTCOMES = "read_outcomes"
    READ_SUBSTANCE_USE = "read_substance_use"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.INTEGRATION: frozenset({Permission.WRITE_EVENTS}),
    Role.DISPATCHER: frozenset(
        {
            Permission.READ_CALLS,
            Permission.READ_UNITS,
            Permission.SUBSCRIBE,
            Permission.ACK,
            Permission.READ_OUTCOMES,
            Permission.READ_SUBSTANCE_USE,
        }
    ),
    Role.OBSERVER: frozenset(
        {Permission.READ_CALLS, Permission.READ_UNITS, Permission.SUBSCRIBE, Permission.READ_OUTCOMES}
    ),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role

    def may(self, permission: Permission) -> bool:
        return permission in _GRANTS[self.role]

    @property
    def permissions(self) -> list[Permission]:
        """What this principal may do, in a stable order (for `GET /me`)."""
        return sorted(_GRANTS[self.role])


@dataclass(frozen=True, slots=True)
class ApiKey:
    role: Role
    token: SecretStr

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.token.get_secret_value().encode()).hexdigest()

    @property
    def principal(self) -> Principal:
        return Principal(f"{self.role.value}-{self.digest[:8]}", self.role)


def parse_api_keys(text: str) -> tuple[ApiKey, ...]:
    """`role:token,role:token` -> keys; raise ValueError saying which entry is wrong and why."""
    keys: list[ApiKey] = []
    for position, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), start=1):
        role, sep, token = entry.partition(":")
        if not sep:
            raise ValueError(f"entry {position} has no ':'; write role:token, e.g. dispatcher:<token>")
        if role not in Role.__members__.values():
            allowed = ", ".join(r.value for r in Role)
            raise ValueError(f"entry {position}: unknown role {role!r}; roles are {allowed}")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"entry {position} ({role}): a token needs at least {MIN_TOKEN_LENGTH} characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`)"
            )
        keys.append(ApiKey(Role(role), SecretStr(token)))
    if len({k.digest for k in keys}) != len(keys):
        raise ValueError("the same token is listed twice; each token has one role")
    return tuple(keys)
