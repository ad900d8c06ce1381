"""assign_units through its public data: hand-checkable plans and brute-force-checked properties."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.assignment import assign_units
from routing.plan import AssignmentOptions, AssignmentPlan, CallDemand, UnitSupply
from routing.travel import HaversineTravel
from schemas.decisions import AssignmentMethod, Response
from schemas.units import ResponseModel
from triage.facts import ARMED_SAFETY

OPTIONS = AssignmentOptions()
PRIMARY, SECONDARY = ResponseModel.PRIMARY, ResponseModel.SECONDARY


@dataclass(frozen=True)
class TableTravel:
    """Driving seconds read from a table: a unit's `lat` is its row, a call's `lat` its column."""

    seconds: tuple[tuple[float, ...], ...]

    def eta_matrix(
        self,
        from_lat: npt.NDArray[np.float64],
        from_lon: npt.NDArray[np.float64],
        to_lat: npt.NDArray[np.float64],
        to_lon: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        table = np.array(self.seconds, dtype=np.float64)
        return table[np.ix_(from_lat.astype(int), to_lat.astype(int))]


def unit(
    row: int, unit_id: str, *, model: ResponseModel = PRIMARY, slots: int = 1, **changes: object
) -> UnitSupply:
    """A Sheriff's unit at table row `row`; `changes` override any other field."""
    base = UnitSupply(unit_id, "LCSO", model, frozenset({"LCSO"}), lat=float(row), lon=0.0, free_slots=slots)
    return replace(base, **changes)


def call(
    column: int, call_id: str, *, priority: int = 2, score: float = 0.9, **changes: object
) -> CallDemand:
    """A Sheriff's call at table column `column`; `changes` override any other field."""
    base = CallDemand(call_id, "LCSO", float(column), 0.0, priority, score, Response.CO_RESPONSE_ANY)
    return replace(base, **changes)


def placed(plan: AssignmentPlan) -> dict[str, str | None]:
    return {call_id: p.unit_id for call_id, p in plan.placements.items()}


def test_no_calls_is_an_empty_optimal_plan() -> None:
    plan = assign_units([], [unit(0, "U1")], TableTravel(((100.0,),)), OPTIONS)

    assert (plan.placements, plan.method, plan.optimal) == ({}, AssignmentMethod.MIN_COST_FLOW, True)


def test_a_call_goes_to_the_nearest_unit_with_the_rest_as_alternatives() -> None:
    travel = TableTravel(((900.0,), (300.0,), (600.0,)))
    plan = assign_units([call(0, "A")], [unit(0, "U0"), unit(1, "U1"), unit(2, "U2")], travel, OPTIONS)

    placement = plan.placements["A"]
    assert (placement.unit_id, placement.eta_s, placement.model) == ("U1", 300, PRIMARY)
    assert placement.alternatives == (("U2", 600), ("U0", 900))
    assert plan.optimal


def test_min_cost_flow_beats_taking_the_closest_pair_first() -> None:
    # U1 is closest to both calls. Closest-pair-first gives A->U1 (300) then B->U2 (2000): 2300 s.
    # Sending U2 to A and U1 to B costs 400 + 320 = 720 s.
    travel = TableTravel(((300.0, 320.0), (400.0, 2000.0)))
    plan = assign_units([call(0, "A"), call(1, "B")], [unit(0, "U1"), unit(1, "U2")], travel, OPTIONS)

    assert placed(plan) == {"A": "U2", "B": "U1"}
    assert (plan.placements["A"].eta_s, plan.placements["B"].eta_s) == (400, 320)


def test_a_secondary_team_never_takes_a_primary_only_or_armed_call() -> None:
    travel = TableTravel(((100.0, 100.0, 100.0), (900.0, 900.0, 900.0)))
    calls = [
        call(0, "PRIMARY-ONLY", response=Response.CO_RESPONSE_PRIMARY),
        call(1, "ARMED", safety=frozenset({"weapon_reported"})),
        call(2, "VIOLENT", safety=frozenset({"violence_in_progress"})),
    ]
    units = [unit(0, "SECONDARY", model=SECONDARY, slots=3), unit(1, "PRIMARY", slots=1)]

    plan = assign_units(calls, units, travel, OPTIONS)

    assert "SECONDARY" not in placed(plan).values()
    assert all("SECONDARY" not in dict(p.alternatives) for p in plan.placements.values())
    # Equally urgent calls: the unit is "better used elsewhere", not "taken by more urgent calls".
    assert sorted(p.reason or "" for p in plan.placements.values() if p.unit_id is None) == [
        "eligible_units_better_used_elsewhere",
        "eligible_units_better_used_elsewhere",
    ]


def test_a_secondary_response_prefers_a_secondary_team_within_the_mismatch_margin() -> None:
    travel = TableTravel(((300.0,), (700.0,)))
    units = [unit(0, "PRIMARY"), unit(1, "SECONDARY", model=SECONDARY)]

    plan = assign_units([call(0, "A", response=Response.CO_RESPONSE_SECONDARY)], units, travel, OPTIONS)

    assert placed(plan) == {"A": "SECONDARY"}, "400 s farther, but a primary team costs 600 s extra"


def test_jurisdiction_is_respected() -> None:
    travel = TableTravel(((100.0,), (800.0,)))
    units = [unit(0, "LPD-NEAR", jurisdictions=frozenset({"LPD"})), unit(1, "LCSO-FAR")]

    plan = assign_units([call(0, "A")], units, travel, OPTIONS)

    assert placed(plan) == {"A": "LCSO-FAR"}
    assert plan.placements["A"].alternatives == ()


def test_a_unit_with_two_slots_takes_two_calls() -> None:
    travel = TableTravel(((100.0, 200.0), (5000.0, 5000.0)))
    units = [unit(0, "NEAR", slots=2), unit(1, "FAR")]

    plan = assign_units([call(0, "A"), call(1, "B")], units, travel, OPTIONS)

    assert placed(plan) == {"A": "NEAR", "B": "NEAR"}


def test_a_unit_with_no_free_slot_is_not_used() -> None:
    plan = assign_units([call(0, "A")], [unit(0, "FULL", slots=0)], TableTravel(((100.0,),)), OPTIONS)

    assert placed(plan) == {"A": None}
    assert plan.placements["A"].reason == "all_at_capacity"


def test_a_unit_whose_shift_ends_before_the_call_would_be_done_is_not_eligible() -> None:
    # 600 s drive + 2700 s on scene + 900 s buffer = 4200 s: a unit with 4000 s left cannot take it.
    units = [unit(0, "ENDING", shift_left_s=4000.0)]
    plan = assign_units([call(0, "A")], units, TableTravel(((600.0,),)), OPTIONS)

    assert placed(plan) == {"A": None}
    assert plan.placements["A"].reason == "shift_ends"

    plan = assign_units(
        [call(0, "A")], [replace(units[0], shift_left_s=4300.0)], TableTravel(((600.0,),)), OPTIONS
    )
    assert placed(plan) == {"A": "ENDING"}


def test_time_until_a_busy_unit_frees_up_counts_as_travel() -> None:
    travel = TableTravel(((100.0,), (900.0,)))
    units = [unit(0, "BUSY", available_in_s=1200.0), unit(1, "IDLE")]

    plan = assign_units([call(0, "A")], units, travel, OPTIONS)

    assert placed(plan) == {"A": "IDLE"}
    assert plan.placements["A"].alternatives == (("BUSY", 1300),)


def test_the_incumbent_is_kept_unless_the_gain_beats_the_hysteresis() -> None:
    units = [unit(0, "INCUMBENT"), unit(1, "CHALLENGER")]
    demand = call(0, "A", incumbent_unit="INCUMBENT")

    small_gain = assign_units([demand], units, TableTravel(((400.0,), (300.0,))), OPTIONS)
    large_gain = assign_units([demand], units, TableTravel(((400.0,), (200.0,))), OPTIONS)

    assert placed(small_gain) == {"A": "INCUMBENT"}
    assert placed(large_gain) == {"A": "CHALLENGER"}


def test_a_call_that_needs_transport_prefers_a_team_that_can_transport() -> None:
    travel = TableTravel(((300.0,), (900.0,)))
    units = [unit(0, "NO-TRANSPORT"), unit(1, "TRANSPORT", can_transport=True)]

    plan = assign_units([call(0, "A", needs=frozenset({"transport"}))], units, travel, OPTIONS)

    assert placed(plan) == {"A": "TRANSPORT"}


def test_the_urgent_call_is_placed_when_one_unit_must_choose() -> None:
    travel = TableTravel(((1500.0, 200.0),))
    calls = [call(0, "URGENT", priority=1, score=0.9), call(1, "ROUTINE", priority=5, score=0.5)]

    plan = assign_units(calls, [unit(0, "ONLY")], travel, OPTIONS)

    assert placed(plan) == {"URGENT": "ONLY", "ROUTINE": None}
    assert plan.placements["ROUTINE"].queue_position == 1


def test_queue_reasons_name_the_most_fundamental_cause() -> None:
    travel = TableTravel(((100.0, 100.0, 100.0),))
    calls = [
        call(0, "ELSEWHERE", agency="EPPD"),
        call(1, "ARMED", safety=frozenset({"weapon_reported"})),
        call(2, "NOT-BH", response=Response.NOT_BEHAVIORAL),
    ]

    plan = assign_units(calls, [unit(0, "SECONDARY", model=SECONDARY)], travel, OPTIONS)

    reasons = {call_id: p.reason for call_id, p in plan.placements.items()}
    assert reasons == {
        "ELSEWHERE": "no_unit_in_jurisdiction",
        "ARMED": "no_compatible_unit",
        "NOT-BH": "no_compatible_unit",
    }


# --- properties ----------------------------------------------------------------------------------

AGENCIES = ("LCSO", "LPD", "EPPD")
WIDE = replace(OPTIONS, alternatives=100)
"""List every eligible unit as an alternative, so properties can see them all."""


@st.composite
def units_strategy(draw: st.DrawFn, max_size: int = 6) -> list[UnitSupply]:
    count = draw(st.integers(0, max_size))
    return [
        UnitSupply(
            unit_id=f"U{i}",
            agency=draw(st.sampled_from(AGENCIES)),
            model=draw(st.sampled_from((PRIMARY, SECONDARY))),
            jurisdictions=frozenset(draw(st.sets(st.sampled_from(AGENCIES), min_size=1))),
            lat=draw(st.floats(40.25, 40.85)),
            lon=draw(st.floats(-105.65, -104.95)),
            free_slots=draw(st.integers(0, 3)),
            can_transport=draw(st.booleans()),
            available_in_s=draw(st.sampled_from((0.0, 600.0, 2400.0))),
            shift_left_s=draw(st.sampled_from((float("inf"), 3600.0, 20_000.0))),
        )
        for i in range(count)
    ]


@st.composite
def calls_strategy(draw: st.DrawFn, max_size: int = 8) -> list[CallDemand]:
    count = draw(st.integers(0, max_size))
    return [
        CallDemand(
            call_id=f"C{i}",
            agency=draw(st.sampled_from(AGENCIES)),
            lat=draw(st.floats(40.25, 40.85)),
            lon=draw(st.floats(-105.65, -104.95)),
            priority=draw(st.integers(1, 5)),
            score=draw(st.floats(0.0, 1.0)),
            response=draw(st.sampled_from(list(Response))),
            safety=frozenset(
                draw(st.sets(st.sampled_from(("weapon_reported", "violence_in_progress", "medical"))))
            ),
            needs=frozenset(draw(st.sets(st.just("transport")))),
            incumbent_unit=draw(st.one_of(st.none(), st.sampled_from([f"U{i}" for i in range(6)]))),
            waiting_s=draw(st.floats(0.0, 3600.0)),
        )
        for i in range(count)
    ]


def compatible(demand: CallDemand, supply: UnitSupply) -> bool:
    """The contract's rules, restated independently of the module under test."""
    if not demand.response.wants_co_responder or demand.agency not in supply.jurisdictions:
        return False
    primary_only = demand.response is Response.CO_RESPONSE_PRIMARY or bool(demand.safety & ARMED_SAFETY)
    return not (primary_only and supply.model is SECONDARY)


@settings(max_examples=150, deadline=None)
@given(calls=calls_strategy(), units=units_strategy())
def test_every_plan_respects_capacity_and_compatibility(
    calls: list[CallDemand], units: list[UnitSupply]
) -> None:
    plan = assign_units(calls, units, HaversineTravel(), WIDE)

    assert sorted(plan.placements) == sorted(c.call_id for c in calls), "exactly one placement per call"
    by_id = {u.unit_id: u for u in units}
    demands = {c.call_id: c for c in calls}
    load = {u.unit_id: 0 for u in units}
    for call_id, placement in plan.placements.items():
        if placement.unit_id is None:
            assert placement.reason is not None
            assert placement.queue_position is not None
            continue
        load[placement.unit_id] += 1
        assert compatible(demands[call_id], by_id[placement.unit_id])
        assert placement.model is by_id[placement.unit_id].model
        assert placement.queue_position is None
    assert all(load[u.unit_id] <= max(0, u.free_slots) for u in units)
    positions = sorted(p.queue_position for p in plan.placements.values() if p.queue_position is not None)
    assert positions == list(range(1, len(positions) + 1))


@settings(max_examples=150, deadline=None)
@given(calls=calls_strategy(), units=units_strategy())
def test_no_call_waits_while_an_eligible_unit_has_a_free_slot(
    calls: list[CallDemand], units: list[UnitSupply]
) -> None:
    plan = assign_units(calls, units, HaversineTravel(), WIDE)

    load = {u.unit_id: 0 for u in units}
    for placement in plan.placements.values():
        if placement.unit_id is not None:
            load[placement.unit_id] += 1
    slots = {u.unit_id: u.free_slots for u in units}
    for placement in plan.placements.values():
        if placement.unit_id is None:
            for unit_id, _eta in placement.alternatives:
                assert load[unit_id] >= slots[unit_id], f"{placement.call_id} waits but {unit_id} has room"


@settings(max_examples=100, deadline=None)
@given(calls=calls_strategy(), units=units_strategy(), seed=st.integers(0, 2**32 - 1))
def test_plans_are_deterministic_and_independent_of_input_order(
    calls: list[CallDemand], units: list[UnitSupply], seed: int
) -> None:
    shuffled_calls, shuffled_units = list(calls), list(units)
    random.Random(seed).shuffle(shuffled_calls)
    random.Random(seed + 1).shuffle(shuffled_units)

    first = assign_units(calls, units, HaversineTravel(), OPTIONS)

    assert assign_units(calls, units, HaversineTravel(), OPTIONS) == first
    assert assign_units(shuffled_calls, shuffled_units, HaversineTravel(), OPTIONS) == first


def weighted_cost(demand: CallDemand, seconds: float | None) -> int:
    """The objective `assign_units` documents: weighted ETA, or a weighted day when unplaced."""
    weight = (6 - demand.priority) * (0.5 + demand.score)
    return round((OPTIONS.unplaced_s if seconds is None else seconds) * weight)


@settings(max_examples=100, deadline=None)
@given(
    calls=calls_strategy(max_size=4).map(
        lambda cs: [
            replace(c, response=Response.CO_RESPONSE_ANY, needs=frozenset(), incumbent_unit=None) for c in cs
        ]
    ),
    units=units_strategy(max_size=3).map(
        lambda us: [replace(u, free_slots=min(u.free_slots, 1), shift_left_s=float("inf")) for u in us]
    ),
)
def test_the_plan_is_as_cheap_as_the_best_brute_force_plan(
    calls: list[CallDemand], units: list[UnitSupply]
) -> None:
    travel = HaversineTravel()
    plan = assign_units(calls, units, travel, OPTIONS)
    eta = {
        (u.unit_id, c.call_id): float(
            travel.eta_matrix(np.array([u.lat]), np.array([u.lon]), np.array([c.lat]), np.array([c.lon]))[
                0, 0
            ]
        )
        + u.available_in_s
        for u in units
        for c in calls
    }
    open_units = [u for u in units if u.free_slots > 0]

    def cost(choice: dict[str, str | None]) -> int:
        return sum(
            weighted_cost(c, None if choice[c.call_id] is None else eta[(choice[c.call_id] or "", c.call_id)])
            for c in calls
        )

    best = None
    for picks in itertools.product([None, *open_units], repeat=len(calls)):
        taken = [u.unit_id for u in picks if u is not None]
        if len(taken) != len(set(taken)):
            continue
        if any(u is not None and not compatible(c, u) for c, u in zip(calls, picks, strict=True)):
            continue
        total = cost({c.call_id: None if u is None else u.unit_id for c, u in zip(calls, picks, strict=True)})
        best = total if best is None else min(best, total)

    assert best is not None
    # Each arc cost is rounded separately inside the solver: allow one second of weight per call.
    assert cost(placed(plan)) <= best + 8 * len(calls)
