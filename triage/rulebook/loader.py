"""Loading a triager from rule files: the packaged default set, or an operator's file, plus agency
override files only where configured (none by default: a real agency must never get another's
codes). This is the one module of the core that reads files, and only when asked, at start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from triage.errors import RulebookError
from triage.facts import BandThresholds
from triage.narrative import PhraseRule
from triage.rulebook.compiler import compile_rules
from triage.rulebook.reading import load_rule_file
from triage.rulebook.schema import RuleFile
from triage.rulebook.source_lines import line_of
from triage.scoring import RuleTriager, TriageRules
from triage.text_model import TextModel, TextModelError

__all__ = ["default_triager", "load_triager", "packaged_rules_path", "read_text_model"]

_RULES_DIR = Path(__file__).parent.parent / "rules"


def packaged_rules_path() -> Path:
    """The default rule set shipped in the package."""
    return _RULES_DIR / "default.toml"


def load_triager(
    rules: Path | None = None,
    agency_rules: Mapping[str, Path] | None = None,
    thresholds: BandThresholds | None = None,
    *,
    second_reader: bool = True,
) -> RuleTriager:
    """Read, validate and compile the rule files; raise `RulebookError` naming any bad line.

    `second_reader=False` leaves out the statistical reader the rule file names: the rules alone,
    as their regression tests read them."""
    rules_path = rules or packaged_rules_path()
    base = load_rule_file(rules_path)
    if base.agency is not None:
        raise RulebookError(
            str(rules_path), None, "this is an agency file; the base rules must be a default set"
        )
    compiled: dict[int, PhraseRule] = {}
    model = _text_model(rules_path, base) if second_reader else None
    default = compile_rules(base, thresholds=thresholds, compiled=compiled, text_model=model)
    agencies: dict[str, TriageRules] = {}
    for agency, path in sorted((agency_rules or {}).items()):
        override = load_rule_file(path)
        if override.agency is None or override.agency.upper() != agency.upper():
            raise RulebookError(
                str(path),
                line_of(path.read_text(encoding="utf-8"), ("agency",)),
                f"configured for agency {agency!r} but the file says agency = {override.agency!r}",
            )
        agencies[agency.upper()] = compile_rules(
            base, override, thresholds=thresholds, compiled=compiled, text_model=model
        )
    return RuleTriager(default=default, agencies=agencies)


def _text_model(rules_path: Path, base: RuleFile) -> TextModel | None:
    """The model the rule file's `[text_model]` names (relative to the rule file), or none."""
    if base.text_model is None:
        return None
    return read_text_model(rules_path.parent / base.text_model.file)


def read_text_model(path: Path) -> TextModel:
    """One model file; `RulebookError` names the file and what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RulebookError(str(path), None, f"cannot read the text model ({error.strerror})") from error
    except ValueError as error:
        raise RulebookError(str(path), None, f"the text model is not valid JSON: {error}") from error
    try:
        return TextModel.from_json(data)
    except TextModelError as error:
        raise RulebookError(str(path), None, f"not a usable text model: {error}") from error


def default_triager(*, second_reader: bool = True) -> RuleTriager:
    """The packaged default rules (with their statistical reader unless told not), no agency file."""
    return load_triager(packaged_rules_path(), second_reader=second_reader)
