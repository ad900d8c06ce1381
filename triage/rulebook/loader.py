"""Loading a triager from rule files: the packaged default set, or an operator's file, plus agency
override files only where configured (none by default: a real agency must never get another's
codes). This is the one module of the core that reads files, and only when asked, at start.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from triage.errors import RulebookError
from triage.facts import BandThresholds
from triage.narrative import PhraseRule
from triage.rulebook.compiler import compile_rules
from triage.rulebook.reading import load_rule_file
from triage.rulebook.source_lines import line_of
from triage.scoring import RuleTriager, TriageRules

__all__ = ["default_triager", "load_triager", "packaged_rules_path"]

_RULES_DIR = Path(__file__).parent.parent / "rules"


def packaged_rules_path() -> Path:
    """The default rule set shipped in the package."""
    return _RULES_DIR / "default.toml"


def load_triager(
    rules: Path | None = None,
    agency_rules: Mapping[str, Path] | None = None,
    thresholds: BandThresholds | None = None,
) -> RuleTriager:
    """Read, validate and compile the rule files; raise `RulebookError` naming any bad line."""
    rules_path = rules or packaged_rules_path()
    base = load_rule_file(rules_path)
    if base.agency is not None:
        raise RulebookError(
            str(rules_path), None, "this is an agency file; the base rules must be a default set"
        )
    compiled: dict[int, PhraseRule] = {}
    default = compile_rules(base, thresholds=thresholds, compiled=compiled)
    agencies: dict[str, TriageRules] = {}
    for agency, path in sorted((agency_rules or {}).items()):
        override = load_rule_file(path)
        if override.agency is None or override.agency.upper() != agency.upper():
            raise RulebookError(
                str(path),
                line_of(path.read_text(encoding="utf-8"), ("agency",)),
                f"configured for agency {agency!r} but the file says agency = {override.agency!r}",
            )
        agencies[agency.upper()] = compile_rules(base, override, thresholds=thresholds, compiled=compiled)
    return RuleTriager(default=default, agencies=agencies)


def default_triager() -> RuleTriager:
    """The packaged default rules alone, with no agency file."""
    return load_triager(packaged_rules_path())
