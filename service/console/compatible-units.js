// The units a dispatcher may choose for an override of one call, best first: pure.
//
// Compatible: same region, serves the call's agency (jurisdictions), on shift now, and not
// out_of_service, off_duty or transporting; a call whose response is co_response_primary or whose
// safety holds an armed gate takes primary units only. Ranked by the service's ETA where it gave
// one (the decision's recommendation and alternatives), then by straight-line distance.

import { ARMED_GATES } from "./queue-order.js";

const UNAVAILABLE = new Set(["out_of_service", "off_duty", "transporting"]);

export function needsPrimary(decision) {
  return (
    decision.triage.response === "co_response_primary" ||
    decision.triage.safety.some((code) => ARMED_GATES.has(code))
  );
}

/** Great-circle distance in km. */
export function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function compatibleUnits(decision, units, nowMs) {
  const call = decision.call;
  const primaryOnly = needsPrimary(decision);
  const etas = new Map(decision.alternatives.map((alt) => [alt.unit_id, alt.eta_s]));
  if (decision.assignment.unit_id && decision.assignment.eta_s != null) {
    etas.set(decision.assignment.unit_id, decision.assignment.eta_s);
  }
  const candidates = [];
  for (const unit of units) {
    if (unit.region !== decision.region) continue;
    if (call && !unit.jurisdictions.includes(call.agency)) continue;
    if (UNAVAILABLE.has(unit.status)) continue;
    if (!(Date.parse(unit.shift.start) <= nowMs && nowMs < Date.parse(unit.shift.end))) continue;
    if (primaryOnly && unit.model !== "primary") continue;
    candidates.push({
      unit,
      etaS: etas.get(unit.unit_id) ?? null,
      km: call ? distanceKm(call.location, unit.location) : null,
      full: unit.active_calls.length >= unit.capacity,
      recommended: unit.unit_id === decision.assignment.unit_id,
    });
  }
  const rank = (c) => [c.etaS === null ? 1 : 0, c.etaS ?? c.km ?? Infinity, c.unit.unit_id];
  return candidates.sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    for (let i = 0; i < x.length; i += 1) {
      if (x[i] < y[i]) return -1;
      if (x[i] > y[i]) return 1;
    }
    return 0;
  });
}
