"""Nature codes: normalizing what the CAD calls a call, and the behavioral-health prior of its category.

A nature code arrives as the CAD has it: `SUICIDAL`, `--SUICIDE`, `Welfare Check`, `10-96`,
`PERSON IN BEHAVIORAL/EMOTIONAL CRISIS`. `normalize_nature_code` upper-cases it and turns every run of
punctuation and blanks into one space (`10-96` becomes `10 96`). A `NatureTable` then resolves
aliases (agency tables first: a 10-code means different things in different agencies) and finds the
code's *category* by word prefixes (`HARAS` matches `HARASSMENT`; `SELF HARM` matches two words in a
row), the first category in rule-file order winning. A code that matches no category and ends in a
word cut short (CAD type fields hold 16-30 characters: `MENTAL HLTH CRISI`) is tried once more with
that word completed, when it is the start of exactly one word the table knows. Each category carries
a prior (the share of calls of that category that turn out to be behavioral-health crises, set from
domain knowledge and checked against observed rates, see `triage/rules/default.toml`) and may raise
safety codes.
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
    safety: tuple[str, ...] = ()
    """Safety codes a call of this type raises whatever its narrative says (a threats call: an officer)."""


class NatureClass(NamedTuple):
    """What the table made of one code: its normalized form, alias target, category and prior."""

    normalized: str
    canonical: str
    category: str
    prior: float
    log_odds: float
    safety: tuple[str, ...] = ()


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
    _completions: Mapping[str, str] = field(init=False, repr=False)
    """A cut-short last word (at least `_CUT_MIN` letters) -> the one table word it starts."""
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
        object.__setattr__(self, "_completions", _completions(self.categories))

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
        best = self._rank(canonical)
        if best == len(self.categories) and len(canonical) >= _CUT_CODE_MIN:
            head, _, last = canonical.rpartition(" ")
            completed = self._completions.get(last)
            if completed is not None:
                best = self._rank(f"{head} {completed}" if head else completed)
        category = self.categories[best] if best < len(self.categories) else self.default
        return NatureClass(
            normalized, canonical, category.name, category.prior, self._log_odds[best], category.safety
        )

    def _rank(self, canonical: str) -> int:
        """The rank of the first category one of whose phrases the code holds (len(categories): none)."""
        best = len(self.categories)
        for hit in self._first_words.finditer(canonical):
            for rank, phrase in self._candidates[hit.group()]:
                if rank >= best:
                    break
                if phrase.match(canonical, hit.start()):
                    best = rank
                    break
        return best


_SEEN_MAX = 4096
_CUT_MIN = 5
"""The shortest cut-short word completed: `CRISI` is `CRISIS`; `PARK` stays `PARK`."""
_CUT_CODE_MIN = 12
"""Only codes this long are taken as cut short by a field limit."""


def _completions(categories: tuple[NatureCategory, ...]) -> dict[str, str]:
    """Every proper start (at least `_CUT_MIN` letters) of a table word that starts no other table word."""
    words = {w for category in categories for phrase in category.match for w in phrase if not w.endswith("$")}
    starts: dict[str, set[str]] = {}
    for word in words:
        for end in range(_CUT_MIN, len(word)):
            starts.setdefault(word[:end], set()).add(word)
    return {
        start: next(iter(found)) for start, found in starts.items() if len(found) == 1 and start not in words
    }


def _phrase_pattern(phrase: tuple[str, ...]) -> re.Pattern[str]:
    """Word prefixes in a row (`SELF HARM` matches `SELF HARMING`); `WORD$` must be the whole word."""
    words = [
        re.escape(w[:-1]) + "(?![A-Z0-9])" if w.endswith("$") else re.escape(w) + "[A-Z0-9]*" for w in phrase
    ]
    return re.compile(" ".join(words))
