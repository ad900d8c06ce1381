"""Withholding substance-use information (42 CFR Part 2) from roles that do not need it.

A decision's triage reasons can name substance use (intoxication, overdose, detox, drug or alcohol
use), and so can the call's nature code (`DETOX`, `OD`). For a principal without
`read_substance_use`, such reasons keep their weight but their code and evidence are replaced, and
the nature code is withheld, so the score stays explainable without disclosing the information.

A ledger entry (`GET /ledger`) has no reasons: its nature code is withheld when the triage rules put
it in a substance-use category (`NatureScreen`, e.g. `OD` is an `OVERDOSE`), and the dispatcher's
free-text decline reason is always withheld, since free text may say anything.
"""

from __future__ import annotations

from typing import Any

import orjson

from triage.facts import CallFacts, Triager

__all__ = [
    "WITHHELD",
    "WITHHELD_CODE",
    "NatureScreen",
    "is_substance_use",
    "withhold_in_ledger_entry",
    "withhold_substance_use",
]

WITHHELD_CODE = "WITHHELD_42CFR2"
WITHHELD = "[withheld]"
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


class NatureScreen:
    """Whether a nature code is substance use, by the category the triage rules give it (per agency)."""

    _MAX_REMEMBERED = 10_000

    def __init__(self, triager: Triager) -> None:
        self._triager = triager
        self._seen: dict[tuple[str, str], bool] = {}

    def __call__(self, agency: str, nature_code: str) -> bool:
        key = (agency, nature_code)
        known = self._seen.get(key)
        if known is None:
            triaged = self._triager.triage(CallFacts(agency=agency, nature_code=nature_code, priority=3))
            known = is_substance_use(nature_code) or any(
                r.code.startswith("NATURE_") and is_substance_use(r.code) for r in triaged.reasons
            )
            if len(self._seen) < self._MAX_REMEMBERED:
                self._seen[key] = known
        return known


def withhold_in_ledger_entry(entry_json: bytes, substance_use_nature: bool) -> bytes:
    """The ledger entry JSON as a role without `read_substance_use` may see it."""
    entry: dict[str, Any] = orjson.loads(entry_json)
    if substance_use_nature:
        entry["nature_code"] = WITHHELD
    if entry.get("declined_reason") is not None:
        entry["declined_reason"] = WITHHELD
    return orjson.dumps(entry)
