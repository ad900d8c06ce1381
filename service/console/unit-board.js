// The unit board: every co-responder team with status (text and colour), model, transport, load
// over capacity, shift time left and a stale-location flag; counts by state and two filters.
//
// Rows are keyed by unit id and updated in place when GET /units is read again.

import { UNIT_STATUS_TEXT } from "./call-text.js";
import { formatDuration } from "./timers.js";

const BUSY = new Set(["dispatched", "en_route", "on_scene", "transporting"]);

export function unitState(unit) {
  if (unit.status === "available") return "available";
  return BUSY.has(unit.status) ? "busy" : "unavailable";
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

export class UnitBoard {
  constructor({ body, counts, statusFilter, modelFilter, staleAfterS }) {
    this.body = body;
    this.counts = counts;
    this.statusFilter = statusFilter;
    this.modelFilter = modelFilter;
    this.staleAfterS = staleAfterS;
    this.units = [];
    this.rows = new Map();
    statusFilter.addEventListener("change", () => this.applyFilters());
    modelFilter.addEventListener("change", () => this.applyFilters());
  }

  update(units, nowMs) {
    this.units = units;
    const seen = new Set();
    units.forEach((unit, index) => {
      seen.add(unit.unit_id);
      let row = this.rows.get(unit.unit_id);
      if (!row) {
        row = document.createElement("tr");
        row.dataset.unitId = unit.unit_id;
        this.rows.set(unit.unit_id, row);
      }
      this.fill(row, unit, nowMs);
      if (this.body.children[index] !== row) this.body.insertBefore(row, this.body.children[index] ?? null);
    });
    for (const [unitId, row] of this.rows) {
      if (!seen.has(unitId)) {
        row.remove();
        this.rows.delete(unitId);
      }
    }
    this.applyFilters();
  }

  tick(nowMs) {
    for (const unit of this.units) {
      const row = this.rows.get(unit.unit_id);
      if (row) this.fill(row, unit, nowMs);
    }
  }

  fill(row, unit, nowMs) {
    const state = unitState(unit);
    row.dataset.state = state;
    row.dataset.model = unit.model;
    const staleS = (nowMs - Date.parse(unit.location_at)) / 1000;
    const stale = staleS > this.staleAfterS;
    const leftS = (Date.parse(unit.shift.end) - nowMs) / 1000;
    const status = cell(UNIT_STATUS_TEXT[unit.status] ?? unit.status, "status");
    status.dataset.status = state;
    if (unit.call_id) {
      const onCall = document.createElement("span");
      onCall.className = "on-call";
      onCall.textContent = unit.call_id;
      status.append(onCall);
    }
    const cells = [
      cell(unit.unit_id, "unit-id"),
      status,
      cell(unit.model === "primary" ? "Primary" : "Secondary"),
      cell(unit.can_transport ? "Yes" : "No"),
      cell(`${unit.active_calls.length}/${unit.capacity}`, unit.active_calls.length >= unit.capacity ? "full" : ""),
      cell(formatDuration(leftS), leftS < 3600 ? "shift-ending" : ""),
      cell(stale ? `⚠ stale ${Math.floor(staleS / 60)} min` : "fresh", stale ? "stale" : ""),
    ];
    const signature = cells.map((c) => c.textContent + c.className).join("|");
    if (row.dataset.signature !== signature) {
      row.dataset.signature = signature;
      row.replaceChildren(...cells);
    }
  }

  applyFilters() {
    const status = this.statusFilter.value;
    const model = this.modelFilter.value;
    const tally = { available: 0, busy: 0, unavailable: 0 };
    let shown = 0;
    for (const unit of this.units) {
      const state = unitState(unit);
      tally[state] += 1;
      const visible = (status === "all" || status === state) && (model === "all" || model === unit.model);
      const row = this.rows.get(unit.unit_id);
      if (row) row.hidden = !visible;
      if (visible) shown += 1;
    }
    this.counts.textContent =
      `${this.units.length} units: ${tally.available} available, ${tally.busy} busy, ` +
      `${tally.unavailable} unavailable` +
      (shown === this.units.length ? "" : ` (${shown} shown)`);
  }
}
