"""GET /stats figures (`routing.outcomes`), checked against a small history computed by hand, and
invariants over any history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.outcomes import LedgerFacts, model_asked, outcome_stats
from schemas.decisions import Response
from schemas.ledger import LedgerEntry, UnservedReason

UTC_ZONE = ZoneInfo("UTC")
DENVER = ZoneInfo("America/Denver")
DAY = datetime(2026, 12, 1, tzinfo=UTC)


def _entry(
    call_id: str,
    agency: str,
    response: str,
    received: str,
    disposition: str,
    *,
    assign: float | None = None,
    scene: float | None = None,
    reason: str | None = None,
) -> LedgerFacts:
    at = datetime.fromisoformat(received)
    body: dict[str, Any] = {
        "call_id": call_id,
        "region": "larimer",
        "agency": agency,
        "nature_code": "SUICIDAL",
        "priority": 2,
        "response": response,
        "received_at": at,
        "eligible_at": at,
        "closed_at": at + timedelta(hours=1),
        "disposition": disposition,
        "outcome": "unserved" if reason else "served",
        "reason": reason,
    }
    if assign is not None:
        body |= {
            "unit_id": "LCSO-CR1",
            "model": "primary",
            "assigned_at": at + timedelta(minutes=assign),
            "minutes_to_assignment": assign,
        }
        if scene is not None:
            body |= {"on_scene_at": at + timedelta(minutes=scene), "minutes_to_scene": scene}
    return LedgerFacts.of(LedgerEntry.model_validate(body, strict=False))


HISTORY = [
    _entry("A", "LPD", "co_response_any", "2026-12-01T08:00:00Z", "resolved_on_scene", assign=2, scene=10),
    _entry("B", "LPD", "co_response_primary", "2026-12-01T08:30:00Z", "er", assign=4, scene=20),
    _entry("C", "LCSO", "co_response_secondary", "2026-12-01T09:15:00Z", "referred", assign=6),
    _entry("D", "LCSO", "co_response_any", "2026-12-01T09:45:00Z", "arrest", assign=8, scene=30),
    _entry(
        "E", "LPD", "co_response_any", "2026-12-01T10:00:00Z", "resolved_on_scene", reason="all_teams_busy"
    ),
    _entry("F", "LPD", "police_only", "2026-12-01T10:10:00Z", "arrest", reason="no_compatible_team"),
    _entry(
        "G", "EPPD", "co_response_any", "2026-12-01T23:30:00Z", "emergency_hold", reason="no_team_on_shift"
    ),
    _entry("H", "LPD", "co_response_any", "2026-12-01T23:50:00Z", "transported_voluntary", reason="declined"),
]


def test_the_figures_of_a_small_history_match_the_hand_computation() -> None:
    stats = outcome_stats(HISTORY, timezone=UTC_ZONE)
    assert (stats.eligible, stats.served, stats.unserved, stats.served_share) == (8, 4, 4, 0.5)
    # Minutes to assignment 2, 4, 6, 8: median 5; p90 at rank 0.9 * 3 = 2.7 -> 6 + 0.7 * (8 - 6) = 7.4.
    assert stats.minutes_to_assignment.model_dump() == {"calls": 4, "median": 5.0, "p90": 7.4}
    # To scene 10, 20, 30 (C's arrival unknown): median 20; p90 at rank 1.8 -> 20 + 0.8 * 10 = 28.
    assert stats.minutes_to_scene.model_dump() == {"calls": 3, "median": 20.0, "p90": 28.0}
    assert stats.unserved_by_reason == {
        UnservedReason.NO_TEAM_ON_SHIFT: 1,
        UnservedReason.ALL_TEAMS_BUSY: 1,
        UnservedReason.OUT_OF_JURISDICTION: 0,
        UnservedReason.NO_COMPATIBLE_TEAM: 1,
        UnservedReason.DECLINED: 1,
        UnservedReason.CLOSED_WHILE_QUEUED: 0,
    }

    every, served, unserved = stats.dispositions.all, stats.dispositions.served, stats.dispositions.unserved
    assert every.calls == 8
    assert every.counts == {
        "resolved_on_scene": 2,
        "referred": 1,
        "transported_voluntary": 1,
        "emergency_hold": 1,
        "er": 1,
        "arrest": 2,
        "cancelled": 0,
        "unfounded": 0,
    }
    # Hospital = ER + emergency hold + voluntary transport = 3 of 8.
    assert (every.resolved_on_scene_share, every.referred_share, every.hospital_share) == (0.25, 0.125, 0.375)
    assert (every.arrest_share, every.without_arrest_share) == (0.25, 0.75)
    # What programs publish of their own calls: the 4 served, one of each.
    assert (served.calls, served.resolved_on_scene_share, served.hospital_share) == (4, 0.25, 0.25)
    assert (served.arrest_share, served.without_arrest_share) == (0.25, 0.75)
    assert (unserved.calls, unserved.hospital_share, unserved.arrest_share) == (4, 0.5, 0.25)

    lpd, lcso, eppd = (stats.by_agency[a] for a in ("LPD", "LCSO", "EPPD"))
    assert (lpd.eligible, lpd.served, lpd.served_share) == (5, 2, 0.4)
    assert lpd.minutes_to_assignment.model_dump() == {"calls": 2, "median": 3.0, "p90": 3.8}
    assert (lcso.eligible, lcso.served, lcso.served_share) == (2, 2, 1.0)
    assert (eppd.eligible, eppd.served, eppd.served_share) == (1, 0, 0.0)
    assert list(stats.by_agency) == ["EPPD", "LCSO", "LPD"]

    assert {m: (g.eligible, g.served) for m, g in stats.by_model.items()} == {
        "any": (5, 2),
        "primary": (1, 1),
        "secondary": (1, 1),
        "withdrawn": (1, 0),
    }
    assert {h: g.eligible for h, g in enumerate(stats.by_hour) if g.eligible} == {8: 2, 9: 2, 10: 2, 23: 2}
    assert stats.by_hour[10].unserved_by_reason[UnservedReason.ALL_TEAMS_BUSY] == 1
    assert stats.by_hour[0].served_share is None, "no call that hour: no share, not 0"


def test_hours_are_local_to_the_zone_asked_for() -> None:
    stats = outcome_stats(HISTORY, timezone=DENVER)
    # December: Denver is UTC-7, so 08Z -> 01, 09Z -> 02, 10Z -> 03, 23Z -> 16.
    assert {h: g.eligible for h, g in enumerate(stats.by_hour) if g.eligible} == {1: 2, 2: 2, 3: 2, 16: 2}
    assert stats.timezone == "America/Denver"


def test_no_history_gives_empty_figures_not_zero_shares() -> None:
    stats = outcome_stats([], timezone=UTC_ZONE)
    assert (stats.eligible, stats.served_share) == (0, None)
    assert stats.minutes_to_assignment.median is None
    assert stats.dispositions.all.without_arrest_share is None
    assert stats.by_agency == {}
    assert len(stats.by_hour) == 24


def test_a_disposition_outside_the_contract_is_counted_under_its_own_name() -> None:
    odd = _entry("X", "LPD", "co_response_any", "2026-12-01T08:00:00Z", "gone_on_arrival", reason="declined")
    stats = outcome_stats([odd], timezone=UTC_ZONE)
    assert stats.dispositions.all.counts["gone_on_arrival"] == 1
    assert stats.dispositions.all.without_arrest_share == 1.0


def test_the_model_asked_for_names_the_request_not_the_team() -> None:
    assert [model_asked(r) for r in Response] == ["primary", "secondary", "any", "withdrawn", "withdrawn"]


_REASONS = [r.value for r in UnservedReason]


@st.composite
def _histories(draw: st.DrawFn) -> list[LedgerFacts]:
    count = draw(st.integers(0, 40))
    out = []
    for n in range(count):
        served = draw(st.booleans())
        minute = draw(st.integers(0, 60 * 24 * 3))
        out.append(
            _entry(
                f"C{n}",
                draw(st.sampled_from(["LPD", "LCSO", "EPPD"])),
                draw(st.sampled_from([r.value for r in Response])),
                (DAY + timedelta(minutes=minute)).isoformat(),
                draw(st.sampled_from(["resolved_on_scene", "arrest", "er", "referred", "cancelled"])),
                assign=draw(st.floats(0, 120)) if served else None,
                scene=draw(st.one_of(st.none(), st.floats(0, 240))) if served else None,
                reason=None if served else draw(st.sampled_from(_REASONS)),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(_histories(), st.sampled_from([UTC_ZONE, DENVER]))
def test_every_breakdown_adds_up_to_the_whole(history: list[LedgerFacts], zone: ZoneInfo) -> None:
    stats = outcome_stats(history, timezone=zone)
    assert stats.eligible == len(history) == stats.served + stats.unserved
    assert sum(stats.unserved_by_reason.values()) == stats.unserved
    for groups in (list(stats.by_agency.values()), list(stats.by_model.values()), stats.by_hour):
        assert sum(g.eligible for g in groups) == stats.eligible
        assert sum(g.served for g in groups) == stats.served
        for reason in UnservedReason:
            assert sum(g.unserved_by_reason[reason] for g in groups) == stats.unserved_by_reason[reason]
    assert stats.dispositions.all.calls == stats.eligible
    assert stats.dispositions.served.calls + stats.dispositions.unserved.calls == stats.eligible
    figures = stats.minutes_to_assignment
    if figures.median is not None:
        assert figures.p90 is not None
        assert figures.median <= figures.p90
