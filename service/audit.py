"""The audit trail: who read or changed what, one JSON line per action on the `corespond.audit` logger.

Records name the principal (role and token digest prefix, never the token), the action, the call or
unit id (or the region of a list), the outcome, and for a bulk read how many records it returned: no
narrative, no names, no addresses.
"""

from __future__ import annotations

import logging

import orjson

from service.access import Principal

__all__ = ["audit"]

_log = logging.getLogger("corespond.audit")


def audit(
    principal: Principal,
    action: str,
    target: str | None = None,
    outcome: str = "ok",
    *,
    records: int | None = None,
) -> None:
    if _log.isEnabledFor(logging.INFO):
        record: dict[str, str | int] = {
            "principal": principal.name,
            "role": principal.role.value,
            "action": action,
        }
        if target is not None:
            record["target"] = target
        record["outcome"] = outcome
        if records is not None:
            record["records"] = records
        _log.info(orjson.dumps(record).decode())
