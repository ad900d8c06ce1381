"""A checker over a run's recorded history: input events, published decisions, dead letters.

In the spirit of Kafka's kill -9 system tests and Jepsen's Kafka workload, it reads what actually
reached the topics and reports, per call: decisions lost (a created call with none, a revision
missing between 1 and the last, a closed call whose last decision is not closed), duplicated
(the same `(call_id, revision)` published more than once, identical: allowed by at-least-once) and
conflicting (the same `(call_id, revision)` with different contents: never allowed); and, for bad
input, poison records missing from the dead-letter topic or valid events that ended up there.
Pure: records in, a report out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

__all__ = ["HistoryReport", "check_history"]


@dataclass(slots=True)
class HistoryReport:
    calls: int = 0
    decisions: int = 0
    duplicated: int = 0
    lost_calls: list[str] = field(default_factory=list)
    revision_gaps: list[str] = field(default_factory=list)
    not_closed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    poison_sent: int = 0
    poison_missing: int = 0
    valid_dead_lettered: int = 0

    @property
    def ok(self) -> bool:
        return not (
            self.lost_calls
            or self.revision_gaps
            or self.not_closed
            or self.conflicts
            or self.poison_missing
            or self.valid_dead_lettered
        )

    def summary(self) -> dict[str, int | bool]:
        return {
            "ok": self.ok,
            "calls": self.calls,
            "decisions": self.decisions,
            "duplicated": self.duplicated,
            "lost_calls": len(self.lost_calls),
            "revision_gaps": len(self.revision_gaps),
            "not_closed": len(self.not_closed),
            "conflicts": len(self.conflicts),
            "poison_sent": self.poison_sent,
            "poison_missing": self.poison_missing,
            "valid_dead_lettered": self.valid_dead_lettered,
        }


def check_history(
    events: Iterable[bytes], decisions: Iterable[bytes], dead_letters: Iterable[bytes], poison: set[bytes]
) -> HistoryReport:
    report = HistoryReport()
    created: set[str] = set()
    closed: set[str] = set()
    valid: set[bytes] = set()
    for raw in events:
        if raw in poison:
            continue
        valid.add(raw)
        event = orjson.loads(raw)
        if event["type"] == "call.created":
            created.add(event["call"]["call_id"])
        elif event["type"] == "call.closed":
            closed.add(event["call"]["call_id"])
    copies: dict[str, dict[int, set[bytes]]] = {}
    for raw in decisions:
        decision = orjson.loads(raw)
        report.decisions += 1
        copies.setdefault(decision["call_id"], {}).setdefault(decision["revision"], set()).add(raw)
    for call_id in sorted(created):
        revisions = copies.get(call_id)
        if not revisions:
            report.lost_calls.append(call_id)
            continue
        last = max(revisions)
        if sorted(revisions) != list(range(1, last + 1)):
            report.revision_gaps.append(call_id)
        if any(len(versions) > 1 for versions in revisions.values()):
            report.conflicts.append(call_id)
        if call_id in closed and orjson.loads(next(iter(revisions[last])))["call_status"] != "closed":
            report.not_closed.append(call_id)
    report.calls = len(created)
    report.duplicated = report.decisions - sum(len(r) for r in copies.values())
    letters = list(dead_letters)
    report.poison_sent = len(poison)
    report.poison_missing = len(poison - set(letters))
    report.valid_dead_lettered = sum(raw in valid for raw in letters)
    return report
