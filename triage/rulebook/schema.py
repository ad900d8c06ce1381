"""The rule file's schema: what a TOML rule file may contain, as strict pydantic models.

One `RuleFile` is either the default set (every table) or an agency override (a few tables). The
models refuse unknown keys and coerce nothing; `RuleFile.error` turns a location in the file into a
`RulebookError` with its line. Meaning beyond the schema is checked in `triage.rulebook.reading`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from triage.errors import RulebookError
from triage.facts import ARMED_SAFETY
from triage.rulebook.source_lines import describe_location, line_of

__all__ = ["ContextTable", "NatureEntry", "RuleFile", "Signal", "TextModelTable"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Probability = Annotated[float, Field(gt=0.0, lt=1.0)]
SafetyCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
RuleCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]


class _Bands(_Strict):
    high: Probability
    medium: Probability
    low: Probability


class _Response(_Strict):
    co_response_band: Literal["high", "medium", "low"] = "medium"
    secondary_min_priority: Annotated[int, Field(ge=1, le=9)] = 4
    armed: list[SafetyCode] = Field(default_factory=lambda: sorted(ARMED_SAFETY))
    escort: list[SafetyCode] = Field(default_factory=list)
    police: list[SafetyCode] = Field(default_factory=list)


class TextModelTable(_Strict):
    """The statistical reader (default set only): its model file and when it may move a call."""

    file: str
    """The model JSON (`corespond train-text-model`), relative to the rule file."""
    lift: Annotated[float, Field(gt=0.0, le=1.0)] = 0.7
    """From this probability the reader lifts a call the rules left below the co-response band into
    it (1.0: never)."""
    doubt: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.1
    """Under this probability the reader lowers a call the rules put in the co-response band, but not
    in the high band, out of it (0: never)."""
    min_words: Annotated[int, Field(ge=1)] = 12
    """The reader speaks only on narratives of at least this many words: on a short remark ("MALE
    YELLING") a bag of words has too little to go on, and the remark is the rules' alone."""


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
    explained_factor: Annotated[float, Field(ge=0, le=1)] = 0.1
    """What is left of a finding's weight when another finding explains it away (see `Signal.explains`)."""
    modality: _Modality = Field(default_factory=_Modality)
    priority: dict[str, float] = Field(default_factory=dict)
    origin: dict[str, float] = Field(default_factory=dict)
    caller_type: dict[str, float] = Field(default_factory=dict)
    premise: list[_PremiseStep] = Field(default_factory=list)
    sign_over_nature: list[str] = Field(default_factory=list)
    """Categories of which one affirmed sign lifts a mundane nature prior up to the default prior."""
    sign_over_nature_min_weight: Annotated[float, Field(ge=0)] = 3.0
    sign_over_nature_except: dict[str, list[str]] = Field(default_factory=dict)
    sign_over_nature_with: dict[str, list[str]] = Field(default_factory=dict)
    """Category -> companion categories with which a weaker present sign of it still lifts the prior."""
    """Sign category -> nature categories that sign does not lift (a ledge under ANIMAL: the animal's)."""


class _Flag(_Strict):
    code: RuleCode
    category: str = ""
    weight: Annotated[float, Field(ge=0)] = 0.0
    safety: SafetyCode | None = None
    needs: list[SafetyCode] = Field(default_factory=list)


class ContextTable(_Strict):
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
    conditional: list[str] = Field(default_factory=list)
    clause_heads: list[str] = Field(default_factory=list)
    fillers: list[str] = Field(default_factory=list)
    phrase_negators: list[str] = Field(default_factory=list)
    remote_window: Annotated[int, Field(ge=1, le=12)] = 3


class NatureEntry(_Strict):
    category: RuleCode
    prior: Probability
    match: list[str] = Field(min_length=1)
    safety: list[SafetyCode] = Field(default_factory=list)
    """Safety codes the call type itself raises, whatever the narrative says (THREATS: a threat)."""
    note: str = ""


class _NatureDefault(_Strict):
    category: RuleCode = "OTHER"
    prior: Probability = 0.03


Category = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
LexiconName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]*$")]
Anchor = Annotated[str, Field(pattern=r"^(?:[A-Z0-9][A-Z0-9'/\-]*|\{[A-Z][A-Z0-9_]*\})$")]
"""A word prefix a match starts with, or `{NAME}`: the first word of every entry of that word list."""


class Signal(_Strict):
    code: RuleCode
    category: Category
    weight: float | None = None
    """Log-odds when affirmed; give either this or `severity`."""
    severity: str | None = None
    """A level of the `[severity]` ladder (the default set's): the weight follows from it."""
    sign: str = ""
    """The clinical sign the rule reads, in words (e.g. "being a burden to others")."""
    source: list[str] = Field(default_factory=list)
    """Keys of the `[sources]` table: the published taxonomies the sign comes from."""
    explains: list[str] = Field(default_factory=list)
    """Categories an affirmed (or possible) mention explains away: their findings keep
    `explained_factor` of their weight. `*` is every behavioral finding and the nature code's prior
    (an administrative call, a retraction); `nature` is the nature code's prior alone."""
    explains_scope: Literal["call", "before"] = "call"
    """`before`: only findings earlier in the text (a call-back that retracts what came before)."""
    anchors: list[Anchor] = Field(min_length=1)
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
    text_model: TextModelTable | None = None
    """Default set: the statistical reader beside the rules (none when absent)."""
    context: ContextTable | None = None
    aliases: dict[str, str] = Field(default_factory=dict)
    nature: list[NatureEntry] = Field(default_factory=list)
    nature_default: _NatureDefault | None = None
    lexicon: dict[LexiconName, list[str]] = Field(default_factory=dict)
    """Word lists a pattern names as `{NAME}` (each entry a regular expression, usually a word or a
    phrase; `{OTHER}` inside an entry names another list): the slots of the phrase grammar."""
    severity: dict[str, float] = Field(default_factory=dict)
    """Default set: the weight of each severity level signals name instead of a raw weight."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Default set: the citation of each taxonomy a signal's `source` names."""
    signal: list[Signal] = Field(default_factory=list)
    weights: dict[str, float] = Field(default_factory=dict)
    """Agency files: new weights for rules of the default set, by code."""
    disable: list[str] = Field(default_factory=list)
    """Agency files: codes of default rules to switch off."""
    _source: str = PrivateAttr(default="rules")
    _text: str = PrivateAttr(default="")

    def error(self, loc: tuple[str | int, ...], message: str) -> RulebookError:
        """An error at `loc` in this file, with its line and the rule's code where there is one."""
        return RulebookError(
            self._source, line_of(self._text, loc), f"{describe_location(loc, self)}: {message}"
        )
