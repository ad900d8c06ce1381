"""Where in a rule file an error is: the line a validation location points at, and its description.

A `RulebookError` names `file:line` and the rule (`signal[3] (CODE).weight`), so an operator can find
the mistake without reading a traceback. TOML parsers do not keep positions, so the line is found
again from the table headers (`[scoring]`, `[[signal]]`) and the key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

__all__ = ["describe_location", "line_from_message", "line_of"]


def line_from_message(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(?:#.*)?$")


def line_of(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line that `loc` (a validation error location) points at, as well as can be found."""
    lines = text.splitlines()
    tables: list[tuple[tuple[str | int, ...], int]] = [((), 0)]
    counts: dict[str, int] = {}
    for number, line in enumerate(lines):
        header = _HEADER.match(line)
        if header is None:
            continue
        name = header.group(2).replace('"', "").replace(" ", "")
        parts: tuple[str | int, ...] = tuple(name.split("."))
        if header.group(1) == "[[":
            counts[name] = counts.get(name, -1) + 1
            parts = (*parts, counts[name])
        tables.append((parts, number))
    best, best_len = 0, -1
    for parts, number in tables:
        if len(parts) > best_len and tuple(loc[: len(parts)]) == parts:
            best, best_len = number, len(parts)
    rest = loc[max(best_len, 0) :]
    start = best
    end = next((n for _, n in tables if n > best), len(lines))
    if rest and isinstance(rest[0], str):
        key = re.compile(rf'^\s*"?{re.escape(rest[0])}"?\s*=')
        for number in range(start, end):
            if key.match(lines[number]):
                return number + 1
    return start + 1 if lines else None


def describe_location(loc: Sequence[str | int], data: object) -> str:
    """`signal[3] (CODE).weight` for a location, naming the rule's code when there is one."""
    text = ""
    node: object = data
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            code = node.get("code") if isinstance(node, dict) else getattr(node, "code", None)
            if isinstance(code, str):
                text += f" ({code})"
        else:
            text += f".{part}" if text else part
            if isinstance(node, dict):
                node = node.get(part)
            elif isinstance(node, BaseModel):
                node = getattr(node, part, None)
            else:
                node = None
    return text or "file"
