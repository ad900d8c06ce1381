"""The statistical reader: a linear model over the words of a call, a second opinion beside the rules.

`TextModel.read(text)` is a pure function: the probability that the text describes a
behavioral-health crisis, and the word n-grams that pushed it most each way (the evidence a
dispatcher reads). The model is logistic regression over TF-IDF word unigrams and bigrams, trained
offline by `corespond train-text-model` (scikit-learn) on the labelled development cases in
`tests/triage/cases/` and shipped as data (`triage/rules/text_model.json`): nothing is downloaded, and
inference here is plain Python that reproduces scikit-learn's `predict_proba` (a test checks it on
the probabilities the trainer stored beside the weights).

Why a second reader: the rules read signs by kind and by grammar, and each new style of text brings
wordings no grammar covers yet (docs/triage.md, "The blind protocol"). A bag of words learnt from
every labelled case generalizes differently: it misses negation and context, which the rules handle,
and catches the long tail of wording, which they miss. `triage.scoring` lets it move a call across
the co-response line only when it is confident, never touches a safety gate, and says so in a reason.

The text is lowercased and split on `[a-z0-9']+`; a term's value is `(1 + ln count) * idf`, the
vector is L2-normalized, and the probability is `logistic(intercept + coef . vector)`, exactly as
scikit-learn's `TfidfVectorizer(sublinear_tf=True)` and `LogisticRegression` compute them.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from triage.nature_codes import logistic

__all__ = ["FORMAT", "TOKEN_PATTERN", "TextModel", "TextModelError", "TextReading", "call_text"]

FORMAT: Final = "corespond-text-model/1"
TOKEN_PATTERN: Final = r"[a-z0-9']+"  # noqa: S105 - a regular expression, not a secret
_TOKENS: Final = re.compile(TOKEN_PATTERN)
_CLAUSE_BREAK: Final = re.compile(
    r"[.;!?\n]+\s|\s\|\|\s|,\s(?=(?:and|but|then|now|said|says|stating|states)\b)", re.I
)
_PASSAGE_CHARS: Final = 160


def call_text(nature_code: str, narrative: str) -> str:
    """What the model reads of a call: its nature code, then everything the narrative says so far
    (the created remarks and every append, joined as the service joins them). Training and triage
    build it here, the same way."""
    return f"{nature_code} . {narrative}"


class TextModelError(ValueError):
    """A model file that cannot be used, with what is wrong."""


class _Weights(NamedTuple):
    weighted: float
    """coefficient x idf"""
    idf_squared: float


class TextReading(NamedTuple):
    """The model's probability and its strongest terms for and against, strongest first."""

    probability: float
    logit: float
    for_crisis: tuple[str, ...]
    against_crisis: tuple[str, ...]
    passage_for: str = ""
    """The sentence or clause of the text whose terms weighed most for a crisis (as written)."""
    passage_against: str = ""
    """The one whose terms weighed most against."""


@dataclass(frozen=True, slots=True)
class TextModel:
    """Weights of one trained model: per term its coefficient and inverse document frequency."""

    intercept: float
    terms: Mapping[str, tuple[float, float]]
    """term -> (coefficient, idf); a term is a token or two tokens joined by one space."""
    max_n: int = 2
    evidence_terms: int = 3
    _unigrams: dict[str, _Weights] = field(init=False, repr=False, compare=False)
    _bigrams: dict[tuple[str, str], _Weights] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The fast path's tables: a bigram is looked up by its pair of tokens, so that no string is
        # built per pair of words and every lookup runs in `map`.
        unigrams: dict[str, _Weights] = {}
        bigrams: dict[tuple[str, str], _Weights] = {}
        for term, (coefficient, idf) in self.terms.items():
            weights = _Weights(coefficient * idf, idf * idf)
            first, _, second = term.partition(" ")
            if second:
                bigrams[first, second] = weights
            else:
                unigrams[first] = weights
        object.__setattr__(self, "_unigrams", unigrams)
        object.__setattr__(self, "_bigrams", bigrams)

    @classmethod
    def from_json(cls, data: Any) -> TextModel:
        """The model from its JSON document (as the trainer writes it); raises `TextModelError`."""
        if not isinstance(data, dict):
            raise TextModelError("a text model is a JSON object")
        if data.get("format") != FORMAT:
            raise TextModelError(f"format is {data.get('format')!r}, expected {FORMAT!r}")
        if data.get("token_pattern") != TOKEN_PATTERN:
            raise TextModelError(f"token_pattern must be {TOKEN_PATTERN!r}")
        ngram = data.get("ngram_range")
        if ngram not in ([1, 1], [1, 2]):
            raise TextModelError(f"ngram_range must be [1, 1] or [1, 2], not {ngram!r}")
        intercept, terms = data.get("intercept"), data.get("terms")
        if not isinstance(intercept, (int, float)) or not isinstance(terms, dict) or not terms:
            raise TextModelError("the model needs a numeric intercept and a non-empty terms object")
        parsed: dict[str, tuple[float, float]] = {}
        for term, pair in terms.items():
            if (
                not isinstance(pair, list)
                or len(pair) != 2
                or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in pair)
                or pair[1] <= 0
            ):
                raise TextModelError(f"term {term!r}: expected [coefficient, idf > 0], got {pair!r}")
            parsed[term] = (float(pair[0]), float(pair[1]))
        return cls(intercept=float(intercept), terms=parsed, max_n=int(ngram[1]))

    def probability(self, text: str) -> float:
        """The probability that `text` describes a behavioral-health crisis: the fast path, the same
        number as `read` without the evidence (a call's triage pays for it whatever the call)."""
        tokens = _TOKENS.findall(text.lower())
        found = [w for w in map(self._unigrams.get, tokens) if w is not None]
        if self.max_n > 1:
            found += [w for w in map(self._bigrams.get, itertools.pairwise(tokens)) if w is not None]
        if not found:
            return logistic(self.intercept)
        if len(set(map(id, found))) == len(found):
            dot = sum(w.weighted for w in found)
            squares = sum(w.idf_squared for w in found)
        else:
            counts: dict[int, list[Any]] = {}
            for weights in found:
                entry = counts.setdefault(id(weights), [weights, 0])
                entry[1] += 1
            dot = squares = 0.0
            for (weighted, idf_squared), count in counts.values():
                tf = 1.0 + math.log(count)
                dot += weighted * tf
                squares += idf_squared * tf * tf
        return logistic(self.intercept + dot / math.sqrt(squares))

    def read(self, text: str) -> TextReading:
        """The probability with its evidence: the terms that moved it most, each way."""
        values = self._values(text)
        if not values:
            return TextReading(logistic(self.intercept), self.intercept, (), ())
        norm = math.sqrt(sum(value * value for value in values.values()))
        contributions = {term: self.terms[term][0] * value / norm for term, value in values.items()}
        logit = self.intercept + sum(contributions.values())
        ranked = sorted(contributions.items(), key=lambda item: (-abs(item[1]), item[0]))
        passages = self._passages(text, contributions)
        strongest, weakest = max(passages), min(passages)
        return TextReading(
            probability=logistic(logit),
            logit=logit,
            for_crisis=tuple(t for t, c in ranked if c > 0)[: self.evidence_terms],
            against_crisis=tuple(t for t, c in ranked if c < 0)[: self.evidence_terms],
            passage_for=strongest[1] if strongest[0] > 0 else "",
            passage_against=weakest[1] if weakest[0] < 0 else "",
        )

    def _passages(self, text: str, contributions: Mapping[str, float]) -> list[tuple[float, str]]:
        """Each clause of the text (as written) with the summed weight of the terms inside it: a term
        found n times gives each occurrence 1/n of its contribution."""
        clauses = [c.strip() for c in _CLAUSE_BREAK.split(text) if c.strip()] or [text]
        occurrences: dict[str, int] = {}
        per_clause: list[list[str]] = []
        for clause in clauses:
            tokens = _TOKENS.findall(clause.lower())
            found = [t for t in tokens if t in contributions]
            found += [f"{a} {b}" for a, b in itertools.pairwise(tokens) if f"{a} {b}" in contributions]
            for term in found:
                occurrences[term] = occurrences.get(term, 0) + 1
            per_clause.append(found)
        return [
            (sum(contributions[t] / occurrences[t] for t in found), clause[:_PASSAGE_CHARS])
            for clause, found in zip(clauses, per_clause, strict=True)
        ]

    def _values(self, text: str) -> dict[str, float]:
        """Each known term of the text with its sublinear TF-IDF value (before normalization)."""
        tokens = _TOKENS.findall(text.lower())
        terms = self.terms
        counts: dict[str, int] = {}
        for token in tokens:
            if token in terms:
                counts[token] = counts.get(token, 0) + 1
        if self.max_n >= 2:
            for first, second in itertools.pairwise(tokens):
                term = f"{first} {second}"
                if term in terms:
                    counts[term] = counts.get(term, 0) + 1
        return {
            term: terms[term][1] if count == 1 else (1.0 + math.log(count)) * terms[term][1]
            for term, count in counts.items()
        }
