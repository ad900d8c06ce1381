// Which calls the dispatcher's queue holds, and in which order: pure functions over decisions.
//
// A call belongs in the queue while it is open and triage marks it behavioral (medium band and up)
// or a safety gate holds on a call triage scored at all. Order: gated first, then band (high, medium,
// low), then priority (1 first), then age (received first), then call id so the order is total.

export const SAFETY_GATES = new Set([
  "weapon_reported",
  "violence_in_progress",
  "threat_to_others",
  "weapon_unknown",
  "aggression",
  "barricade",
]);

/** Gates that take primary units only (the officer rides with the clinician). */
export const ARMED_GATES = new Set(["weapon_reported", "violence_in_progress"]);

const BAND_RANK = { high: 0, medium: 1, low: 2, none: 3 };

export function isGated(decision) {
  return decision.triage.safety.some((code) => SAFETY_GATES.has(code));
}

export function belongsInQueue(decision) {
  if (decision.call_status !== "open") return false;
  const band = decision.triage.band;
  if (band === "high" || band === "medium") return true;
  return band !== "none" && isGated(decision);
}

/** A sort key: arrays compared element by element. */
export function orderKey(decision) {
  const call = decision.call;
  const received = call ? Date.parse(call.received_at) : Date.parse(decision.decided_at);
  return [
    isGated(decision) ? 0 : 1,
    BAND_RANK[decision.triage.band] ?? 4,
    call ? call.priority : 9,
    received,
    decision.call_id,
  ];
}

export function compareKeys(a, b) {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] < b[i]) return -1;
    if (a[i] > b[i]) return 1;
  }
  return 0;
}

export function sameKey(a, b) {
  return compareKeys(a, b) === 0;
}

/** Index at which `key` goes in `entries` (sorted by `.key`), after equal keys. */
export function insertionIndex(entries, key) {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareKeys(entries[mid].key, key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
