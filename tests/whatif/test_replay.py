"""The replay through the core: who gets served, who waits, why the rest are missed, on a simulated
clock with a dispatcher who accepts every recommendation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import pytest

from routing.travel import HaversineTravel
from schemas.ledger import LedgerEntry, LedgerOutcome, UnservedReason
from tests.builders import core_policy
from tests.whatif.conftest import BASE, DENVER, call_at
from triage.facts import CallFacts
from whatif.calls import HistoricalCall
from whatif.replay import ReplayOptions, ReplayResult, call_id_of, replay
from whatif.roster import Scenario, parse_shifts

TRAVEL = HaversineTravel()


def _replay(
    calls: Sequence[HistoricalCall],
    *,
    teams: int = 1,
    model: str = "primary",
    shifts: str = "07-17",
    minutes_on_task: float = 30.0,
    patience_min: float = 60.0,
) -> ReplayResult:
    roster = Scenario(teams, model, parse_shifts(shifts)).roster(BASE)
    return replay(
        calls,
        roster,
        core_policy(travel=TRAVEL),
        time_on_task_s=np.full(len(calls), minutes_on_task * 60.0),
        options=ReplayOptions(timezone=DENVER, patience_s=patience_min * 60.0),
    )


def _by_call(result: ReplayResult) -> dict[str, LedgerEntry]:
    return {e.call_id: e for e in result.entries}


def _drive_s(call: HistoricalCall) -> float:
    seconds = TRAVEL.eta_pairs(
        np.array([BASE[0]]), np.array([BASE[1]]), np.array([call.lat]), np.array([call.lon])
    )
    return float(seconds[0])


def test_a_call_during_the_shift_is_served_at_once() -> None:
    call = call_at("2020-06-01 10:00")
    entry = _by_call(_replay([call]))[call_id_of(0)]
    assert entry.outcome is LedgerOutcome.SERVED
    assert entry.unit_id == "CR-1A"
    assert entry.minutes_to_assignment == 0.0
    assert entry.on_scene_at is not None
    assert entry.assigned_at is not None
    drive = (entry.on_scene_at - entry.assigned_at).total_seconds()
    assert drive == pytest.approx(_drive_s(call), abs=0.01), "the team drives by the planner's travel model"


def test_a_call_at_night_with_a_day_shift_has_no_team_on_shift() -> None:
    entry = _by_call(_replay([call_at("2020-06-01 02:00")]))[call_id_of(0)]
    assert entry.reason is UnservedReason.NO_TEAM_ON_SHIFT
    assert entry.would_have_gone is not None
    assert entry.would_have_gone.unit_id == "CR-1A"
    assert entry.closed_at - entry.eligible_at == timedelta(hours=1), "patrol handled it after the patience"


def test_a_call_before_the_shift_waits_for_it_within_the_patience() -> None:
    entry = _by_call(_replay([call_at("2020-06-01 06:30")]))[call_id_of(0)]
    assert entry.outcome is LedgerOutcome.SERVED
    assert entry.minutes_to_assignment == 30.0, "dispatched when the team came on shift at 07:00"


def test_a_call_the_team_could_not_finish_before_its_shift_ends_is_not_sent() -> None:
    """The production shift guard: ETA + time on scene + buffer must fit before the shift ends."""
    entry = _by_call(_replay([call_at("2020-06-01 16:30")]))[call_id_of(0)]
    assert entry.reason is UnservedReason.NO_TEAM_ON_SHIFT


def test_a_second_call_waits_for_the_busy_team_and_is_served_when_it_clears() -> None:
    first, second = call_at("2020-06-01 10:00"), call_at("2020-06-01 10:05")
    result = _replay([first, second], minutes_on_task=20.0)
    entry = _by_call(result)[call_id_of(1)]
    assert entry.outcome is LedgerOutcome.SERVED
    # The team clears the first call at 10:00 + drive + 20 min and goes straight to the second.
    waited = 20 * 60 + _drive_s(first) - 5 * 60
    assert entry.minutes_to_assignment == pytest.approx(waited / 60.0, abs=0.02)
    busy = 2 * 20 * 60 + _drive_s(first) + TRAVEL.startup_s  # the same scene: only the start-up
    assert result.busy_s["CR-1A"] == pytest.approx(busy, abs=1.0)


def test_a_call_waiting_longer_than_the_patience_is_lost_to_busy_teams() -> None:
    result = _replay([call_at("2020-06-01 10:00"), call_at("2020-06-01 10:05")], patience_min=10.0)
    entry = _by_call(result)[call_id_of(1)]
    assert entry.reason is UnservedReason.ALL_TEAMS_BUSY
    assert entry.would_have_gone is not None


def test_an_armed_call_gets_no_secondary_team() -> None:
    armed = call_at("2020-06-01 10:00", narrative="SUBJ HAS A KNIFE", flags=("weapon",))
    entry = _by_call(_replay([armed], model="secondary"))[call_id_of(0)]
    assert entry.reason is UnservedReason.NO_COMPATIBLE_TEAM
    assert entry.would_have_gone is None


def test_no_team_at_all_means_no_team_on_shift() -> None:
    entry = _by_call(_replay([call_at("2020-06-01 10:00")], teams=0))[call_id_of(0)]
    assert entry.reason is UnservedReason.NO_TEAM_ON_SHIFT


def test_every_eligible_call_ends_as_one_entry_and_no_other_call_does() -> None:
    natures = ["SUICIDAL", "THEFT", "MENTAL", "TRAFFIC STOP", "WELFARE CHECK", "ALARM"]
    calls = [
        call_at(
            f"2020-06-0{1 + k // 24} {k % 24:02d}:{(7 * k) % 60:02d}", nature_code=natures[k % len(natures)]
        )
        for k in range(72)
    ]
    result = _replay(calls, teams=1, shifts="07-17,17-03")
    triager = core_policy().triager
    eligible = {
        call_id_of(i)
        for i, c in enumerate(calls)
        if triager.triage(
            CallFacts(agency=c.agency, nature_code=c.nature_code, priority=c.priority)
        ).response.wants_co_responder
    }
    ids = [e.call_id for e in result.entries]
    assert len(ids) == len(set(ids))
    assert set(ids) == eligible
    assert 0 < len(eligible) < len(calls)


def test_the_same_history_and_draws_give_the_same_entries() -> None:
    calls = [call_at(f"2020-06-01 {h:02d}:10") for h in range(6, 20)]
    assert _replay(calls).entries == _replay(calls).entries


def test_the_rostered_time_counts_the_shift_hours_of_every_day() -> None:
    result = _replay([call_at("2020-06-01 10:00"), call_at("2020-06-03 10:00")], shifts="07-17,17-03")
    assert result.days[0].isoformat() == "2020-06-01"
    assert len(result.days) == 3
    assert result.on_shift_s == {"CR-1A": 3 * 10 * 3600.0, "CR-2A": 3 * 10 * 3600.0}


def test_a_call_done_the_moment_the_team_arrives_frees_the_team() -> None:
    """Zero time on task: arrival and clear share an instant, and the team is free for the next call."""
    calls = [call_at("2020-06-01 10:00"), call_at("2020-06-01 11:00")]
    entries = _by_call(_replay(calls, minutes_on_task=0.0))
    assert [entries[call_id_of(i)].outcome for i in (0, 1)] == [LedgerOutcome.SERVED] * 2
    assert entries[call_id_of(1)].minutes_to_assignment == 0.0
