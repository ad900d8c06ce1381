"""Errors the triage package raises, as a tree:

TriageError
└── RulebookError   a rule file that cannot be used (file, line, rule and what is wrong)
"""

from __future__ import annotations

__all__ = ["RulebookError", "TriageError"]


class TriageError(Exception):
    """Base of every error the triage package raises."""


class RulebookError(TriageError):
    """A rule file that cannot be used: where it is wrong and why, in words an operator can act on."""

    def __init__(self, source: str, line: int | None, message: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.message = message
