"""The audit trail: who read or changed what, one JSON line per action on the `corespond.audit` logger.

Records name the principal (role and token digest prefix, never the token), the action, the call or
unit id and the outcome: no narrative, no names, no addresses.
"""

from __future__ import annotations

import logging

import orjson

from service.access import Principal

__all__ = ["audit"]

_log = logging.getLogger("corespond.audit")


def audit(principal: Principal, action: str, target: str | None = None, outcome: str = "ok") -> None:
    if _log.isEnabledFor(logging.INFO):
        record = {"principal": principal.name, "role": principal.role.value, "action": action}
        if target is not None:
            record["target"] = target
        record["outcome"] = outcome
        _log.info(orjson.dumps(record).decode())
