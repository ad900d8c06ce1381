"""The literal prefixes of a pattern: a safe over-approximation, checked against matches."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.pattern_prefixes import compatible, literal_prefixes


@pytest.mark.parametrize(
    ("pattern", "prefixes"),
    [
        (r"(?:KILL|HURT)\s+HIM", {"KILL ", "HURT "}),
        (r"(?<=ON\s)(?:TRAIN\s+)?TRACKS\b", {"TRAIN ", "TRACKS"}),
        (r"NO\s+WAY", {"NO "}),
        (r"OD\x27?ING\b", {"OD'ING", "ODING"}),
        (r"\w+ING", {""}),
        (r"(?:A|AN)?X", {"AX", "ANX", "X"}),
    ],
)
def test_prefixes_of_known_patterns(pattern: str, prefixes: set[str]) -> None:
    assert literal_prefixes(pattern) == prefixes


def test_a_blank_ends_the_word() -> None:
    prefixes = literal_prefixes(r"NO\s+(?:REASON|POINT)")
    assert compatible(prefixes, "NO")
    assert not compatible(prefixes, "NOTHING"), "NO then a blank cannot start the word NOTHING"
    assert compatible(literal_prefixes(r"NOTHING\s+MATTERS"), "NOTHING")


WORDS = ["KILL", "KILLS", "NO", "NOT", "NOTHING", "HE", "HER", "HIM", "SELF", "A", "AN"]
SOURCES = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("|".join)


@settings(max_examples=200, deadline=None)
@given(
    first=SOURCES,
    second=SOURCES,
    optional=st.booleans(),
    text=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
)
def test_every_match_starts_with_a_prefix(first: str, second: str, optional: bool, text: str) -> None:
    pattern = rf"(?:{first}){'?' if optional else ''}\s*(?:{second})\b"
    matched = re.match(pattern, text)
    if matched is None:
        return
    assert any(matched.group().startswith(p) for p in literal_prefixes(pattern)), (pattern, text)
    word = re.match(r"[A-Z]+", text)
    assert word is not None
    assert compatible(literal_prefixes(pattern), word.group()), (pattern, text)
