"""The ledger's read model: each call's entry kept once, in order, paged without loss or repeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from service.ledger_store import InvalidCursor, LedgerFilter, LedgerStore, decode_cursor, encode_cursor
from service.redaction import WITHHELD, withhold_in_ledger_entry

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _encoded(call_id: str, minute: int, **fields: Any) -> bytes:
    at = T0 + timedelta(minutes=minute)
    body: dict[str, Any] = {
        "call_id": call_id,
        "region": "larimer",
        "agency": "LPD",
        "nature_code": "SUICIDAL",
        "priority": 2,
        "response": "co_response_any",
        "received_at": at.isoformat(),
        "eligible_at": at.isoformat(),
        "closed_at": (at + timedelta(hours=1)).isoformat(),
        "disposition": "resolved_on_scene",
        "outcome": "unserved",
        "reason": "all_teams_busy",
        **fields,
    }
    return orjson.dumps(body)


def _store() -> LedgerStore:
    return LedgerStore(lambda _agency, nature: nature == "OD")


def test_an_entry_read_again_is_kept_once() -> None:
    store = _store()
    assert store.put(_encoded("C1", 0)) is True
    assert store.put(_encoded("C1", 0)) is False, "a re-publication after a restart"
    assert len(store) == 1
    assert store.counts[("unserved", "all_teams_busy")] == 1


def test_a_later_entry_of_the_same_call_replaces_the_first_as_compaction_would() -> None:
    store = _store()
    store.put(_encoded("C1", 0))
    store.put(_encoded("C1", 5, reason="declined", declined_reason="calm"))
    assert len(store) == 1
    assert store.counts[("unserved", "all_teams_busy")] == 0
    assert store.counts[("unserved", "declined")] == 1
    page = store.page(LedgerFilter(), after=None, limit=10)
    assert [s.facts.reason for s in page.entries] == ["declined"]
    assert page.total == 1


def test_what_is_not_a_ledger_entry_is_refused() -> None:
    store = _store()
    with pytest.raises(ValidationError):
        store.put(b'{"call_id": "C1"}')
    with pytest.raises(ValidationError):
        store.put(_encoded("C1", 0, outcome="served"))  # served without a unit: not an entry
    assert len(store) == 0


def test_the_period_is_inclusive_at_its_start_and_exclusive_at_its_end() -> None:
    store = _store()
    for minute in (0, 10, 20):
        store.put(_encoded(f"C{minute}", minute))
    start = int((T0 + timedelta(minutes=10)).timestamp()) * 1_000_000
    end = int((T0 + timedelta(minutes=20)).timestamp()) * 1_000_000
    found = list(store.matching(LedgerFilter(start_us=start, end_us=end)))
    assert [s.facts.call_id for s in found] == ["C10"]


def test_filters_by_reason_outcome_agency_and_region() -> None:
    store = _store()
    store.put(_encoded("A", 0))
    store.put(_encoded("B", 1, agency="LCSO", reason="declined"))
    store.put(
        _encoded(
            "C",
            2,
            region="weld",
            outcome="served",
            reason=None,
            unit_id="U1",
            assigned_at=T0.isoformat(),
            minutes_to_assignment=0.0,
        )
    )

    def ids(**fields: Any) -> list[str]:
        return [s.facts.call_id for s in store.matching(LedgerFilter(**fields))]

    assert ids(reasons={"declined"}) == ["B"]
    assert ids(outcome="served") == ["C"]
    assert ids(agencies={"LPD"}) == ["A", "C"]
    assert ids(region="weld") == ["C"]
    assert ids() == ["A", "B", "C"]


def test_a_substance_use_nature_code_and_any_decline_reason_are_withheld_from_observers() -> None:
    store = _store()
    store.put(_encoded("C1", 0, nature_code="OD", reason="declined", declined_reason="detox referral"))
    stored = store.get("C1")
    assert stored is not None
    assert stored.substance_use_nature
    seen = orjson.loads(withhold_in_ledger_entry(stored.encoded, stored.substance_use_nature))
    assert (seen["nature_code"], seen["declined_reason"]) == (WITHHELD, WITHHELD)
    assert seen["reason"] == "declined", "the outcome itself is not withheld"


@pytest.mark.parametrize("cursor", ["", "x", "bm90LWEtY3Vyc29y", encode_cursor((12, ""))[:-2] + "!!"])
def test_a_cursor_not_written_here_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor, match="next"):
        decode_cursor(cursor)


@settings(max_examples=80, deadline=None)
@given(
    minutes=st.lists(st.integers(0, 30), min_size=0, max_size=25),
    limit=st.integers(1, 7),
    descending=st.booleans(),
)
def test_following_next_visits_every_entry_once_in_order(
    minutes: list[int], limit: int, descending: bool
) -> None:
    """Calls received at the same minute are ordered by call id; every page continues the last."""
    store = _store()
    for n, minute in enumerate(minutes):
        store.put(_encoded(f"C{n:02d}", minute))
    expected = sorted((m, f"C{n:02d}") for n, m in enumerate(minutes))
    if descending:
        expected.reverse()
    seen: list[tuple[int, str]] = []
    after = None
    for _ in range(len(minutes) + 2):
        page = store.page(LedgerFilter(), after=after, limit=limit, descending=descending)
        assert page.total == len(minutes)
        assert len(page.entries) <= limit
        seen.extend(
            (int((s.facts.received_at - T0).total_seconds() // 60), s.facts.call_id) for s in page.entries
        )
        if page.next_cursor is None:
            break
        after = decode_cursor(page.next_cursor)
    assert seen == expected
