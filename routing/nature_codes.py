"""Nature codes: normalizing what the CAD calls a call, and the behavioral-health prior of its category.

A nature code arrives as the CAD has it: `SUICIDAL`, `--SUICIDE`, `Welfare Check`, `10-96`,
`PERSON IN BEHAVIORAL/EMOTIONAL CRISIS`. `normalize_nature_code` upper-cases it and turns every run of
punctuation and blanks into one space (`10-96` becomes `10 96`). A `NatureTable` then resolves
aliases (agency tables first: a 10-code means different things in different agencies) and finds the
code's *category* by word prefixes (`HARAS` matches `HARASSMENT`; `SELF HARM` matches two words in a
row), the first category in rule-file order winning. Each category carries a prior: the share of
calls of that category that turn out to be behavioral-health crises, set from domain knowledge and
checked against observed rates (see `routing/rules/default.toml`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["NatureCategory", "NatureClass", "NatureTable", "logit", "normalize_nature_code"]

_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def normalize_nature_code(code: str) -> str:
    """Upper case, punctuation and blank runs to one space, trimmed: `--Suicide ` gives `SUICIDE`."""
    return _NOT_WORD.sub(" ", code.upper()).strip()


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


@dataclass(frozen=True, slots=True)
class NatureCategory:
    name: str
    prior: float
    match: tuple[tuple[str, ...], ...]
    """Phrases of word prefixes; a code belongs to the category when one phrase matches in a row.

    A word written with a trailing `$` must match exactly (`OD$` is not `ODOR`)."""


@dataclass(frozen=True, slots=True)
class NatureClass:
    """What the table made of one code: its normalized form, alias target, category and prior."""

    normalized: str
    canonical: str
    category: str
    prior: float
    log_odds: float


@dataclass(frozen=True, slots=True)
class NatureTable:
    """Aliases and ordered categories, indexed for a lookup of a few dictionary probes per word."""

    categories: tuple[NatureCategory, ...]
    aliases: Mapping[str, str]
    """Normalized alias -> normalized canonical code."""
    default: NatureCategory
    _index: Mapping[str, tuple[tuple[int, tuple[str, ...]], ...]] = field(init=False, repr=False)
    _lengths: tuple[int, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for rank, category in enumerate(self.categories):
            for phrase in category.match:
                index.setdefault(phrase[0].rstrip("$"), []).append((rank, phrase))
        object.__setattr__(self, "_index", {k: tuple(v) for k, v in index.items()})
        object.__setattr__(self, "_lengths", tuple(sorted({len(k) for k in index})))

    def classify(self, code: str) -> NatureClass:
        normalized = normalize_nature_code(code)
        canonical = self.aliases.get(normalized, normalized)
        category = self._category(canonical.split())
        return NatureClass(
            normalized=normalized,
            canonical=canonical,
            category=category.name,
            prior=category.prior,
            log_odds=logit(category.prior),
        )

    def _category(self, words: Sequence[str]) -> NatureCategory:
        best = len(self.categories)
        for i, word in enumerate(words):
            for length in self._lengths:
                if length > len(word):
                    break
                for rank, phrase in self._index.get(word[:length], ()):
                    if rank < best and _phrase_at(words, i, phrase):
                        best = rank
        return self.categories[best] if best < len(self.categories) else self.default


def _phrase_at(words: Sequence[str], i: int, phrase: tuple[str, ...]) -> bool:
    if i + len(phrase) > len(words):
        return False
    return all(
        words[i + k] == prefix[:-1] if prefix.endswith("$") else words[i + k].startswith(prefix)
        for k, prefix in enumerate(phrase)
    )
