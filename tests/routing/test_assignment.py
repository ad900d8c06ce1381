"""Scenario tests of the assignment engine, each small enough to check the optimum by hand.

Positions are on a line (`LineTravel`: 0.01 degree = 100 s). Weight of a call = (6 - priority) x
(0.5 + score): with score 0.5, priority 1 weighs 5 and priority 2 weighs 4.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing.assignment import AssignmentOptions, assign_units
from routing.greedy import arrival_order_dispatch, closest_unit_dispatch
from routing.plan import AssignmentPlan
from schemas.decisions import AssignmentMethod, Response
from schemas.units import ResponseModel
from tests.routing.fakes import LineTravel, call, unit

TRAVEL = LineTravel()
PLAIN = AssignmentOptions(caseload_s=0.0, hysteresis_s=0.0)


def units_of(plan: AssignmentPlan) -> dict[str, str | None]:
    return {call_id: p.unit_id for call_id, p in plan.placements.items()}


def test_optimum_gives_the_urgent_call_the_slightly_farther_unit_where_greedy_does_not() -> None:
    # C1 (p1, w=5) at 0.05: U1 500 s, U2 600 s. C2 (p2, w=4) at -0.05: U1 500 s, U2 1600 s.
    # Greedy, most urgent first: C1->U1, C2->U2 = 5*500 + 4*1600 = 8900.
    # Optimum: C1->U2, C2->U1 = 5*600 + 4*500 = 5000.
    calls = [call("C1", 0.05, priority=1), call("C2", -0.05, priority=2)]
    units = [unit("U1", 0.0), unit("U2", 0.11)]

    optimized = assign_units(calls, units, TRAVEL, PLAIN)
    greedy = closest_unit_dispatch(calls, units, TRAVEL, PLAIN)

    assert units_of(optimized) == {"C1": "U2", "C2": "U1"}
    assert optimized.placements["C1"].eta_s == 600
    assert optimized.method is AssignmentMethod.MIN_COST_FLOW
    assert optimized.optimal
    assert units_of(greedy) == {"C1": "U1", "C2": "U2"}


def test_arrival_order_greedy_serves_the_oldest_call_first() -> None:
    # The older, less urgent call grabs the only near unit; the optimum gives it to the urgent one.
    calls = [call("OLD", 0.0, priority=4, waiting_s=600), call("NEW", 0.02, priority=1)]
    units = [unit("NEAR", 0.01), unit("FAR", 0.3)]

    assert units_of(arrival_order_dispatch(calls, units, TRAVEL, PLAIN)) == {"OLD": "NEAR", "NEW": "FAR"}
    # Optimum: NEW (w=5) near: 5*100 + 2*(3000) = 6500 vs OLD near: 2*100 + 5*2800 = 14200.
    assert units_of(assign_units(calls, units, TRAVEL, PLAIN)) == {"OLD": "FAR", "NEW": "NEAR"}


def test_a_scarce_unit_goes_to_the_most_urgent_call_and_the_other_is_queued_with_a_reason() -> None:
    calls = [call("P3", 0.01, priority=3), call("P1", 0.2, priority=1)]
    plan = assign_units(calls, [unit("U", 0.0)], TRAVEL, PLAIN)

    assert units_of(plan) == {"P3": None, "P1": "U"}
    queued = plan.placements["P3"]
    assert queued.queue_position == 1
    assert queued.reason == "eligible_units_taken_by_more_urgent_calls"
    assert queued.alternatives == (("U", 100),)


def test_caseload_cost_sends_a_call_to_a_farther_idle_unit_when_the_near_one_is_busy_enough() -> None:
    # Weight 1 (p5, score 0.5). NEAR holds one call: 100 s + 600 caseload > FAR's 500 s.
    calls = [call("C", 0.0, priority=5)]
    units = [unit("NEAR", 0.01, slots=1, load=1), unit("FAR", 0.05)]

    assert units_of(assign_units(calls, units, TRAVEL, replace(PLAIN, caseload_s=600.0))) == {"C": "FAR"}
    assert units_of(assign_units(calls, units, TRAVEL, replace(PLAIN, caseload_s=0.0))) == {"C": "NEAR"}


def test_caseload_is_convex_so_two_calls_spread_over_two_units() -> None:
    # BIG has 2 slots next to both calls; SMALL is 300 s away. Caseload 600 (weight 1 calls):
    # both on BIG = 0 + 0 + 600 (second slot) = 600; spread = 0 + 300 = 300.
    calls = [call("A", 0.0, priority=5), call("B", 0.0, priority=5)]
    units = [unit("BIG", 0.0, slots=2), unit("SMALL", 0.03)]
    plan = assign_units(calls, units, TRAVEL, replace(PLAIN, caseload_s=600.0))
    assert sorted(p.unit_id or "" for p in plan.placements.values()) == ["BIG", "SMALL"]


def test_capacity_is_never_exceeded_even_when_every_call_is_closest_to_one_unit() -> None:
    calls = [call(f"C{k}", 0.0, priority=1) for k in range(4)]
    plan = assign_units(calls, [unit("HUB", 0.0, slots=2), unit("FAR", 1.0)], TRAVEL, PLAIN)
    taken = [p.unit_id for p in plan.placements.values()]
    assert taken.count("HUB") == 2
    assert taken.count("FAR") == 1
    assert taken.count(None) == 1


def test_shift_guard_refuses_a_unit_whose_shift_ends_before_the_call_would() -> None:
    # ETA 100 s + 2700 s on scene = 2800 s; shift ends in 3500 s, buffer 900 s: 2800 > 2600.
    options = replace(PLAIN, on_scene_s=2700.0, shift_buffer_s=900.0)
    ending = assign_units([call("C", 0.01)], [unit("U", 0.0, shift_left_s=3500.0)], TRAVEL, options)
    assert ending.placements["C"].unit_id is None
    assert ending.placements["C"].reason == "shift_ends"
    fresh = assign_units([call("C", 0.01)], [unit("U", 0.0, shift_left_s=3700.0)], TRAVEL, options)
    assert fresh.placements["C"].unit_id == "U"


@pytest.mark.parametrize(
    ("demand", "supply", "reason"),
    [
        (call("C", 0.0, agency="EPPD"), unit("U", 0.0), "no_unit_in_jurisdiction"),
        (
            call("C", 0.0, response=Response.CO_RESPONSE_PRIMARY),
            unit("U", 0.0, model=ResponseModel.SECONDARY),
            "no_compatible_unit",
        ),
        (
            call("C", 0.0, safety=frozenset({"weapon_reported"})),
            unit("U", 0.0, model=ResponseModel.SECONDARY),
            "no_compatible_unit",
        ),
        (call("C", 0.0), unit("U", 0.0, slots=0, load=2), "all_at_capacity"),
        (call("C", 0.0), unit("U", 0.0, shift_left_s=600.0), "shift_ends"),
    ],
)
def test_each_queue_reason_names_the_most_fundamental_cause(demand, supply, reason) -> None:  # type: ignore[no-untyped-def]
    plan = assign_units([demand], [supply], TRAVEL, PLAIN)
    assert plan.placements["C"].unit_id is None
    assert plan.placements["C"].reason == reason
    assert plan.placements["C"].queue_position == 1


def test_an_armed_call_is_never_given_a_secondary_unit_even_when_it_is_the_closest() -> None:
    calls = [call("C", 0.0, safety=frozenset({"violence_in_progress"}))]
    units = [unit("SEC", 0.0, model=ResponseModel.SECONDARY), unit("PRI", 0.5)]
    plan = assign_units(calls, units, TRAVEL, PLAIN)
    assert plan.placements["C"].unit_id == "PRI"
    assert plan.placements["C"].alternatives == ()


def test_secondary_preference_is_a_cost_not_a_rule() -> None:
    calls = [call("C", 0.0, priority=5, response=Response.CO_RESPONSE_SECONDARY)]
    # Mismatch 600 s: PRI 100 s + 600 > SEC 500 s, so SEC; PRI 100 s vs SEC 800 s, so PRI.
    near = [unit("PRI", 0.01), unit("SEC", 0.05, model=ResponseModel.SECONDARY)]
    far = [unit("PRI", 0.01), unit("SEC", 0.08, model=ResponseModel.SECONDARY)]
    assert units_of(assign_units(calls, near, TRAVEL, PLAIN)) == {"C": "SEC"}
    assert units_of(assign_units(calls, far, TRAVEL, PLAIN)) == {"C": "PRI"}


def test_transport_and_skill_needs_prefer_units_that_have_them() -> None:
    needs = call("C", 0.0, priority=5, needs=frozenset({"transport", "juvenile"}))
    units = [unit("PLAIN", 0.01), unit("VAN", 0.1, can_transport=True, skills=frozenset({"juvenile"}))]
    # PLAIN: 100 + 900 (transport) + 300 (juvenile) = 1300 > VAN 1000.
    assert units_of(assign_units([needs], units, TRAVEL, PLAIN)) == {"C": "VAN"}


def test_busy_unit_eta_is_remaining_time_on_scene_plus_travel() -> None:
    plan = assign_units([call("C", 0.02)], [unit("BUSY", 0.0, busy_s=900.0, slots=1, load=1)], TRAVEL, PLAIN)
    assert plan.placements["C"].eta_s == 1100


def test_hysteresis_keeps_a_recommendation_unless_the_move_gains_more_than_the_threshold() -> None:
    options = replace(PLAIN, hysteresis_s=120.0)
    held = call("C", 0.0, priority=5, incumbent="OLD")
    slightly_better = [unit("OLD", 0.06), unit("NEW", 0.055)]  # gains 50 s < 120 s
    much_better = [unit("OLD", 0.06), unit("NEW", 0.04)]  # gains 200 s > 120 s
    assert units_of(assign_units([held], slightly_better, TRAVEL, options)) == {"C": "OLD"}
    assert units_of(assign_units([held], much_better, TRAVEL, options)) == {"C": "NEW"}
    # Without an incumbent the closer unit wins at once.
    assert units_of(assign_units([replace(held, incumbent_unit=None)], slightly_better, TRAVEL, options)) == {
        "C": "NEW"
    }


def test_alternatives_list_the_next_best_eligible_units_with_their_etas() -> None:
    units = [
        unit("A", 0.01),
        unit("B", 0.02),
        unit("C", 0.03),
        unit("SEC", 0.0, model=ResponseModel.SECONDARY),
    ]
    demand = call("X", 0.0, response=Response.CO_RESPONSE_PRIMARY)
    plan = assign_units([demand], units, TRAVEL, replace(PLAIN, alternatives=2))
    assert plan.placements["X"].unit_id == "A"
    assert plan.placements["X"].alternatives == (("B", 200), ("C", 300))


def test_ties_go_to_the_smaller_unit_id_whatever_the_input_order() -> None:
    units = [unit("U3", 0.01), unit("U1", 0.01), unit("U2", 0.01)]
    for order in (units, units[::-1]):
        assert units_of(assign_units([call("C", 0.0)], order, TRAVEL, PLAIN)) == {"C": "U1"}


def test_pruning_never_queues_a_call_while_an_eligible_unit_has_a_free_slot() -> None:
    # With one arc per call both calls' only arc is NEAR; the repair adds FAR for the loser.
    calls = [call("URGENT", 0.0, priority=1), call("OTHER", 0.001, priority=3)]
    units = [unit("NEAR", 0.0), unit("FAR", 0.5)]
    plan = assign_units(calls, units, TRAVEL, replace(PLAIN, k_nearest=1))
    assert units_of(plan) == {"URGENT": "NEAR", "OTHER": "FAR"}
    assert plan.method is AssignmentMethod.MIN_COST_FLOW


def test_pruned_arcs_are_priced_so_the_plan_is_still_proven_optimal() -> None:
    # With one arc per call both calls only see U1; pricing with the duals brings U2 back in.
    calls = [call("C1", 0.05, priority=1), call("C2", -0.05, priority=2)]
    units = [unit("U1", 0.0), unit("U2", 0.11)]
    plan = assign_units(calls, units, TRAVEL, replace(PLAIN, k_nearest=1))
    assert units_of(plan) == {"C1": "U2", "C2": "U1"}
    assert plan.optimal


def test_optimal_is_not_claimed_when_the_budget_stops_pricing_yet_no_call_waits_next_to_a_free_unit() -> None:
    # Two arcs fit the budget (0.005 ms x 450 arcs/ms): pricing cannot run, so the plan is unproven;
    # the idle-unit repair still gives C2 the free U2 rather than queuing it.
    calls = [call("C1", 0.05, priority=1), call("C2", -0.05, priority=2)]
    units = [unit("U1", 0.0), unit("U2", 0.11)]
    plan = assign_units(calls, units, TRAVEL, replace(PLAIN, k_nearest=1, solver_budget_ms=0.005))
    assert plan.method is AssignmentMethod.MIN_COST_FLOW
    assert not plan.optimal
    assert units_of(plan) == {"C1": "U1", "C2": "U2"}


def test_pricing_off_is_a_single_unproven_solve() -> None:
    calls = [call("C1", 0.05, priority=1), call("C2", -0.05, priority=2)]
    units = [unit("U1", 0.0), unit("U2", 0.11)]
    plan = assign_units(calls, units, TRAVEL, replace(PLAIN, k_nearest=1, pricing_rounds=0))
    assert not plan.optimal
    assert all(p.unit_id is not None for p in plan.placements.values())


def test_a_single_call_among_unpruned_units_is_optimal() -> None:
    units = [unit("A", 0.01), unit("B", 0.02), unit("C", 0.03)]
    assert assign_units([call("C", 0.0)], units, TRAVEL, replace(PLAIN, k_nearest=0)).optimal


def test_costs_beyond_the_solver_integer_range_fall_back_to_greedy_and_say_so() -> None:
    calls = [call("C1", 0.05, priority=1), call("C2", -0.05, priority=2)]
    units = [unit("U1", 0.0), unit("U2", 0.11)]
    plan = assign_units(calls, units, TRAVEL, replace(PLAIN, caseload_s=1e18))
    assert plan.method is AssignmentMethod.GREEDY_FALLBACK
    assert not plan.optimal
    assert plan.fallback_reason == "cost_out_of_range"
    assert units_of(plan) == {"C1": "U1", "C2": "U2"}  # greedy's answer, not no answer


def test_a_problem_over_the_size_budget_is_planned_greedily_and_flagged() -> None:
    calls = [call(f"C{k}", k * 0.01) for k in range(5)]
    units = [unit(f"U{k}", k * 0.01) for k in range(5)]
    plan = assign_units(calls, units, TRAVEL, replace(PLAIN, solver_budget_ms=0.001))
    assert plan.method is AssignmentMethod.GREEDY_FALLBACK
    assert plan.fallback_reason == "over_size_budget"
    assert all(p.unit_id is not None for p in plan.placements.values())


def test_no_calls_is_an_empty_optimal_plan() -> None:
    plan = assign_units([], [unit("U", 0.0)], TRAVEL, PLAIN)
    assert plan.placements == {}
    assert plan.optimal


def test_calls_without_units_are_queued_for_lack_of_a_unit_in_jurisdiction() -> None:
    plan = assign_units([call("B", 0.0), call("A", 0.0, priority=2)], [], TRAVEL, PLAIN)
    assert {p.reason for p in plan.placements.values()} == {"no_unit_in_jurisdiction"}
    assert plan.placements["B"].queue_position == 1
    assert plan.placements["A"].queue_position == 2
