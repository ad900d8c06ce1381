"""Compiling validated rule files into the triager's rules: the default set with an agency's file on
top, word-list slots (`{NAME}`) expanded, severities turned into weights, phrase rules compiled once
and shared, and every phrase rule checked against its own `examples` (each must fire) and
`counter_examples` (none may read as an affirmed or possible mention), so a wrong anchor or pattern
is caught at start, not in production.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from schemas.decisions import Band
from triage.facts import BandThresholds
from triage.narrative import ContextLexicon, Modality, NarrativeReader, PhraseRule
from triage.nature_codes import NatureCategory, NatureTable, normalize_nature_code
from triage.rulebook.lexicon import Lexicon, LexiconError
from triage.rulebook.schema import ContextTable, NatureEntry, RuleFile, Signal
from triage.scoring import FlagRule, ScoringPolicy, SecondReader, TriageRules
from triage.text_model import TextModel

__all__ = ["compile_rules"]


def compile_rules(
    base: RuleFile,
    override: RuleFile | None = None,
    *,
    thresholds: BandThresholds | None = None,
    compiled: dict[int, PhraseRule] | None = None,
    text_model: TextModel | None = None,
) -> TriageRules:
    """The triage rules of one agency: the default set with the agency's file applied on top.

    `compiled` carries phrase rules already compiled (and checked against their examples) from one
    call to the next, so that every agency shares the default set's compiled patterns. `text_model`
    is the model the default set's `[text_model]` names, read by the loader (none: no second reader).
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
    lexicon = _lexicon(base, extra)
    rules: list[PhraseRule] = []
    unchecked: list[tuple[RuleFile, int, Signal]] = []
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
            rule = cache[id(signal)] = _phrase_rule(rule_file, i, signal, base, lexicon)
            unchecked.append((rule_file, i, signal))
        weight = extra.weights.get(signal.code)
        rules.append(rule if weight is None else replace(rule, weight=weight))

    scoring = base.scoring
    if extra.scoring is not None:
        scoring = scoring.model_copy(
            update={k: getattr(extra.scoring, k) for k in extra.scoring.model_fields_set}
        )
    known = {r.code for r in rules}
    categories = {r.category for r in rules} | {"*", "nature"}
    for rule_file, i, signal in unchecked:
        missing = sorted(set(signal.requires) - known)
        if missing:
            raise rule_file.error(("signal", i, "requires"), f"no such rule: {missing}")
        unknown = sorted(set(signal.explains) - categories)
        if unknown:
            raise rule_file.error(
                ("signal", i, "explains"), f"no rule has the category {unknown} (or use '*' or 'nature')"
            )
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
        explained_factor=scoring.explained_factor,
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
        sign_over_nature=frozenset(scoring.sign_over_nature),
        sign_over_nature_min_weight=scoring.sign_over_nature_min_weight,
        sign_over_nature_except={k: frozenset(v) for k, v in scoring.sign_over_nature_except.items()},
        sign_over_nature_with={k: frozenset(v) for k, v in scoring.sign_over_nature_with.items()},
    )
    return TriageRules(
        name=extra.agency or "default",
        nature=nature,
        reader=reader,
        scoring=policy,
        thresholds=thresholds or BandThresholds(high=bands.high, medium=bands.medium, low=bands.low),
        second_reader=(
            SecondReader(text_model, base.text_model.lift, base.text_model.doubt, base.text_model.min_words)
            if text_model is not None and base.text_model is not None
            else None
        ),
    )


def _lexicon(base: RuleFile, extra: RuleFile) -> Lexicon:
    clash = sorted(set(base.lexicon) & set(extra.lexicon))
    if clash:
        raise extra.error(("lexicon",), f"{clash} already named by the default set's [lexicon]")
    try:
        return Lexicon({**base.lexicon, **extra.lexicon})
    except (LexiconError, re.error) as error:
        where = extra if set(extra.lexicon) else base
        raise where.error(("lexicon",), str(error)) from error


def _phrase_rule(rule_file: RuleFile, i: int, signal: Signal, base: RuleFile, lexicon: Lexicon) -> PhraseRule:
    patterns = []
    for j, source in enumerate(signal.patterns):
        try:
            expanded = lexicon.expand(source)
            re.compile(expanded)
        except (LexiconError, re.error) as error:
            raise rule_file.error(("signal", i, "patterns", j), str(error)) from error
        patterns.append(expanded)
    try:
        listed = dict.fromkeys(a for anchor in signal.anchors for a in lexicon.anchors(anchor))
    except LexiconError as error:
        raise rule_file.error(("signal", i, "anchors"), str(error)) from error
    # an anchor is a word prefix: KILL already covers KILLS, KILLED and KILLING
    anchors = tuple(a for a in listed if not any(a != b and a.startswith(b) for b in listed))
    unknown_sources = sorted(set(signal.source) - set(base.sources))
    if unknown_sources:
        raise rule_file.error(("signal", i, "source"), f"not a key of [sources]: {unknown_sources}")
    if signal.severity is not None:
        if signal.severity not in base.severity:
            raise rule_file.error(
                ("signal", i, "severity"), f"not a level of [severity]: choose from {sorted(base.severity)}"
            )
        weight = base.severity[signal.severity]
    else:
        assert signal.weight is not None  # checked when the file was read
        weight = signal.weight
    body = "|".join(f"(?:{p})" for p in patterns)
    return PhraseRule(
        code=signal.code,
        category=signal.category,
        weight=weight,
        pattern=re.compile(body),
        anchors=anchors,
        safety=(signal.safety,) if isinstance(signal.safety, str) else tuple(signal.safety),
        safety_if_unknown=signal.safety_if_unknown,
        needs=frozenset(signal.needs),
        resolves=frozenset(signal.resolves),
        hypothetical_raises=signal.hypothetical_raises,
        rp_discount=signal.rp_discount,
        requires=frozenset(signal.requires),
        explains=frozenset(signal.explains),
        explains_before=signal.explains_scope == "before",
        alternatives=tuple(patterns),
    )


def _context(context: ContextTable) -> ContextLexicon:
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
        conditional=frozenset(" ".join(w.upper().split()) for w in context.conditional),
        clause_heads=frozenset(" ".join(w.upper().split()) for w in context.clause_heads),
        fillers=frozenset(" ".join(w.upper().split()) for w in context.fillers),
        phrase_negators=frozenset(" ".join(w.upper().split()) for w in context.phrase_negators),
        remote_window=context.remote_window,
    )


def _category(nature: NatureEntry) -> NatureCategory:
    phrases = tuple(
        tuple(normalize_nature_code(w.rstrip("$")) + ("$" if w.endswith("$") else "") for w in p.split())
        for p in nature.match
    )
    return NatureCategory(nature.category, nature.prior, phrases, tuple(nature.safety))


def _check_examples(reader: NarrativeReader, origins: Sequence[tuple[RuleFile, int, Signal]]) -> None:
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
