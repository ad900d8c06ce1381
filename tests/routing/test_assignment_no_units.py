"""A plan with no unit to offer takes a shortcut; it must say exactly what the solve would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.assignment import assign_units, plan_candidates
from routing.candidates import build_candidates
from routing.plan import AssignmentOptions, CallDemand
from routing.travel import HaversineTravel
from schemas.decisions import Response

demands = st.builds(
    CallDemand,
    call_id=st.text("ABC123", min_size=1, max_size=4),
    agency=st.sampled_from(["LPD", "LCSO"]),
    lat=st.floats(40.0, 41.0),
    lon=st.floats(-106.0, -105.0),
    priority=st.integers(1, 5),
    score=st.floats(0.0, 1.0),
    response=st.sampled_from([Response.CO_RESPONSE_ANY, Response.CO_RESPONSE_PRIMARY]),
    waiting_s=st.sampled_from([0.0, 30.0, 90.0]),
)


@settings(max_examples=100, deadline=None)
@given(calls=st.lists(demands, max_size=8, unique_by=lambda c: c.call_id))
def test_no_units_plans_like_the_solver(calls: list[CallDemand]) -> None:
    options, travel = AssignmentOptions(), HaversineTravel()
    solved = plan_candidates(build_candidates(calls, [], travel, options), options)
    assert assign_units(calls, [], travel, options) == solved
