// What a dispatcher reads for the service's codes: response tiers, safety codes, queue reasons,
// reason codes, unit statuses. Unknown codes are shown humanized, never hidden.

export const RESPONSE_TEXT = {
  co_response_primary: "Primary co-response",
  co_response_secondary: "Secondary co-response",
  co_response_any: "Co-response, any model",
  police_only: "Police only",
  not_behavioral: "Not behavioral",
};

export const SAFETY_TEXT = {
  weapon_reported: "Weapon reported",
  violence_in_progress: "Violence in progress",
  threat_to_others: "Threat to others",
  weapon_unknown: "Weapon unknown",
  aggression: "Aggression",
  barricade: "Barricade",
  medical_emergency: "Medical emergency",
};

export const QUEUE_REASON_TEXT = {
  no_unit_in_jurisdiction: "no team serves this agency",
  no_unit_on_duty: "no team on duty",
  no_compatible_unit: "no compatible team (model or safety gate)",
  all_at_capacity: "no team free: all at capacity",
  shift_ends: "no team free: shifts end too soon",
  eligible_units_taken_by_more_urgent_calls: "no team free: taken by more urgent calls",
  eligible_units_better_used_elsewhere: "no team free: teams better used elsewhere",
  eligible_units_too_far: "nearest free team too far",
  search_stopped_at_budget: "planner stopped at its size budget",
  not_planned: "not planned yet",
  declined_by_dispatcher: "co-response declined by dispatcher",
  not_behavioral: "not behavioral",
  police_only: "police only (safety gate)",
  call_closed: "call closed",
};

export const UNIT_STATUS_TEXT = {
  available: "Available",
  dispatched: "Dispatched",
  en_route: "En route",
  on_scene: "On scene",
  transporting: "Transporting",
  out_of_service: "Out of service",
  off_duty: "Off duty",
};

export function humanize(code) {
  const words = String(code).replaceAll("_", " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function reasonText(code) {
  if (code === "WITHHELD_42CFR2") return "Withheld (42 CFR Part 2)";
  if (code.startsWith("NATURE_")) return `Nature: ${humanize(code.slice(7)).toLowerCase()}`;
  return humanize(code);
}

export function queueReasonText(reason) {
  if (!reason) return "no reason given";
  return QUEUE_REASON_TEXT[reason] ?? humanize(reason).toLowerCase();
}

export function etaText(seconds) {
  if (seconds == null) return "ETA unknown";
  return seconds < 60 ? `ETA ${seconds} s` : `ETA ${Math.round(seconds / 60)} min`;
}
