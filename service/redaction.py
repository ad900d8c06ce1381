"""Withholding substance-use information (42 CFR Part 2) from roles that do not need it.

A decision's triage reasons can name substance use (intoxication, overdose, detox, drug or alcohol
use), and so can the call's nature code (`DETOX`, `OD`). For a principal without
`read_substance_use`, such reasons keep their weight but their code and evidence are replaced, and
the nature code is withheld, so the score stays explainable without disclosing the information.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["WITHHELD_CODE", "is_substance_use", "withhold_substance_use"]

WITHHELD_CODE = "WITHHELD_42CFR2"
_MARKERS = ("SUBSTANCE", "INTOX", "OVERDOSE", "DETOX", "DRUG", "ALCOHOL", "OPIOID", "ETOH", "NARCAN")


def is_substance_use(code: str) -> bool:
    upper = code.upper()
    return any(marker in upper for marker in _MARKERS)


def withhold_substance_use(decision_json: bytes) -> bytes:
    """The decision (or WebSocket frame) JSON with substance-use reasons withheld."""
    decision: dict[str, Any] = orjson.loads(decision_json)
    triage = decision.get("triage")
    if not isinstance(triage, dict):
        return decision_json
    reasons = triage.get("reasons", [])
    call = decision.get("call")
    nature = call.get("nature_code", "") if isinstance(call, dict) else ""
    substance_reasons = any(is_substance_use(r.get("code", "")) for r in reasons)
    substance_nature = is_substance_use(nature) or any(
        r.get("code", "").startswith("NATURE_") and is_substance_use(r.get("code", "")) for r in reasons
    )
    if not (substance_reasons or substance_nature):
        return decision_json
    triage["reasons"] = [
        {**r, "code": WITHHELD_CODE, "evidence": "[withheld]"} if is_substance_use(r.get("code", "")) else r
        for r in reasons
    ]
    if substance_nature and isinstance(call, dict):
        call["nature_code"] = "[withheld]"
    return orjson.dumps(decision)
