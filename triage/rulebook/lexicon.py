"""The phrase grammar's word lists: expanding `{NAME}` slots in patterns and anchors.

A rule file's `[lexicon]` names word lists (`KILL_VERB = ["KILL", "KILLS", "KILLED", "KILLING", ...]`,
`SELF = ["HIMSELF", "HERSELF", ...]`), and a pattern composes them: `{KILL_VERB}\\s+{SELF}` reads every
inflection of every verb with every reflexive, so a new wording of a known sign fires without a new
rule. An entry is a regular expression (usually a plain word or phrase, a blank matching any run of
blanks) and may itself name another list. `{NAME}` in `anchors` stands for the first word of every
entry of the list.

Lists of plain words compile to one trie-shaped alternation (`triage.narrative.trie_pattern`), so a
long list costs no more than a short one at match time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from triage.narrative import trie_pattern

__all__ = ["Lexicon", "LexiconError"]

_REFERENCE = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_PLAIN = re.compile(r"^[A-Z0-9'/\- ]+$")
_LEADING_WORD = re.compile(r"^[A-Z0-9][A-Z0-9'/\-]*")


class LexiconError(ValueError):
    """A word list that cannot be used: an unknown name, a cycle, an entry that cannot anchor."""


class Lexicon:
    """The compiled word lists of a rule set: `{NAME}` -> a regular-expression group."""

    def __init__(self, lists: Mapping[str, Sequence[str]]) -> None:
        self._lists = {name: tuple(entries) for name, entries in lists.items()}
        self._expanded: dict[str, str] = {}
        for name in self._lists:
            self._expand_list(name, ())

    def __contains__(self, name: object) -> bool:
        return name in self._lists

    def names(self) -> tuple[str, ...]:
        return tuple(self._lists)

    def expand(self, pattern: str) -> str:
        """`pattern` with every `{NAME}` replaced by its list's group; unknown names are an error."""
        if "{" not in pattern:
            return pattern
        return _REFERENCE.sub(lambda m: self._group(m.group(1)), pattern)

    def anchors(self, anchor: str) -> tuple[str, ...]:
        """An anchor as written, or for `{NAME}` the first word of each entry of the list."""
        found = _REFERENCE.fullmatch(anchor)
        if found is None:
            return (anchor,)
        words: list[str] = []
        for entry in self._entries(found.group(1), ()):
            word = _LEADING_WORD.match(entry)
            if word is None:
                raise LexiconError(
                    f"{anchor}: the entry {entry!r} does not start with a plain word, so it cannot anchor"
                )
            words.append(word.group())
        return tuple(dict.fromkeys(words))

    def _group(self, name: str) -> str:
        if name not in self._lists:
            raise LexiconError(f"{{{name}}} names no word list of [lexicon]")
        return self._expanded[name]

    def _entries(self, name: str, path: tuple[str, ...]) -> list[str]:
        """The list's entries with nested lists flattened (plain entries stay plain, for the trie)."""
        if name not in self._lists:
            raise LexiconError(f"{{{name}}} names no word list of [lexicon]")
        if name in path:
            raise LexiconError(f"word lists name each other in a cycle: {' -> '.join((*path, name))}")
        entries: list[str] = []
        for entry in self._lists[name]:
            whole = _REFERENCE.fullmatch(entry)
            if whole is not None:
                entries.extend(self._entries(whole.group(1), (*path, name)))
            else:
                entries.append(entry)
        return entries

    def _expand_list(self, name: str, path: tuple[str, ...]) -> str:
        if name in self._expanded:
            return self._expanded[name]
        entries = self._entries(name, path)
        if not entries:
            raise LexiconError(f"[lexicon] {name} is empty")
        plain = [e for e in entries if _PLAIN.match(e)]
        other = [
            _REFERENCE.sub(lambda m: self._expand_list(m.group(1), (*path, name)), e)
            for e in entries
            if not _PLAIN.match(e)
        ]
        parts = []
        if plain:
            parts.append(trie_pattern(" ".join(e.split()) for e in plain).replace(re.escape(" "), r"\s+"))
        parts.extend(f"(?:{e})" for e in other)
        group = "(?:" + "|".join(parts) + ")"
        re.compile(group)
        self._expanded[name] = group
        return group
