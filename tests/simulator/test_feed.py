"""The synthetic CAD feed: deterministic, contract-valid, bounded, and realistic enough to drive the core."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import islice, pairwise
from typing import Any

import orjson
import pytest

from routing.epoch import decide
from routing.region import RegionState, apply_event
from schemas.decisions import AssignmentStatus, CallStatus, Decision
from schemas.events import EVENT_ADAPTER
from simulator import Event, FeedConfig, SyntheticFeed, county_roster, demo_roster
from tests.builders import core_policy, default_rules
from triage.facts import CallFacts

START = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
TIED = {"dispatched", "en_route", "on_scene", "transporting"}


def take(feed: SyntheticFeed, count: int, rate_per_s: float = 5.0) -> list[tuple[float, Event]]:
    return list(islice(feed.events(rate_per_s), count))


def finite(config: FeedConfig, calls: int, rate_per_s: float = 5.0) -> tuple[SyntheticFeed, list[Event]]:
    feed = SyntheticFeed(config, START)
    return feed, [event for _, event in feed.events(rate_per_s, call_limit=calls)]


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_the_same_seed_gives_the_same_stream_and_another_seed_does_not() -> None:
    config = FeedConfig(seed=42, late_share=0.05, duplicate_share=0.02)

    first = orjson.dumps(take(SyntheticFeed(config, START), 3000))

    assert first == orjson.dumps(take(SyntheticFeed(config, START), 3000))
    assert first != orjson.dumps(take(SyntheticFeed(FeedConfig(seed=43), START), 3000))


def test_every_event_validates_against_the_contract() -> None:
    config = FeedConfig(seed=5, late_share=0.05, duplicate_share=0.02)
    events = [
        *demo_roster(config, START),
        *county_roster(config, START, 50),
        *(event for _, event in take(SyntheticFeed(config, START), 6000)),
    ]

    kinds = Counter(EVENT_ADAPTER.validate_json(orjson.dumps(event)).type for event in events)

    assert set(kinds) == {
        "unit.upsert",
        "call.created",
        "call.updated",
        "call.closed",
        "unit.status",
        "unit.location",
    }
    assert all(count >= 50 for count in kinds.values()), kinds


def test_event_ids_and_call_ids_are_unique() -> None:
    events = [event for _, event in take(SyntheticFeed(FeedConfig(seed=9), START), 20_000)]

    ids = [event["event_id"] for event in events]
    calls = [event["call"]["call_id"] for event in events if event["type"] == "call.created"]
    assert len(ids) == len(set(ids))
    assert len(calls) == len(set(calls))
    assert all(call_id.split("-")[0] in {"LCSO", "LPD", "EPPD"} for call_id in calls)


def test_two_runs_never_share_ids() -> None:
    first = take(SyntheticFeed(FeedConfig(run_id="a1"), START), 500)
    second = take(SyntheticFeed(FeedConfig(run_id="b2"), START), 500)

    assert not {e["event_id"] for _, e in first} & {e["event_id"] for _, e in second}


def test_a_duplicate_repeats_an_earlier_event_exactly() -> None:
    events = [
        event for _, event in take(SyntheticFeed(FeedConfig(seed=3, duplicate_share=0.05), START), 5000)
    ]

    first_seen: dict[str, Event] = {}
    repeats = 0
    for event in events:
        earlier = first_seen.setdefault(event["event_id"], event)
        if earlier is not event:
            repeats += 1
            assert earlier == event
    assert 150 < repeats < 350, repeats


def test_events_are_evenly_spaced_at_the_rate_and_stamped_with_their_offset() -> None:
    delivered = take(SyntheticFeed(FeedConfig(seed=1), START), 2000, rate_per_s=4.0)

    assert [offset for offset, _ in delivered] == [(i + 1) / 4.0 for i in range(2000)]
    assert delivered[3][1]["occurred_at"] == "2026-11-28T21:00:01.000Z"
    assert all(
        parse(event["occurred_at"]) == START + timedelta(seconds=offset) for offset, event in delivered
    )
    assert all(event["occurred_at"].endswith("Z") for _, event in delivered)


def test_a_late_update_reaches_the_consumer_after_newer_events() -> None:
    delivered = take(SyntheticFeed(FeedConfig(seed=1, late_share=0.2), START), 5000)

    late = 0
    for (_, previous), (offset, event) in pairwise(delivered):
        occurred = parse(event["occurred_at"])
        if occurred != START + timedelta(seconds=offset):
            late += 1
            assert event["type"] == "call.updated"
            assert occurred < parse(previous["occurred_at"])
    assert late > 50


@pytest.mark.parametrize("share", [0.0, 0.3, 0.6, 1.0])
def test_the_share_of_behavioral_calls_is_respected(share: float) -> None:
    feed, events = finite(FeedConfig(seed=2, bh_share=share), calls=1500, rate_per_s=50.0)

    created = [event["call"]["call_id"] for event in events if event["type"] == "call.created"]
    behavioral = sum(feed.is_behavioral(call_id) for call_id in created)

    assert len(created) == feed.calls_created == 1500
    assert abs(behavioral / len(created) - share) < 0.05  # four standard deviations at 0.3


def test_in_a_finite_run_every_call_closes_once_and_nothing_follows_its_close() -> None:
    feed, events = finite(FeedConfig(seed=4), calls=300)

    created: set[str] = set()
    closed: set[str] = set()
    for event in events:
        call_id = (event.get("call") or event.get("unit") or {}).get("call_id")
        if call_id is None:
            continue
        assert call_id not in closed, f"{event['type']} for {call_id} after its close"
        if event["type"] == "call.created":
            created.add(call_id)
        elif event["type"] == "call.closed":
            assert call_id in created, "closed before it was created"
            closed.add(call_id)
        else:
            assert call_id in created
    assert len(created) == 300
    assert closed == created
    assert feed.open_calls == 0


def test_the_number_of_open_calls_stays_bounded() -> None:
    feed = SyntheticFeed(FeedConfig(seed=6, calls_per_hour=600.0, max_open_calls=8), START)

    open_calls: set[str] = set()
    peak = 0
    for _, event in islice(feed.events(10.0), 10_000):
        if event["type"] == "call.created":
            open_calls.add(event["call"]["call_id"])
        elif event["type"] == "call.closed":
            open_calls.remove(event["call"]["call_id"])
        peak = max(peak, len(open_calls))
        assert feed.open_calls <= 8
    assert peak == 8
    assert feed.calls_created > 100


def test_no_event_references_a_unit_before_its_upsert() -> None:
    config = FeedConfig(seed=8)
    roster = county_roster(config, START, 40)
    feed = SyntheticFeed(config, START, roster)

    known: set[str] = set()
    for event in [*roster, *(e for _, e in take(feed, 8000))]:
        if event["type"] == "unit.upsert":
            known.add(event["unit"]["unit_id"])
        elif event["type"].startswith("unit."):
            assert event["unit"]["unit_id"] in known
    assert len(known) == 40


def test_teams_work_one_call_at_a_time_in_cad_order_within_the_rules() -> None:
    config = FeedConfig(seed=10, bh_share=0.6, calls_per_hour=15.0)  # a night the teams can keep up with
    roster = {e["unit"]["unit_id"]: e["unit"] for e in demo_roster(config, START)}
    _feed, events = finite(config, calls=400)

    flags: dict[str, set[str]] = {}
    agency: dict[str, str] = {}
    holding: dict[str, str | None] = dict.fromkeys(roster)
    last: dict[str, str] = dict.fromkeys(roster, "available")
    order = {"dispatched": 0, "en_route": 1, "on_scene": 2, "transporting": 3}
    for event in events:
        if event["type"] == "call.created":
            call = event["call"]
            flags[call["call_id"]], agency[call["call_id"]] = set(call["flags"]), call["agency"]
        elif event["type"] == "call.updated" and "flags" in event["call"]:
            flags[event["call"]["call_id"]] = set(event["call"]["flags"])
        elif event["type"] == "unit.status":
            unit_id, status, call_id = (
                event["unit"]["unit_id"],
                event["unit"]["status"],
                event["unit"].get("call_id"),
            )
            team = roster[unit_id]
            if status == "dispatched":
                assert holding[unit_id] is None, f"{unit_id} dispatched while holding a call"
                assert agency[call_id] in team["jurisdictions"]
                assert not (team["model"] == "secondary" and flags[call_id] & {"weapon", "violence"})
                holding[unit_id] = call_id
            elif status in TIED:
                assert call_id == holding[unit_id]
                assert order[status] == order[last[unit_id]] + 1 or (status, last[unit_id]) == (
                    "transporting",
                    "on_scene",
                )
                assert status != "transporting" or team["can_transport"]
            else:
                assert (status, call_id) == ("available", None)
                assert last[unit_id] in {"on_scene", "transporting"}
                holding[unit_id] = None
            last[unit_id] = status
    assert all(call_id is None for call_id in holding.values())
    assert sum(1 for e in events if e["type"] == "unit.status" and e["unit"]["status"] == "dispatched") > 50


def test_shift_changes_keep_every_team_on_shift_with_time_to_take_a_call() -> None:
    config = FeedConfig(seed=12)
    roster = demo_roster(config, START)
    feed = SyntheticFeed(config, START, roster)

    shifts = {e["unit"]["unit_id"]: e["unit"]["shift"] for e in roster}
    changes = Counter[str]()
    for _, event in islice(feed.events(0.1), 9000):  # 90,000 s: two shift changes for every team
        if event["type"] == "unit.upsert":
            unit = event["unit"]
            changes[unit["unit_id"]] += 1
            assert parse(unit["shift"]["start"]) <= parse(event["occurred_at"])
            shifts[unit["unit_id"]] = unit["shift"]
        at = parse(event["occurred_at"])
        for unit_id, shift in shifts.items():
            assert parse(shift["start"]) <= at, f"{unit_id} not yet on shift at {at}"
            # The core routes no unit that would go off shift mid-call (ETA + 45 min on scene + 15 min).
            assert parse(shift["end"]) - at >= timedelta(hours=2), (
                f"{unit_id} near the end of its shift at {at}"
            )
    assert set(changes) == set(shifts)
    assert min(changes.values()) >= 2


def test_the_demo_roster_is_the_northern_colorado_teams() -> None:
    teams = {e["unit"]["unit_id"]: e["unit"] for e in demo_roster(FeedConfig(), START)}

    assert set(teams) == {"LCSO-CR1", "LCSO-CR2", "LCSO-CR3", "LCSO-CR4", "LPD-CR1", "LPD-CR2", "EPPD-CR1"}
    for unit_id, team in teams.items():
        assert unit_id.startswith(team["agency"] + "-CR")
        assert 1 <= team["capacity"] <= 3
        assert parse(team["shift"]["start"]) <= START < parse(team["shift"]["end"])
    assert {(t["model"], t["can_transport"]) for t in teams.values() if t["agency"] == "LCSO"} == {
        ("primary", False)
    }
    assert {(t["model"], t["can_transport"]) for t in teams.values() if t["agency"] == "LPD"} == {
        ("secondary", True)
    }
    assert teams["LCSO-CR1"]["jurisdictions"] == ["LCSO", "EPPD", "LPD"]
    assert teams["LPD-CR1"]["jurisdictions"] == ["LPD"]
    assert teams["EPPD-CR1"]["jurisdictions"] == ["EPPD", "LCSO"]


def test_a_large_county_roster_is_deterministic_valid_and_on_shift() -> None:
    config = FeedConfig(seed=1)
    roster = county_roster(config, START, 2000)

    assert orjson.dumps(roster) == orjson.dumps(county_roster(config, START, 2000))
    units = [EVENT_ADAPTER.validate_json(orjson.dumps(event)).unit for event in roster]  # type: ignore[union-attr]
    assert len({u.unit_id for u in units}) == 2000
    assert {u.agency for u in units} == {"LCSO", "LPD", "EPPD"}
    assert all(u.shift.start <= START < u.shift.end for u in units)  # type: ignore[attr-defined]
    assert all(40.0 < u.location.lat < 41.2 and -106.2 < u.location.lon < -104.5 for u in units)  # type: ignore[attr-defined]


def test_narratives_and_addresses_look_like_cad_entries() -> None:
    events = [e for _, e in take(SyntheticFeed(FeedConfig(seed=13), START), 5000)]

    for event in events:
        if event["type"] == "call.created":
            call = event["call"]
            assert call["narrative"] == call["narrative"].upper()
            assert call["narrative"].isascii()
            assert re.fullmatch(r"\d{3,4} BLOCK [A-Z0-9 ]+", call["location"]["address"])
            assert call["caller_type"] in {"self", "family", "third_party", "officer", "other"}
        elif event["type"] == "call.updated":
            assert event["call"]["narrative_append"] == event["call"]["narrative_append"].upper()


def test_the_triage_finds_the_crises_the_feed_made() -> None:
    """A sanity check that the demo exercises routing: not a benchmark of the triage."""
    feed, events = finite(FeedConfig(seed=14), calls=2000, rate_per_s=50.0)
    triager = default_rules()

    hits = Counter[tuple[bool, bool]]()
    for event in events:
        if event["type"] == "call.created":
            call = event["call"]
            facts = CallFacts(
                agency=call["agency"],
                nature_code=call["nature_code"],
                priority=call["priority"],
                narrative=call["narrative"],
                flags=frozenset(call["flags"]),
            )
            routed = triager.triage(facts).response.wants_co_responder
            hits[(feed.is_behavioral(call["call_id"]), routed)] += 1

    recall = hits[(True, True)] / (hits[(True, True)] + hits[(True, False)])
    false_alarms = hits[(False, True)] / (hits[(False, True)] + hits[(False, False)])
    assert recall > 0.8
    assert false_alarms < 0.05


def test_the_feed_drives_the_core_from_first_call_to_last_close() -> None:
    config = FeedConfig(seed=15, late_share=0.05, duplicate_share=0.02)
    roster = demo_roster(config, START)
    feed = SyntheticFeed(config, START, roster)
    state, policy = RegionState("larimer"), core_policy()
    outcomes = Counter[str]()
    decisions: list[Decision] = []

    for event in roster:
        apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event)))
    for i, (offset, event) in enumerate(feed.events(2.0, call_limit=250)):
        outcomes[apply_event(state, EVENT_ADAPTER.validate_json(orjson.dumps(event))).value] += 1
        if i % 20 == 19:
            decisions.extend(decide(state, START + timedelta(seconds=offset), policy))
    decisions.extend(decide(state, START + timedelta(hours=1), policy))

    assert outcomes["duplicate"] > 0
    assert state.calls == {}, "every call closed and was forgotten"
    final = [d for d in decisions if d.call_status is CallStatus.CLOSED]
    assert len(final) == len({d.call_id for d in final}) == feed.calls_created == 250
    statuses = Counter[Any](d.assignment.status for d in decisions)
    assert statuses[AssignmentStatus.RECOMMENDED] > 50
    assert any(d.assignment.fixed for d in decisions)


@pytest.mark.parametrize(
    "settings",
    [
        {"bh_share": 1.5},
        {"late_share": -0.1},
        {"calls_per_hour": 0.0},
        {"avl_interval_s": float("nan")},
        {"max_open_calls": 0},
        {"run_id": "two words"},
        {"region": ""},
    ],
)
def test_an_unusable_configuration_is_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        FeedConfig(**settings)


def test_a_start_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SyntheticFeed(FeedConfig(), datetime(2026, 11, 28, 21, 0))


def test_a_feed_is_consumed_once_at_a_positive_rate() -> None:
    feed = SyntheticFeed(FeedConfig(), START)
    with pytest.raises(ValueError, match="rate_per_s"):
        feed.events(0.0)

    feed.events(1.0)

    with pytest.raises(RuntimeError, match="consumed once"):
        feed.events(1.0)
