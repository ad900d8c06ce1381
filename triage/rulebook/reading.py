"""Reading one rule file: TOML parsing, schema validation, and the checks a schema cannot express
(unique codes, valid regular expressions, consistent signs, rising bands, what an agency file may
change). Every failure is a `RulebookError` naming the file and line.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from triage.errors import RulebookError
from triage.facts import ARMED_SAFETY
from triage.nature_codes import normalize_nature_code
from triage.rulebook.schema import RuleFile
from triage.rulebook.source_lines import describe_location, line_from_message, line_of

__all__ = ["load_rule_file", "parse_rule_file"]


def load_rule_file(path: Path) -> RuleFile:
    """Read and validate one rule file; `RulebookError` names the line of anything wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RulebookError(str(path), None, f"cannot read the rule file ({error.strerror})") from error
    return parse_rule_file(text, str(path))


def parse_rule_file(text: str, source: str) -> RuleFile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or line_from_message(str(error))
        raise RulebookError(source, line, f"not valid TOML: {error}") from error
    try:
        rules = RuleFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        raise RulebookError(
            source, line_of(text, loc), f"{describe_location(loc, data)}: {first['msg']}"
        ) from error
    rules._source, rules._text = source, text
    _check_semantics(rules)
    return rules


def _check_semantics(rules: RuleFile) -> None:
    _check_signals(rules)
    fail = rules.error
    for i, nature in enumerate(rules.nature):
        for j, phrase in enumerate(nature.match):
            if not normalize_nature_code(phrase.replace("$", "")):
                raise fail(("nature", i, "match", j), "empty phrase")
    if rules.bands is not None and not rules.bands.low < rules.bands.medium < rules.bands.high:
        raise fail(("bands",), "thresholds must rise: low < medium < high")
    if rules.response is not None and not set(rules.response.armed) >= ARMED_SAFETY:
        raise fail(
            ("response", "armed"),
            "must include weapon_reported and violence_in_progress (the contract's armed hazards)",
        )
    if rules.agency is None:
        for key in ("bands", "response", "scoring", "context", "nature_default"):
            if getattr(rules, key) is None:
                raise fail((key,), "the default rule set must define this table")
    elif (
        rules.bands is not None
        or rules.response is not None
        or rules.context is not None
        or rules.text_model is not None
    ):
        raise fail(
            ("agency",), "an agency file may not change [bands], [response], [context] or [text_model]"
        )


def _check_signals(rules: RuleFile) -> None:
    fail = rules.error
    codes: dict[str, int] = {}
    signs: dict[str, tuple[int, float]] = {}
    for i, signal in enumerate(rules.signal):
        if signal.code in codes:
            raise fail(("signal", i, "code"), f"duplicate code, first used by signal[{codes[signal.code]}]")
        codes[signal.code] = i
        for j, source_pattern in enumerate(signal.patterns):
            try:
                re.compile(source_pattern)
            except re.error as error:
                raise fail(
                    ("signal", i, "patterns", j), f"not a valid regular expression: {error}"
                ) from error
        if (signal.weight is None) == (signal.severity is None):
            raise fail(("signal", i, "weight"), "give either a weight or a severity level, not both")
        own = signal.weight if signal.weight is not None else rules.severity.get(signal.severity or "")
        if own:
            first, weight = signs.setdefault(signal.category, (i, own))
            if (weight > 0) != (own > 0):
                raise fail(
                    ("signal", i, "weight"),
                    f"category {signal.category!r} mixes positive and negative weights (signal[{first}])",
                )
