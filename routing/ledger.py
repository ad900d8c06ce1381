"""The unserved-call ledger: how each call eligible for co-response ended, decided from the region state.

A call is eligible once triage asks for a co-responder (`CallState.eligible_since`, set by the epoch
and never moved back). Every eligible call ends as exactly one `schemas.ledger.LedgerEntry`, and the
entry is final when the call closes: it is written by the epoch that applies the close, beside the
call's closed decision, into `state.journal.ledger` (persisted with the state by `routing.snapshot`,
so a restart neither loses nor writes it twice: a close applied again to a restored state is stale).
An eligible call still open has no entry yet.

Outcome, first rule that holds:
1. **served**: a unit was tied to the call (CAD status dispatched/en route/on scene/transporting, or
   a dispatcher accept or override) and either reached the scene or still held the call when it
   closed (`CallState.assigned_unit`). A unit that left before reaching the scene does not count.
   Minutes to assignment and to scene are counted from `eligible_since` (0 when the CAD dispatched
   before triage asked); minutes to scene only when the CAD reported the arrival.
2. **declined**: the dispatcher's latest ack declined co-response (`ack_reason` is kept).
3. **no_compatible_team**: triage withdrew the request before the close (a safety gate made the call
   police-only, or the score fell): no team may take it. `response` says which.
4. the reason of the **last plan that queued the call** (`CallState.unserved_reason`, set by
   `note_queue_reasons` each epoch from the planner's queue reason, `routing.plan.QUEUE_REASONS`):
   - `no_unit_in_jurisdiction` -> `out_of_jurisdiction` (`no_team_on_shift` when the region has no
     team at all);
   - `eligible_units_too_far` -> `out_of_jurisdiction` (out of reach: no free team worth the drive);
   - `no_unit_on_duty` -> `no_team_on_shift`, or `all_teams_busy` when a team serving the agency is
     on shift but out of service or transporting;
   - `shift_ends` -> `no_team_on_shift` (the teams on shift end it before the call would be done);
   - `no_compatible_unit` -> `no_compatible_team` (e.g. an armed call with only secondary teams);
   - `all_at_capacity`, `eligible_units_taken_by_more_urgent_calls`,
     `eligible_units_better_used_elsewhere`, `search_stopped_at_budget` -> `all_teams_busy`.
   The last plan, not the worst or the longest: it is what stood between the call and a team when
   the call closed (a call queued overnight with no team on shift and still waiting at 07:00 behind
   busier calls ends as `all_teams_busy`).
5. **closed_while_queued**: the call closed while its last plan recommended a team that nobody
   dispatched, or before it was ever planned (created and closed in one batch).

An unserved entry names the team that would have gone had it been free: the planner's cheapest
compatible team over the whole roster with every team idle, in service and on shift, from where it
was at the close (same travel model, jurisdictions, safety gates and preferences as the planner).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Final

import numpy as np

from routing.candidates import build_candidates
from routing.plan import QUEUE_REASONS, AssignmentOptions, CallDemand, UnitSupply
from routing.region import CallState, UnitState
from routing.travel import TravelModel
from schemas.ledger import LedgerEntry, LedgerOutcome, UnservedReason, WouldHaveGone
from schemas.units import UnitStatus

__all__ = ["LEDGER_REASON", "ledger_entries", "note_queue_reasons", "unserved_reason"]

LEDGER_REASON: Final[Mapping[str, UnservedReason]] = {
    "no_unit_in_jurisdiction": UnservedReason.OUT_OF_JURISDICTION,
    "no_unit_on_duty": UnservedReason.NO_TEAM_ON_SHIFT,
    "no_compatible_unit": UnservedReason.NO_COMPATIBLE_TEAM,
    "all_at_capacity": UnservedReason.ALL_TEAMS_BUSY,
    "shift_ends": UnservedReason.NO_TEAM_ON_SHIFT,
    "eligible_units_taken_by_more_urgent_calls": UnservedReason.ALL_TEAMS_BUSY,
    "eligible_units_better_used_elsewhere": UnservedReason.ALL_TEAMS_BUSY,
    "eligible_units_too_far": UnservedReason.OUT_OF_JURISDICTION,
    "search_stopped_at_budget": UnservedReason.ALL_TEAMS_BUSY,
}
"""Planner queue reason -> ledger reason (before the on-shift-but-busy refinement)."""
assert set(LEDGER_REASON) == set(QUEUE_REASONS), "every queue reason maps to one ledger reason"


def unserved_reason(queue_reason: str, agency: str, units: Collection[UnitState], now: datetime) -> str:
    """The ledger reason of a plan that queued a call of `agency` for `queue_reason`, given the
    region's `units`: with no unit on duty, one serving the agency that is on shift and not off duty
    (out of service, transporting) makes the teams busy rather than absent."""
    if queue_reason == "no_unit_in_jurisdiction" and not units:
        return UnservedReason.NO_TEAM_ON_SHIFT.value
    if queue_reason == "no_unit_on_duty" and any(
        agency in unit.jurisdictions
        and unit.status is not UnitStatus.OFF_DUTY
        and unit.shift_start <= now < unit.shift_end
        for unit in units
    ):
        return UnservedReason.ALL_TEAMS_BUSY.value
    return LEDGER_REASON[queue_reason].value


def note_queue_reasons(
    pending: Iterable[CallState], units: Collection[UnitState], now: datetime
) -> list[str]:
    """After a plan: remember, for each call it covered, the ledger reason it would close with.

    Returns the ids of calls whose reason changed (state to persist, even without a new decision).
    """
    changed = []
    for call in pending:
        placement = call.placement
        reason = None
        if placement is not None and placement.unit_id is None and placement.reason is not None:
            reason = unserved_reason(placement.reason, call.agency, units, now)
        if reason != call.unserved_reason:
            call.unserved_reason = reason
            changed.append(call.call_id)
    return changed


def ledger_entries(
    region: str,
    closed: Sequence[CallState],
    units: Mapping[str, UnitState],
    travel: TravelModel,
    options: AssignmentOptions,
) -> list[LedgerEntry]:
    """The entries of calls that closed in this epoch: one per call that was ever eligible."""
    eligible = [c for c in closed if c.eligible_since is not None and c.triage is not None]
    unserved = [c for c in eligible if c.assigned_unit is None or c.assigned_at is None]
    would = _would_have_gone(unserved, units, travel, options)
    return [_entry(region, call, units, would.get(call.call_id)) for call in eligible]


def _minutes(start: datetime, end: datetime) -> float:
    return round(max(0.0, (end - start).total_seconds()) / 60.0, 2)


def _entry(
    region: str, call: CallState, units: Mapping[str, UnitState], would: WouldHaveGone | None
) -> LedgerEntry:
    triage, eligible_at = call.triage, call.eligible_since
    assert triage is not None
    assert eligible_at is not None
    assigned_at, arrived_at = call.assigned_at, call.arrived_at
    served = call.assigned_unit is not None and assigned_at is not None
    unit = units.get(call.assigned_unit) if call.assigned_unit is not None else None
    return LedgerEntry(
        call_id=call.call_id,
        region=region,
        agency=call.agency,
        nature_code=call.nature_code,
        priority=call.priority,
        response=triage.response,
        received_at=call.opened_at,
        eligible_at=eligible_at,
        closed_at=call.closed_at or eligible_at,
        disposition=call.disposition,
        outcome=LedgerOutcome.SERVED if served else LedgerOutcome.UNSERVED,
        unit_id=call.assigned_unit if served else None,
        model=unit.model if served and unit is not None else None,
        assigned_at=assigned_at if served else None,
        on_scene_at=arrived_at if served else None,
        minutes_to_assignment=_minutes(eligible_at, assigned_at) if served and assigned_at else None,
        minutes_to_scene=_minutes(eligible_at, arrived_at) if served and arrived_at else None,
        reason=None if served else _reason(call),
        declined_reason=call.ack_reason if not served and call.declined else None,
        would_have_gone=None if served else would,
    )


def _reason(call: CallState) -> UnservedReason:
    """The one reason of an unserved call (rules 2 to 5 of the module docstring)."""
    assert call.triage is not None
    if call.declined:
        return UnservedReason.DECLINED
    if not call.triage.response.wants_co_responder:
        return UnservedReason.NO_COMPATIBLE_TEAM
    if call.unserved_reason is not None:
        return UnservedReason(call.unserved_reason)
    return UnservedReason.CLOSED_WHILE_QUEUED


def _would_have_gone(
    calls: Sequence[CallState],
    units: Mapping[str, UnitState],
    travel: TravelModel,
    options: AssignmentOptions,
) -> dict[str, WouldHaveGone]:
    """Each call's cheapest compatible unit with every unit idle, in service and on shift."""
    if not calls or not units:
        return {}
    demands = []
    for call in calls:
        triage = call.triage
        assert triage is not None
        demands.append(
            CallDemand(
                call_id=call.call_id,
                agency=call.agency,
                lat=call.lat,
                lon=call.lon,
                priority=call.priority,
                score=triage.score,
                response=triage.response,
                safety=frozenset(triage.safety),
                needs=triage.needs,
            )
        )
    supplies = [
        UnitSupply(
            unit_id=u.unit_id,
            agency=u.agency,
            model=u.model,
            jurisdictions=u.jurisdictions,
            lat=u.lat,
            lon=u.lon,
            free_slots=1,
            can_transport=u.can_transport,
            skills=u.skills,
        )
        for u in units.values()
    ]
    cand = build_candidates(demands, supplies, travel, options)
    best = np.argmin(cand.cost_s, axis=1)
    found: dict[str, WouldHaveGone] = {}
    for j, (demand, i) in enumerate(zip(cand.calls, best.tolist(), strict=True)):
        if np.isfinite(cand.cost_s[j, i]):
            eta = max(0, round(float(cand.eta_s[j, i])))
            found[demand.call_id] = WouldHaveGone(unit_id=cand.units[i].unit_id, eta_s=eta)
    return found
