"""The demo agencies' triage rule files (LPD, LCSO, EPPD: local aliases and invented 10-codes).

They belong to the simulated county, not to production: `corespond serve --demo` passes them to the
triager; a real deployment configures its own with `CORESPOND_TRIAGE_AGENCY_RULES`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["demo_agency_rules"]

_RULES_DIR = Path(__file__).parent / "rules"


def demo_agency_rules() -> dict[str, Path]:
    """The demo agencies' override files shipped with the simulator, keyed by agency id."""
    return {agency: _RULES_DIR / f"{agency.lower()}.toml" for agency in ("EPPD", "LCSO", "LPD")}
