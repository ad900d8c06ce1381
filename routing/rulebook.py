"""Triage rules as data: the TOML rule files, their validation, and compiling them into a triager.

The default rule set ships in the package (`routing/rules/default.toml`); agencies add their own
files (`routing/rules/agencies/*.toml`: local aliases and 10-codes, extra nature categories, extra
phrase rules, weight changes). This is the one module of the core that reads files, and it does so
only when asked: `load_triager(...)` at start, never per call.

A bad file stops the start with a `RulebookError` that names the file, the line, the rule and what
is wrong, e.g. `lpd.toml:14: signal[2] (LOCAL_SI).weight: Input should be a valid number`. Beyond
the schema, every phrase rule is checked against its own `examples` (each must fire the rule) and
`counter_examples` (none may read as an affirmed or possible mention), so a wrong anchor or
pattern is caught at start, not in production.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from routing.errors import RoutingError
from routing.narrative import ContextLexicon, Modality, NarrativeReader, PhraseRule
from routing.nature_codes import NatureCategory, NatureTable, normalize_nature_code
from routing.rule_triager import FlagRule, RuleTriager, ScoringPolicy, TriageRules
from routing.triage import BandThresholds
from schemas.decisions import Band

__all__ = [
    "RuleFile",
    "RulebookError",
    "compile_rules",
    "default_triager",
    "load_rule_file",
    "load_triager",
    "packaged_agency_rules",
    "packaged_rules_path",
    "parse_rule_file",
]

_RULES_DIR = Path(__file__).parent / "rules"
CONTRACT_ARMED = frozenset({"weapon_reported", "violence_in_progress"})


class RulebookError(RoutingError):
    """A rule file that cannot be used: where it is wrong and why, in words an operator can act on."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.message = message


# ---- the file schema ------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Probability = Annotated[float, Field(gt=0.0, lt=1.0)]
UpperWord = Annotated[str, Field(pattern=r"^[A-Z0-9][A-Z0-9'/\-]*$")]
SafetyCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
RuleCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]


class _Bands(_Strict):
    high: Probability = 0.70
    medium: Probability = 0.40
    low: Probability = 0.15


class _Response(_Strict):
    co_response_band: Literal["high", "medium", "low"] = "medium"
    secondary_min_priority: Annotated[int, Field(ge=1, le=9)] = 4
    armed: list[SafetyCode] = Field(default_factory=lambda: sorted(CONTRACT_ARMED))
    escort: list[SafetyCode] = Field(default_factory=list)
    police: list[SafetyCode] = Field(default_factory=list)


class _Modality(_Strict):
    affirmed: Annotated[float, Field(ge=0, le=1)] = 1.0
    possible: Annotated[float, Field(ge=0, le=1)] = 0.6
    unknown: Annotated[float, Field(ge=0, le=1)] = 0.3
    hypothetical: Annotated[float, Field(ge=0, le=1)] = 1.0
    historical: Annotated[float, Field(ge=0, le=1)] = 0.35
    remote: Annotated[float, Field(ge=0, le=1)] = 0.1
    resolved: Annotated[float, Field(ge=0, le=1)] = 0.0
    negated: Annotated[float, Field(ge=0, le=1)] = 0.0


class _PremiseStep(_Strict):
    at_least: Annotated[int, Field(ge=1)]
    weight: float


class _Scoring(_Strict):
    secondary_factor: Annotated[float, Field(ge=0, le=1)] = 0.25
    reporting_party_factor: Annotated[float, Field(ge=0, le=1)] = 0.2
    modality: _Modality = Field(default_factory=_Modality)
    priority: dict[str, float] = Field(default_factory=dict)
    origin: dict[str, float] = Field(default_factory=dict)
    caller_type: dict[str, float] = Field(default_factory=dict)
    premise: list[_PremiseStep] = Field(default_factory=list)


class _Flag(_Strict):
    code: RuleCode
    category: str = ""
    weight: Annotated[float, Field(ge=0)] = 0.0
    safety: SafetyCode | None = None
    needs: list[SafetyCode] = Field(default_factory=list)


class _Context(_Strict):
    window: Annotated[int, Field(ge=1, le=20)] = 5
    post_window: Annotated[int, Field(ge=1, le=10)] = 3
    negated: list[str] = Field(default_factory=list)
    negated_after: list[str] = Field(default_factory=list)
    resolved: list[str] = Field(default_factory=list)
    resolved_after: list[str] = Field(default_factory=list)
    historical: list[str] = Field(default_factory=list)
    historical_after: list[str] = Field(default_factory=list)
    remote: list[str] = Field(default_factory=list)
    remote_after: list[str] = Field(default_factory=list)
    hypothetical: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)
    unknown_after: list[str] = Field(default_factory=list)
    possible: list[str] = Field(default_factory=list)
    possible_after: list[str] = Field(default_factory=list)
    terminators: list[str] = Field(default_factory=list)
    reporting_party: list[str] = Field(default_factory=list)
    persons: list[str] = Field(default_factory=list)


class _Nature(_Strict):
    category: RuleCode
    prior: Probability
    match: list[str] = Field(min_length=1)
    note: str = ""


class _NatureDefault(_Strict):
    category: RuleCode = "OTHER"
    prior: Probability = 0.03


class _Signal(_Strict):
    code: RuleCode
    category: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    weight: float
    anchors: list[UpperWord] = Field(min_length=1)
    patterns: list[str] = Field(min_length=1)
    examples: list[str] = Field(min_length=1)
    counter_examples: list[str] = Field(default_factory=list)
    safety: SafetyCode | list[SafetyCode] = Field(default_factory=list)
    safety_if_unknown: SafetyCode | None = None
    needs: list[SafetyCode] = Field(default_factory=list)
    resolves: list[SafetyCode] = Field(default_factory=list)
    hypothetical_raises: bool = False
    rp_discount: bool = False
    requires: list[RuleCode] = Field(default_factory=list)
    note: str = ""


class RuleFile(_Strict):
    """One rule file as written: the default set (everything) or an agency override (a few tables)."""

    version: Literal[1]
    description: str = ""
    agency: str | None = None
    """Set in agency files: the agency id the file applies to."""
    bands: _Bands | None = None
    response: _Response | None = None
    scoring: _Scoring | None = None
    flags: dict[str, _Flag] = Field(default_factory=dict)
    context: _Context | None = None
    aliases: dict[str, str] = Field(default_factory=dict)
    nature: list[_Nature] = Field(default_factory=list)
    nature_default: _NatureDefault | None = None
    signal: list[_Signal] = Field(default_factory=list)
    weights: dict[str, float] = Field(default_factory=dict)
    """Agency files: new weights for rules of the default set, by code."""
    disable: list[str] = Field(default_factory=list)
    """Agency files: codes of default rules to switch off."""
    _source: str = PrivateAttr(default="rules")
    _text: str = PrivateAttr(default="")

    def error(self, loc: tuple[str | int, ...], message: str) -> RulebookError:
        """An error at `loc` in this file, with its line and the rule's code where there is one."""
        return RulebookError(self._source, _line_of(self._text, loc), f"{_describe(loc, self)}: {message}")


# ---- reading and validating -------------------------------------------------------------------------


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
        line = getattr(error, "lineno", None) or _line_from_message(str(error))
        raise RulebookError(source, line, f"not valid TOML: {error}") from error
    try:
        rules = RuleFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(first["loc"])
        raise RulebookError(source, _line_of(text, loc), f"{_describe(loc, data)}: {first['msg']}") from error
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
    if rules.response is not None and not set(rules.response.armed) >= CONTRACT_ARMED:
        raise fail(
            ("response", "armed"),
            "must include weapon_reported and violence_in_progress (the contract's armed hazards)",
        )
    if rules.agency is None:
        for key in ("bands", "response", "scoring", "context", "nature_default"):
            if getattr(rules, key) is None:
                raise fail((key,), "the default rule set must define this table")
    elif rules.bands is not None or rules.response is not None or rules.context is not None:
        raise fail(("agency",), "an agency file may not change [bands], [response] or [context]")


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
        if signal.weight:
            first, weight = signs.setdefault(signal.category, (i, signal.weight))
            if (weight > 0) != (signal.weight > 0):
                raise fail(
                    ("signal", i, "weight"),
                    f"category {signal.category!r} mixes positive and negative weights (signal[{first}])",
                )


def _line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(?:#.*)?$")


def _line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line that `loc` (a validation error location) points at, as well as can be found."""
    lines = text.splitlines()
    tables: list[tuple[tuple[str | int, ...], int]] = [((), 0)]
    counts: dict[str, int] = {}
    for number, line in enumerate(lines):
        header = _HEADER.match(line)
        if header is None:
            continue
        name = header.group(2).replace('"', "").replace(" ", "")
        parts: tuple[str | int, ...] = tuple(name.split("."))
        if header.group(1) == "[[":
            counts[name] = counts.get(name, -1) + 1
            parts = (*parts, counts[name])
        tables.append((parts, number))
    best, best_len = 0, -1
    for parts, number in tables:
        if len(parts) > best_len and tuple(loc[: len(parts)]) == parts:
            best, best_len = number, len(parts)
    rest = loc[max(best_len, 0) :]
    start = best
    end = next((n for _, n in tables if n > best), len(lines))
    if rest and isinstance(rest[0], str):
        key = re.compile(rf'^\s*"?{re.escape(rest[0])}"?\s*=')
        for number in range(start, end):
            if key.match(lines[number]):
                return number + 1
    return start + 1 if lines else None


def _describe(loc: Sequence[str | int], data: object) -> str:
    """`signal[3] (CODE).weight` for a location, naming the rule's code when there is one."""
    text = ""
    node: object = data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            code = node.get("code") if isinstance(node, dict) else getattr(node, "code", None)
            if isinstance(code, str):
                text += f" ({code})"
        else:
            text += f".{part}" if text else part
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, BaseModel):
                node = getattr(node, part, None)
            else:
                node = None
    return text or "file"


# ---- compiling ------------------------------------------------------------------------------------------


def compile_rules(
    base: RuleFile,
    override: RuleFile | None = None,
    *,
    thresholds: BandThresholds | None = None,
    compiled: dict[int, PhraseRule] | None = None,
) -> TriageRules:
    """The triage rules of one agency: the default set with the agency's file applied on top.

    `compiled` carries phrase rules already compiled (and checked against their examples) from one
    call to the next, so that every agency shares the default set's compiled patterns.
    """
    assert base.bands is not None
    assert base.response is not None
    assert base.scoring is not None
    assert base.context is not None
    assert base.nature_default is not None
    extra = override or RuleFile(version=1)
    base_codes = {s.code for s in base.signal}
    for key in ("disable", "weights"):
        for code in getattr(extra, key):
            if code not in base_codes:
                raise extra.error((key,), f"{code!r} is not a rule of the default set")
    cache = compiled if compiled is not None else {}
    rules: list[PhraseRule] = []
    unchecked: list[tuple[RuleFile, int, _Signal]] = []
    for rule_file, i, signal in (
        *((base, i, s) for i, s in enumerate(base.signal) if s.code not in extra.disable),
        *((extra, i, s) for i, s in enumerate(extra.signal)),
    ):
        if rule_file is extra and signal.code in base_codes:
            raise extra.error(
                ("signal", i, "code"), "already a rule of the default set (use [weights] or disable)"
            )
        rule = cache.get(id(signal))
        if rule is None:
            rule = cache[id(signal)] = _phrase_rule(signal)
            unchecked.append((rule_file, i, signal))
        weight = extra.weights.get(signal.code)
        rules.append(rule if weight is None else replace(rule, weight=weight))

    scoring = base.scoring
    if extra.scoring is not None:
        scoring = scoring.model_copy(
            update={k: getattr(extra.scoring, k) for k in extra.scoring.model_fields_set}
        )
    known = {r.code for r in rules}
    for rule_file, i, signal in unchecked:
        missing = sorted(set(signal.requires) - known)
        if missing:
            raise rule_file.error(("signal", i, "requires"), f"no such rule: {missing}")
    reader = NarrativeReader(tuple(rules), _context(base.context))
    _check_examples(reader, unchecked)
    aliases = {normalize_nature_code(k): normalize_nature_code(v) for k, v in base.aliases.items()}
    aliases.update({normalize_nature_code(k): normalize_nature_code(v) for k, v in extra.aliases.items()})
    nature = NatureTable(
        categories=tuple(_category(n) for n in (*extra.nature, *base.nature)),
        aliases=aliases,
        default=NatureCategory(base.nature_default.category, base.nature_default.prior, ()),
    )
    bands = base.bands
    response = base.response
    flags = {**base.flags, **extra.flags}
    policy = ScoringPolicy(
        modality_factors={m: getattr(scoring.modality, m.value) for m in Modality},
        reporting_party_factor=scoring.reporting_party_factor,
        secondary_factor=scoring.secondary_factor,
        priority_weights={int(k): v for k, v in scoring.priority.items()},
        origin_weights={normalize_nature_code(k): v for k, v in scoring.origin.items()},
        caller_weights=dict(scoring.caller_type),
        premise_steps=tuple(sorted((p.at_least, p.weight) for p in scoring.premise)),
        flags={
            name: FlagRule(name, f.code, f.category, f.weight, f.safety, frozenset(f.needs))
            for name, f in sorted(flags.items())
        },
        armed=frozenset(response.armed),
        escort=frozenset(response.escort),
        police=frozenset(response.police),
        co_response_band=Band(response.co_response_band),
        secondary_min_priority=response.secondary_min_priority,
    )
    return TriageRules(
        name=extra.agency or "default",
        nature=nature,
        reader=reader,
        scoring=policy,
        thresholds=thresholds or BandThresholds(high=bands.high, medium=bands.medium, low=bands.low),
    )


def _phrase_rule(signal: _Signal) -> PhraseRule:
    body = "|".join(f"(?:{p})" for p in signal.patterns)
    return PhraseRule(
        code=signal.code,
        category=signal.category,
        weight=signal.weight,
        pattern=re.compile(body),
        anchors=tuple(signal.anchors),
        safety=(signal.safety,) if isinstance(signal.safety, str) else tuple(signal.safety),
        safety_if_unknown=signal.safety_if_unknown,
        needs=frozenset(signal.needs),
        resolves=frozenset(signal.resolves),
        hypothetical_raises=signal.hypothetical_raises,
        rp_discount=signal.rp_discount,
        requires=frozenset(signal.requires),
    )


def _context(context: _Context) -> ContextLexicon:
    pre: dict[str, Modality] = {}
    post: dict[str, Modality] = {}
    for modality, before, after in (
        (Modality.POSSIBLE, context.possible, context.possible_after),
        (Modality.UNKNOWN, context.unknown, context.unknown_after),
        (Modality.HYPOTHETICAL, context.hypothetical, ()),
        (Modality.HISTORICAL, context.historical, context.historical_after),
        (Modality.REMOTE, context.remote, context.remote_after),
        (Modality.RESOLVED, context.resolved, context.resolved_after),
        (Modality.NEGATED, context.negated, context.negated_after),
    ):
        pre.update({" ".join(w.upper().split()): modality for w in before})
        post.update({" ".join(w.upper().split()): modality for w in after})
    return ContextLexicon(
        pre=pre,
        post=post,
        terminators=frozenset(" ".join(w.upper().split()) for w in context.terminators),
        reporting_party=frozenset(" ".join(w.upper().split()) for w in context.reporting_party),
        persons=frozenset(" ".join(w.upper().split()) for w in context.persons),
        window=context.window,
        post_window=context.post_window,
    )


def _category(nature: _Nature) -> NatureCategory:
    phrases = tuple(
        tuple(normalize_nature_code(w.rstrip("$")) + ("$" if w.endswith("$") else "") for w in p.split())
        for p in nature.match
    )
    return NatureCategory(nature.category, nature.prior, phrases)


def _check_examples(reader: NarrativeReader, origins: Sequence[tuple[RuleFile, int, _Signal]]) -> None:
    for rule_file, i, signal in origins:
        for j, example in enumerate(signal.examples):
            if not any(f.rule.code == signal.code for f in reader.read(example)):
                raise rule_file.error(
                    ("signal", i, "examples", j),
                    f"{example!r} does not fire the rule (check the patterns, and that every match "
                    "starts with one of the anchors)",
                )
        for j, example in enumerate(signal.counter_examples):
            if any(
                f.rule.code == signal.code and f.modality in (Modality.AFFIRMED, Modality.POSSIBLE)
                for f in reader.read(example)
            ):
                raise rule_file.error(
                    ("signal", i, "counter_examples", j), f"{example!r} is read as an affirmed mention"
                )


# ---- the triager --------------------------------------------------------------------------------------


def packaged_rules_path() -> Path:
    return _RULES_DIR / "default.toml"


def packaged_agency_rules() -> dict[str, Path]:
    """The demo agencies' override files shipped with the package, keyed by agency id."""
    return {
        "EPPD": _RULES_DIR / "agencies" / "eppd.toml",
        "LCSO": _RULES_DIR / "agencies" / "lcso.toml",
        "LPD": _RULES_DIR / "agencies" / "lpd.toml",
    }


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
                _line_of(path.read_text(encoding="utf-8"), ("agency",)),
                f"configured for agency {agency!r} but the file says agency = {override.agency!r}",
            )
        agencies[agency.upper()] = compile_rules(base, override, thresholds=thresholds, compiled=compiled)
    return RuleTriager(default=default, agencies=agencies)


def default_triager() -> RuleTriager:
    """The packaged default rules with the packaged demo agency files (what `Policy()` uses)."""
    return load_triager(packaged_rules_path(), packaged_agency_rules())
