"""The literal text a regular expression can start with: what lets the narrative reader try, at each
anchor word, only the pattern alternatives that can match there.

`literal_prefixes(r"(?:KILL|HURT)\\s+HIM")` is `{"KILL ", "HURT "}`: every string the pattern matches
starts with one of them. The set is a safe over-approximation: a prefix ends where the pattern stops
being literal (a class such as `\\w`, a wildcard, a repeat that may run more than once); `\\s` is
kept as a blank, which ends a word; zero-width assertions (`\\b`, lookarounds) are skipped; an empty
string in the set means "could start with anything". Computed once when the rules are compiled, from
Python's own parse of the pattern (`re._parser`, the parser behind `re.compile`).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

__all__ = ["compatible", "literal_prefixes"]

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

_MAX_PREFIXES = 4000
"""Past this many distinct prefixes the pattern is treated as starting with anything."""
_MAX_LENGTH = 24
_MAX_CLASS = 48
"""A character class of more members than this ends the literal prefix."""
_ZERO_WIDTH = frozenset({_c.AT, _c.ASSERT, _c.ASSERT_NOT})
_REPEATS = frozenset({_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)})
_ATOMIC = getattr(_c, "ATOMIC_GROUP", object())


class _TooMany(Exception):
    """More prefixes than are worth keeping: the pattern may start with anything."""


def literal_prefixes(pattern: str) -> frozenset[str]:
    """Every literal prefix a match of `pattern` can start with (`""`: no known prefix)."""
    try:
        return frozenset(_sequence(list(_parser.parse(pattern)), 0, _MAX_LENGTH))
    except _TooMany:
        return frozenset({""})


def compatible(prefixes: Iterable[str], word_start: str) -> bool:
    """Whether a pattern with these literal prefixes can match at a word that starts `word_start`."""
    return any(p.startswith(word_start) or word_start.startswith(p) for p in prefixes)


def _sequence(items: list[Any], i: int, budget: int) -> set[str]:
    """The literal prefixes of `items[i:]`, at most `budget` characters long."""
    if i == len(items) or budget <= 0:
        return {""}
    op, av = items[i]
    if op is _c.LITERAL:
        return _bounded({chr(av) + p for p in _sequence(items, i + 1, budget - 1)})
    if op in _ZERO_WIDTH:
        return _sequence(items, i + 1, budget)
    if op is _c.SUBPATTERN:
        return _sequence([*av[-1], *items[i + 1 :]], 0, budget)
    if op is _ATOMIC:
        return _sequence([*av, *items[i + 1 :]], 0, budget)
    if op is _c.BRANCH:
        found: set[str] = set()
        for alternative in av[1]:
            found |= _sequence([*alternative, *items[i + 1 :]], 0, budget)
            _bounded(found)
        return found
    if op in _REPEATS:
        low, high, sub = av
        # one pass of the repeated part; what follows it is only known when it runs at most once
        tail = items[i + 1 :] if high == 1 else []
        once = _sequence([*sub, *tail], 0, budget)
        return _bounded(once | _sequence(items, i + 1, budget)) if low == 0 else once
    if op is _c.IN:
        chars = _class_chars(av)
        if chars is None:
            return {""}
        rest = _sequence(items, i + 1, budget - 1)
        return _bounded({ch + p for ch in chars for p in rest})
    return {""}


def _class_chars(members: list[Any]) -> list[str] | None:
    chars: list[str] = []
    for op, av in members:
        if op is _c.LITERAL:
            chars.append(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_CLASS:
            chars.extend(chr(code) for code in range(av[0], av[1] + 1))
        elif op is _c.CATEGORY and av is _c.CATEGORY_SPACE:
            chars.append(" ")  # a blank: no anchor word contains one, so it ends the word
        else:
            return None
    return chars if len(chars) <= _MAX_CLASS else None


def _bounded(prefixes: set[str]) -> set[str]:
    if len(prefixes) > _MAX_PREFIXES:
        raise _TooMany
    return prefixes
