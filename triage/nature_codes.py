"""Nature codes: normalizing what the CAD calls a call, and the behavioral-health prior of its category.

A nature code arrives as the CAD has it: `SUICIDAL`, `--SUICIDE`, `Welfare Check`, `10-96`,
`PERSON IN BEHAVIORAL/EMOTIONAL CRISIS`. `normalize_nature_code` upper-cases it and turns every run of
punctuation and blanks into one space (`10-96` becomes `10 96`). A `NatureTable` then resolves
aliases (agency tables first: a 10-code means different things in different agencies) and finds the
code's *category* by word prefixes (`HARAS` matches `HARASSMENT`; `SELF HARM` matches two words in a
row), the first category in rule-file order winning. Each category carries a prior: the share of
calls of that category that turn out to be behavioral-health crises, set from domain knowledge and
checked against observed rates (see `triage/rules/default.toml`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from triage.narrative import trie_pattern

__all__ = ["NatureCategory", "NatureClass", "NatureTable", "logistic", "logit", "normalize_nature_code"]

_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def normalize_nature_code(code: str) -> str:
    """Upper case, punctuation and blank runs to one space, trimmed: `--Suicide ` gives `SUICIDE`."""
    return _NOT_WORD.sub(" ", code.upper()).strip()


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def logistic(x: float) -> float:
    """The inverse of `logit`, without overflow for large negative log-odds."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass(frozen=True, slots=True)
class NatureCategory:
    name: str
    prior: float
    match: tuple[tuple[str, ...], ...]
    """Phrases of word prefixes; a code belongs to the category when one phrase matches in a row.

    A word written with a trailing `$` must match exactly (`OD$` is not `ODOR`)."""


class NatureClass(NamedTuple):
    """What the table made of one code: its normalized form, alias target, category and prior."""

    normalized: str
    canonical: str
    category: str
    prior: float
    log_odds: float


@dataclass(frozen=True, slots=True)
class NatureTable:
    """Aliases and ordered categories, compiled so that a lookup is one scan and a regex or two."""

    categories: tuple[NatureCategory, ...]
    aliases: Mapping[str, str]
    """Normalized alias -> normalized canonical code."""
    default: NatureCategory
    _first_words: re.Pattern[str] = field(init=False, repr=False)
    _candidates: Mapping[str, tuple[tuple[int, re.Pattern[str]], ...]] = field(init=False, repr=False)
    _log_odds: tuple[float, ...] = field(init=False, repr=False)
    _seen: dict[str, NatureClass] = field(init=False, repr=False, compare=False)
    """Codes already classified (a CAD stream repeats a few hundred codes), at most `_SEEN_MAX`: a memo
    of a pure function of the code, so a hit returns what `_classify` would."""

    def __post_init__(self) -> None:
        by_first: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        for rank, category in enumerate(self.categories):
            for phrase in category.match:
                by_first.setdefault(phrase[0].rstrip("$"), []).append((rank, _phrase_pattern(phrase)))
        # The scan reports the longest first word at a word start; every shorter one that is a
        # prefix of it brings its phrases too. Candidates are tried in rank order.
        candidates = {
            found: tuple(
                sorted(
                    (c for k in range(1, len(found) + 1) for c in by_first.get(found[:k], ())),
                    key=lambda c: c[0],
                )
            )
            for found in by_first
        }
        source = trie_pattern(by_first) if by_first else "(?!)"
        object.__setattr__(self, "_first_words", re.compile(rf"(?<![A-Z0-9])(?:{source})"))
        object.__setattr__(self, "_candidates", candidates)
        object.__setattr__(self, "_log_odds", tuple(logit(c.prior) for c in (*self.categories, self.default)))
        object.__setattr__(self, "_seen", {})

    def classify(self, code: str) -> NatureClass:
        known = self._seen.get(code)
        if known is not None:
            return known
        found = self._classify(code)
        if len(self._seen) < _SEEN_MAX:
            self._seen[code] = found
        return found

    def _classify(self, code: str) -> NatureClass:
        normalized = normalize_nature_code(code)
        canonical = self.aliases.get(normalized, normalized)
        best = len(self.categories)
        for hit in self._first_words.finditer(canonical):
            for rank, phrase in self._candidates[hit.group()]:
                if rank >= best:
                    break
                if phrase.match(canonical, hit.start()):
                    best = rank
                    break
        category = self.categories[best] if best < len(self.categories) else self.default
        return NatureClass(normalized, canonical, category.name, category.prior, self._log_odds[best])


_SEEN_MAX = 4096


def _phrase_pattern(phrase: tuple[str, ...]) -> re.Pattern[str]:
    """Word prefixes in a row (`SELF HARM` matches `SELF HARMING`); `WORD$` must be the whole word."""
    words = [
        re.escape(w[:-1]) + "(?![A-Z0-9])" if w.endswith("$") else re.escape(w) + "[A-Z0-9]*" for w in phrase
    ]
    return re.compile(" ".join(words))
