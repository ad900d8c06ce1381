"""What an assignment planner sees and returns: calls that want a unit, units that offer slots, the
options that price them, and the plan (one placement per call).

Plain frozen data, no behaviour beyond the call weight, so `candidates`, `greedy` and `assignment`
share one vocabulary and the region state can hold a `Placement` without importing a solver.

Queue reasons (`Placement.reason` of a queued call), most fundamental first:
- `no_unit_in_jurisdiction`: no routable unit serves the call's agency;
- `no_unit_on_duty`: units serve the agency, but none is on shift and in service (set by the epoch,
  which alone sees units the planner is not offered);
- `no_compatible_unit`: units serve the agency but none fits the response model or safety gate;
- `all_at_capacity`: compatible units exist but every one already holds `capacity` calls;
- `shift_ends`: compatible units with a free slot exist, but ETA + time on scene would run past
  each one's shift end minus the buffer;
- `eligible_units_taken_by_more_urgent_calls`: every eligible unit is fully used by this plan, and
  each call holding one ranks at or above this one in the queue order;
- `eligible_units_better_used_elsewhere`: every eligible unit is fully used, but by at least one
  less urgent call, because the plan is cheaper overall that way (e.g. it is that call's only unit);
- `eligible_units_too_far`: an eligible unit has a free slot, but the drive costs more than leaving
  the call queued (`AssignmentOptions.unplaced_s`);
- `search_stopped_at_budget`: an eligible unit has a free slot, but the optimizer reached its size
  budget before it could prove where the call belongs (the plan says `optimal: false`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Final

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass as pydantic_dataclass

from schemas.decisions import AssignmentMethod, Response
from schemas.units import ResponseModel

__all__ = [
    "QUEUE_REASONS",
    "SKILL_NEEDS",
    "AssignmentOptions",
    "AssignmentPlan",
    "CallDemand",
    "Placement",
    "UnitSupply",
    "call_weight",
]

TRANSPORT_NEED: Final = "transport"
SKILL_NEEDS: Final = frozenset({"juvenile", "ems"})
"""Triage needs matched against `UnitSupply.skills` (a preference, priced by `missing_skill_s`)."""

QUEUE_REASONS: Final = (
    "no_unit_in_jurisdiction",
    "no_unit_on_duty",
    "no_compatible_unit",
    "all_at_capacity",
    "shift_ends",
    "eligible_units_taken_by_more_urgent_calls",
    "eligible_units_better_used_elsewhere",
    "eligible_units_too_far",
    "search_stopped_at_budget",
)


@dataclass(frozen=True, slots=True)
class CallDemand:
    """A call that wants a co-responder and has no dispatched unit yet."""

    call_id: str
    agency: str
    lat: float
    lon: float
    priority: int
    score: float
    response: Response
    safety: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    incumbent_unit: str | None = None
    """The unit recommended last time, if any: moving away from it must gain more than the hysteresis."""
    waiting_s: float = 0.0


@dataclass(frozen=True, slots=True)
class UnitSupply:
    """A unit on shift that may still take calls."""

    unit_id: str
    agency: str
    model: ResponseModel
    jurisdictions: frozenset[str]
    lat: float
    lon: float
    """Where the unit will leave from: its position, or the scene it is driving to when busy."""
    free_slots: int
    can_transport: bool = False
    skills: frozenset[str] = frozenset()
    available_in_s: float = 0.0
    """Seconds before the unit can leave what it is doing (0 when idle)."""
    shift_left_s: float = float("inf")
    """Seconds until the end of the unit's shift."""
    load: int = 0
    """Calls the unit already holds (dispatched, fixed); the caseload cost rises with it."""


Seconds = Annotated[float, Field(ge=0, allow_inf_nan=False)]


@pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
class AssignmentOptions:
    """How the planner prices and limits a plan. Seconds are seconds of a weight-1 call's ETA.

    The one home of these defaults and their valid ranges: the service's settings hold an instance
    (`CORESPOND_ASSIGNMENT__ON_SCENE_S=1800`, or `CORESPOND_ASSIGNMENT='{"on_scene_s": 1800}'`).
    """

    on_scene_s: Annotated[float, Field(gt=0, le=86_400)] = 2700.0
    """Expected time on scene, for busy units' availability and the shift guard."""
    shift_buffer_s: Seconds = 900.0
    """No assignment whose ETA + time on scene ends later than this before the unit's shift end."""
    hysteresis_s: Seconds = 120.0
    """A recommendation moves to another unit only if that gains more than this many of its seconds."""
    min_busy_s: Seconds = 300.0
    """A unit tied to a call is busy at least this long more, however long it has been on scene."""
    alternatives: Annotated[int, Field(ge=0, le=100)] = 2
    """Runner-up units listed with a recommendation."""
    unplaced_s: Annotated[float, Field(gt=0, le=1_000_000)] = 86_400.0
    """Leaving a call unplaced costs a day's drive at the call's weight: urgent calls are placed first."""
    model_mismatch_s: Seconds = 600.0
    """A primary unit sent where a secondary response was preferred."""
    no_transport_s: Seconds = 900.0
    """A unit that cannot transport sent to a call that needs transport (a patrol car must follow)."""
    missing_skill_s: Seconds = 300.0
    """Per skill need (`juvenile`, `ems`) the unit lacks."""
    caseload_s: Seconds = 600.0
    """Marginal cost of each call a unit already holds: the k-th extra concurrent call costs k x this."""
    k_nearest: Annotated[int, Field(ge=0)] = 12
    """Arcs kept per call: its k cheapest eligible units (plus its incumbent). 0 keeps every arc."""
    solver_budget_ms: Annotated[float, Field(gt=0, le=10_000)] = 50.0
    """Time budget of one min-cost-flow solve, enforced by size: see `routing.assignment`."""
    pricing_rounds: Annotated[int, Field(ge=0, le=100)] = 8
    """Re-solves allowed to bring pruned arcs back and prove the plan optimal; 0 = one pruned solve."""

    def __post_init__(self) -> None:
        if self.shift_buffer_s + self.on_scene_s >= 36 * 3600:
            raise ValueError(
                "shift_buffer_s + on_scene_s must be under 36 hours (the longest shift): "
                "otherwise no unit could ever be assigned"
            )


@dataclass(frozen=True, slots=True)
class Placement:
    call_id: str
    unit_id: str | None
    eta_s: int | None
    model: ResponseModel | None
    alternatives: tuple[tuple[str, int], ...]
    queue_position: int | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    placements: dict[str, Placement]
    method: AssignmentMethod
    optimal: bool
    """True only when the plan is proven optimal for the whole (unpruned) problem."""
    fallback_reason: str | None = None
    """Why the greedy fallback was used: `solver_status_<name>`, `solver_error`, `over_size_budget`."""
    arcs: int = 0
    """Call-to-unit arcs the solver saw (0 for greedy)."""


def call_weight(priority: int, score: float) -> float:
    """Minutes matter more for urgent, likely crises: priority 1 weighs 5, priority 5 weighs 1."""
    return (6 - priority) * (0.5 + score)
