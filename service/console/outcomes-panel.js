// The outcomes panel: how the calls eligible for co-response ended over a recent period (the
// unserved-call ledger, GET /ledger, and its figures, GET /stats): served share, minutes to
// assignment and to scene, unserved calls by reason, dispositions, and the latest entries.
//
// It reads both routes again shortly after a call closes on the live feed (`soon()`: its entry may
// have been written; at most one read per 1.5 s) and every `refreshS` seconds; rows are keyed by call id and replaced in place,
// so the panel never reloads. Every control is a native button, select or scrollable region, so it
// is reachable and usable from the keyboard; the reason buttons filter the entries (aria-pressed).

import { dispositionText, humanize, LEDGER_REASON_TEXT, ledgerReasonText } from "./call-text.js";

export const PERIODS = [
  { hours: 24, text: "Last 24 hours" },
  { hours: 24 * 7, text: "Last 7 days" },
  { hours: 24 * 30, text: "Last 30 days" },
];
const ROWS = 50;
const SOON_MS = 1500;

export const OUTCOMES_TEMPLATE = `
<div class="outcomes" role="region" aria-labelledby="outcomes-title">
  <div class="panel-head">
    <h2 id="outcomes-title">Outcomes of eligible calls</h2>
    <label>Period <select class="outcomes-period">
      ${PERIODS.map((p) => `<option value="${p.hours}">${p.text}</option>`).join("")}
    </select></label>
    <span class="outcomes-updated"></span>
  </div>
  <p class="outcomes-error" role="alert"></p>
  <dl class="outcomes-figures">
    <div><dt>Eligible</dt><dd class="fig-eligible">—</dd></div>
    <div><dt>Served</dt><dd class="fig-served">—</dd></div>
    <div><dt>To assignment (median / p90)</dt><dd class="fig-assignment">—</dd></div>
    <div><dt>To scene (median / p90)</dt><dd class="fig-scene">—</dd></div>
    <div><dt>Served calls: resolved on scene / hospital / arrest</dt><dd class="fig-dispositions">—</dd></div>
  </dl>
  <div class="outcomes-reasons" role="group" aria-label="Show entries by outcome"></div>
  <div class="table-scroll outcomes-scroll" tabindex="0" role="region" aria-label="Ledger entries, newest first">
    <table class="ledger">
      <caption class="sr-only">Ledger entries of the period, newest first</caption>
      <thead><tr><th scope="col">Call</th><th scope="col">Received</th><th scope="col">Agency</th><th scope="col">Outcome</th><th scope="col">Team</th><th scope="col">To assignment</th><th scope="col">To scene</th><th scope="col">Disposition</th><th scope="col">Would have gone</th></tr></thead>
      <tbody></tbody>
    </table>
    <p class="outcomes-empty">No eligible call closed in this period.</p>
  </div>
</div>`;

function percent(share) {
  return share == null ? "—" : `${Math.round(share * 1000) / 10}%`;
}

function minutes(value) {
  return value == null ? "—" : `${value.toFixed(1)} min`;
}

function pair(figures) {
  if (!figures || figures.median == null) return "—";
  return `${minutes(figures.median)} / ${minutes(figures.p90)}`;
}

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function receivedText(iso) {
  const at = new Date(iso);
  const today = new Date().toDateString() === at.toDateString();
  const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return today ? time : `${at.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
}

export function outcomeText(entry) {
  if (entry.outcome === "served") return "Served";
  const reason = ledgerReasonText(entry.reason);
  return entry.declined_reason ? `${reason}: ${entry.declined_reason}` : reason;
}

export class OutcomesPanel {
  /** @param root the panel's element (OUTCOMES_TEMPLATE); api: an Api; refreshS: seconds between reads */
  constructor(root, { api, refreshS, onUnauthorized }) {
    const $ = (selector) => root.querySelector(selector);
    this.root = root;
    this.api = api;
    this.refreshS = refreshS;
    this.onUnauthorized = onUnauthorized;
    this.ui = {
      period: $(".outcomes-period"),
      updated: $(".outcomes-updated"),
      error: $(".outcomes-error"),
      eligible: $(".fig-eligible"),
      served: $(".fig-served"),
      assignment: $(".fig-assignment"),
      scene: $(".fig-scene"),
      dispositions: $(".fig-dispositions"),
      reasons: $(".outcomes-reasons"),
      body: $(".ledger tbody"),
      empty: $(".outcomes-empty"),
    };
    this.filter = { outcome: null, reason: null };
    this.rows = new Map();
    this.ui.body.replaceChildren();
    this.ui.reasons.replaceChildren();
    this.generation = 0;
    this.timers = [];
    this.onPeriod = () => this.refresh();
    this.ui.period.addEventListener("change", this.onPeriod);
    this.onReason = (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      this.filter = { outcome: button.dataset.outcome || null, reason: button.dataset.reason || null };
      this.markPressed();
      this.refresh();
    };
    this.ui.reasons.addEventListener("click", this.onReason);
  }

  start() {
    this.stop();
    this.stopped = false;
    this.refresh();
    this.timers.push(setInterval(() => this.refresh(), this.refreshS * 1000));
  }

  stop() {
    this.stopped = true;
    this.generation += 1;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    clearTimeout(this.soonTimer);
    this.soonTimer = null;
  }

  dispose() {
    this.stop();
    this.ui.period.removeEventListener("change", this.onPeriod);
    this.ui.reasons.removeEventListener("click", this.onReason);
  }

  /**
   * A call closed: read again shortly (its ledger entry follows its closed decision on the log). At
   * most one read per SOON_MS however many calls close: a busy centre's stream of closes must not
   * keep postponing it, nor multiply it.
   */
  soon() {
    if (this.stopped || this.soonTimer) return;
    this.soonTimer = setTimeout(() => {
      this.soonTimer = null;
      this.refresh();
    }, SOON_MS);
  }

  async refresh() {
    if (this.stopped) return;
    const generation = ++this.generation;
    const hours = Number(this.ui.period.value);
    const from = new Date(Date.now() - hours * 3600 * 1000).toISOString();
    const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    let stats;
    let page;
    try {
      [stats, page] = await Promise.all([
        this.api.stats({ from, tz }),
        this.api.ledger({
          from,
          order: "desc",
          limit: ROWS,
          outcome: this.filter.outcome,
          reason: this.filter.reason,
        }),
      ]);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error.status === 401) {
        this.onUnauthorized(error.detail);
        return;
      }
      this.ui.error.textContent = `Outcomes could not be read (${error.detail}); trying again shortly.`;
      return;
    }
    if (generation !== this.generation) return;
    this.ui.error.textContent = "";
    this.render(stats, page);
    this.ui.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    this.root.dataset.updates = String(Number(this.root.dataset.updates || 0) + 1);
  }

  render(stats, page) {
    this.ui.eligible.textContent = String(stats.eligible);
    this.ui.served.textContent = `${stats.served} (${percent(stats.served_share)})`;
    this.ui.assignment.textContent = pair(stats.minutes_to_assignment);
    this.ui.scene.textContent = pair(stats.minutes_to_scene);
    const served = stats.dispositions.served;
    this.ui.dispositions.textContent = served.calls
      ? `${percent(served.resolved_on_scene_share)} / ${percent(served.hospital_share)} / ${percent(served.arrest_share)}`
      : "—";
    this.renderReasons(stats);
    this.renderRows(page.entries);
  }

  renderReasons(stats) {
    const buttons = [
      { key: "all", text: "All", count: stats.eligible, outcome: "", reason: "" },
      { key: "served", text: "Served", count: stats.served, outcome: "served", reason: "" },
      ...Object.keys(LEDGER_REASON_TEXT).map((reason) => ({
        key: reason,
        text: ledgerReasonText(reason),
        count: stats.unserved_by_reason[reason] ?? 0,
        outcome: "",
        reason,
      })),
    ];
    const existing = new Map([...this.ui.reasons.children].map((b) => [b.dataset.key, b]));
    buttons.forEach((spec, index) => {
      let button = existing.get(spec.key);
      if (!button) {
        button = document.createElement("button");
        button.type = "button";
        button.dataset.key = spec.key;
        button.dataset.outcome = spec.outcome;
        button.dataset.reason = spec.reason;
        this.ui.reasons.insertBefore(button, this.ui.reasons.children[index] ?? null);
      }
      const label = `${spec.text} ${spec.count}`;
      if (button.textContent !== label) button.textContent = label;
    });
    this.markPressed();
  }

  markPressed() {
    for (const button of this.ui.reasons.children) {
      const pressed =
        (button.dataset.outcome || null) === this.filter.outcome &&
        (button.dataset.reason || null) === this.filter.reason;
      button.setAttribute("aria-pressed", String(pressed));
    }
  }

  renderRows(entries) {
    const seen = new Set();
    entries.forEach((entry, index) => {
      seen.add(entry.call_id);
      let row = this.rows.get(entry.call_id);
      if (!row) {
        row = document.createElement("tr");
        row.dataset.callId = entry.call_id;
        this.rows.set(entry.call_id, row);
      }
      this.fill(row, entry);
      if (this.ui.body.children[index] !== row) this.ui.body.insertBefore(row, this.ui.body.children[index] ?? null);
    });
    for (const [callId, row] of this.rows) {
      if (!seen.has(callId)) {
        row.remove();
        this.rows.delete(callId);
      }
    }
    this.ui.empty.hidden = entries.length > 0;
  }

  fill(row, entry) {
    const would = entry.would_have_gone;
    row.dataset.outcome = entry.outcome;
    row.dataset.reason = entry.reason ?? "";
    row.replaceChildren(
      cell(entry.call_id, "call"),
      cell(receivedText(entry.received_at)),
      cell(entry.agency),
      cell(outcomeText(entry), "outcome-cell"),
      cell(entry.unit_id ? `${entry.unit_id} (${humanize(entry.model ?? "")})` : "—"),
      cell(minutes(entry.minutes_to_assignment)),
      cell(minutes(entry.minutes_to_scene)),
      cell(dispositionText(entry.disposition)),
      cell(would ? `${would.unit_id}, ${Math.round(would.eta_s / 60)} min away` : "—"),
    );
  }
}
