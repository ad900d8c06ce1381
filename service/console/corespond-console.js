// <corespond-console>: the dispatcher console as a custom element any CAD web client can embed.
//
//   <script type="module" src="https://corespond.example/console/static/corespond-console.js"></script>
//   <corespond-console api-base="https://corespond.example"></corespond-console>
//   element.token = "<bearer token>";   // a property, never an attribute: it stays out of the DOM
//
// Attributes: api-base (default: this page's origin), ws-url (default: api-base's /ws/decisions),
// region (one region's calls and units only; default: every region),
// received-thresholds and queue-thresholds (JSON seconds by priority: {"1": [warn, danger]}),
// tile-url and tile-attribution (a Leaflet basemap; default: plain SVG, offline), stale-location-s
// (default 300), units-refresh-s (default 10), perf-probe (records frame timings for the benchmark).
// Events (bubbling, composed): corespond:select {callId, decision}; corespond:ack {callId, action,
// unitId, reason, outcome: "recorded"|"refused"|"cancelled", receipt?, error?};
// corespond:ready {mayAck} once the token is accepted; corespond:unauthorized {detail} when it is
// refused. Theming: CSS custom properties --cc-*
// (see corespond-console.css).
//
// This module wires the parts; each part owns one idea: api.js (REST), live-feed.js (WebSocket),
// queue-order.js and queue-view.js (the queue), unit-board.js, map-view.js / map-leaflet.js,
// ack-dialog.js, announcer.js, timers.js, compatible-units.js, call-text.js.

import { AckDialog } from "./ack-dialog.js";
import { Announcer } from "./announcer.js";
import { Api } from "./api.js";
import { compatibleUnits } from "./compatible-units.js";
import { LiveFeed } from "./live-feed.js";
import { createTileMap, LEAFLET_CSS } from "./map-leaflet.js";
import { SvgMap } from "./map-view.js";
import { belongsInQueue, isGated } from "./queue-order.js";
import { QueueView } from "./queue-view.js";
import { DEFAULT_QUEUE_THRESHOLDS, DEFAULT_RECEIVED_THRESHOLDS, parseThresholds } from "./timers.js";
import { UnitBoard } from "./unit-board.js";

const STYLESHEET = new URL("./corespond-console.css", import.meta.url).href;
const CLOSED_MEMORY = 20000;
const PERF_SLOTS = 1 << 16;

const TEMPLATE = `
<link rel="stylesheet" href="${STYLESHEET}">
<div class="console" part="console">
  <header class="bar">
    <span class="title">Co-responder dispatch</span>
    <span class="conn" role="status" data-state="connecting"><span aria-hidden="true" class="dot"></span><span class="conn-text">Connecting…</span></span>
    <span class="role-badge" hidden></span>
    <span class="counts"></span>
    <button type="button" class="help-toggle" aria-expanded="false" aria-controls="help">Keys ?</button>
  </header>
  <section id="help" class="help" hidden aria-label="Keyboard shortcuts">
    <ul>
      <li><kbd>↑</kbd>/<kbd>↓</kbd> or <kbd>k</kbd>/<kbd>j</kbd> move the cursor</li>
      <li class="act"><kbd>Enter</kbd> or <kbd>a</kbd> accept the recommendation</li>
      <li class="act"><kbd>o</kbd> override: choose a compatible unit, give a reason</li>
      <li class="act"><kbd>d</kbd> decline co-response, give a reason</li>
      <li><kbd>Esc</kbd> cancel</li>
      <li><kbd>?</kbd> show or hide this list</li>
    </ul>
  </section>
  <section class="queue-panel" aria-labelledby="queue-title">
    <div class="panel-head">
      <h2 id="queue-title">Queue</h2>
      <p class="outcome" role="status"></p>
    </div>
    <div class="scroller">
      <ol class="queue" role="listbox" tabindex="0" aria-labelledby="queue-title"></ol>
      <p class="empty">No open behavioral calls.</p>
    </div>
  </section>
  <section class="map-panel" aria-labelledby="map-title">
    <h2 id="map-title">Map</h2>
    <div class="map"></div>
  </section>
  <section class="units-panel" aria-labelledby="units-title">
    <div class="panel-head">
      <h2 id="units-title">Units</h2>
      <span class="unit-counts"></span>
    </div>
    <div class="filters">
      <label>Status <select class="status-filter">
        <option value="all">All</option><option value="available">Available</option>
        <option value="busy">Busy</option><option value="unavailable">Unavailable</option>
      </select></label>
      <label>Model <select class="model-filter">
        <option value="all">All</option><option value="primary">Primary</option><option value="secondary">Secondary</option>
      </select></label>
    </div>
    <div class="table-scroll" tabindex="0" role="region" aria-label="Units table">
      <table class="units">
        <caption class="sr-only">Co-responder units</caption>
        <thead><tr><th scope="col">Unit</th><th scope="col">Status</th><th scope="col">Model</th><th scope="col">Transports</th><th scope="col">Calls</th><th scope="col">Shift left</th><th scope="col">AVL</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <!-- Outcomes / ledger panel (issue 15): a host page or a later panel fills this slot. -->
  <section class="ledger-panel"><slot name="ledger"></slot></section>
  <div class="sr-only announce" role="status"></div>
  <div class="sr-only announce-alert" role="alert"></div>
  <dialog class="ack-dialog"></dialog>
</div>`;

function isTyping(target) {
  if (!target || !target.tagName) return false;
  return (
    target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)
  );
}

export class CorespondConsole extends HTMLElement {
  constructor() {
    super();
    this.root = this.attachShadow({ mode: "open" });
    this.root.innerHTML = TEMPLATE;
    const $ = (selector) => this.root.querySelector(selector);
    this.ui = {
      conn: $(".conn"),
      connText: $(".conn-text"),
      role: $(".role-badge"),
      counts: $(".counts"),
      help: $("#help"),
      helpToggle: $(".help-toggle"),
      outcome: $(".outcome"),
      list: $(".queue"),
      scroller: $(".scroller"),
      empty: $(".empty"),
      map: $(".map"),
    };
    this.reducedMotionQuery = window.matchMedia("(prefers-reduced-motion: reduce)");
    this.announcer = new Announcer($(".announce"), $(".announce-alert"));
    this.dialog = new AckDialog($(".ack-dialog"));
    this.units = [];
    this.unitBoard = new UnitBoard({
      body: $(".units tbody"),
      counts: $(".unit-counts"),
      statusFilter: $(".status-filter"),
      modelFilter: $(".model-filter"),
      staleAfterS: 300,
    });
    this._token = null;
    this.mayAck = false;
    this.revisions = new Map();
    this.closed = new Map();
    this.frames = 0;
    this.announcing = false;
    this.awaiting = new Map();
    this.timers = [];
    this.perf = null;
    this.ui.helpToggle.addEventListener("click", () => this.toggleHelp());
    this.addEventListener("keydown", (event) => this.onKey(event));
    this.ui.list.addEventListener("focus", () => {
      if (!this.queue.selected()) this.queue.move(0);
    });
  }

  static get observedAttributes() {
    return ["api-base", "ws-url", "region", "received-thresholds", "queue-thresholds", "tile-url", "stale-location-s"];
  }

  get token() {
    return this._token;
  }

  set token(value) {
    this._token = value || null;
    if (this.isConnected) this.start();
  }

  connectedCallback() {
    // A token set on the element before this module upgraded it is an own property: take it over.
    if (Object.hasOwn(this, "token")) {
      const token = this.token;
      delete this.token;
      this._token = token || null;
    }
    this.start();
  }

  disconnectedCallback() {
    this.stop();
  }

  attributeChangedCallback() {
    if (this.isConnected && this.started) this.start();
  }

  /** Put the keyboard focus on the queue, the cursor on its first row if it has none. */
  focusQueue() {
    this.ui.list.focus();
    if (this.queue && !this.queue.selected()) this.queue.move(0);
  }

  /**
   * Frame timings recorded since the last call (perf-probe attribute), per frame: its seq, the
   * message event's timeStamp, performance.now() once applied and at the next animation frame, and
   * the applied time as epoch milliseconds (performance.timeOrigin + now) to match with the
   * network's own receive time.
   */
  takePerf() {
    if (!this.perf) return null;
    const n = Math.min(this.perf.count, PERF_SLOTS);
    const origin = performance.timeOrigin;
    const out = {
      seq: Array.from(this.perf.seq.subarray(0, n)),
      arrival: Array.from(this.perf.arrival.subarray(0, n)),
      applied: Array.from(this.perf.applied.subarray(0, n)),
      appliedEpoch: Array.from(this.perf.applied.subarray(0, n), (t) => origin + t),
      painted: Array.from(this.perf.painted.subarray(0, n)),
      overflow: this.perf.count > PERF_SLOTS,
    };
    this.perf.count = 0;
    return out;
  }

  // -- lifecycle --------------------------------------------------------------------------------

  config() {
    const base = this.getAttribute("api-base") || window.location.origin;
    const wsDefault = new URL("/ws/decisions", base.endsWith("/") ? base : `${base}/`);
    wsDefault.protocol = wsDefault.protocol === "https:" ? "wss:" : "ws:";
    return {
      apiBase: base,
      wsUrl: this.getAttribute("ws-url") || wsDefault.href,
      region: this.getAttribute("region") || null,
      received: parseThresholds(this.getAttribute("received-thresholds"), DEFAULT_RECEIVED_THRESHOLDS),
      queued: parseThresholds(this.getAttribute("queue-thresholds"), DEFAULT_QUEUE_THRESHOLDS),
      tileUrl: this.getAttribute("tile-url"),
      tileAttribution: this.getAttribute("tile-attribution"),
      staleAfterS: Number(this.getAttribute("stale-location-s") || 300),
      unitsRefreshS: Math.max(2, Number(this.getAttribute("units-refresh-s") || 10)),
    };
  }

  async start() {
    this.stop();
    this.started = true;
    const generation = (this.generation = (this.generation ?? 0) + 1);
    let config;
    try {
      config = this.config();
    } catch (error) {
      this.say(`Console misconfigured: ${error.message}`, "error");
      return;
    }
    this.settings = config;
    this.unitBoard.staleAfterS = config.staleAfterS;
    this.perf = this.hasAttribute("perf-probe")
      ? {
          seq: new Float64Array(PERF_SLOTS),
          arrival: new Float64Array(PERF_SLOTS),
          applied: new Float64Array(PERF_SLOTS),
          painted: new Float64Array(PERF_SLOTS),
          count: 0,
          unpainted: [],
        }
      : null;
    this.queue = new QueueView({
      list: this.ui.list,
      scroller: this.ui.scroller,
      receivedThresholds: config.received,
      queueThresholds: config.queued,
      onSelect: (decision) => this.selected(decision),
    });
    this.ui.list.replaceChildren();
    this.revisions.clear();
    this.closed.clear();
    this.announcing = false;
    this.map = new SvgMap(this.ui.map, { reducedMotion: () => this.reducedMotionQuery.matches });
    if (config.tileUrl) this.loadTileMap(config, generation);
    this.api = new Api(config.apiBase, this._token, config.region);
    try {
      this.mayAck = await this.api.mayAck();
    } catch (error) {
      if (generation !== this.generation) return;
      if (error.status === 401) {
        this.unauthorized(error.detail);
        return;
      }
      this.setConnection("reconnecting", `Service unreachable (${error.detail}); retrying`);
      this.timers.push(setTimeout(() => this.start(), 3000));
      return;
    }
    if (generation !== this.generation) return;
    this.root.host.toggleAttribute("read-only", !this.mayAck);
    this.ui.role.hidden = this.mayAck;
    this.ui.role.textContent = "Read-only: observer view (substance-use details withheld)";
    for (const item of this.root.querySelectorAll("#help .act")) item.hidden = !this.mayAck;
    this.queue.setMayAck(this.mayAck);
    this.dispatchEvent(
      new CustomEvent("corespond:ready", { detail: { mayAck: this.mayAck }, bubbles: true, composed: true }),
    );
    this.feed = new LiveFeed({
      api: this.api,
      wsUrl: config.wsUrl,
      region: config.region,
      onFrame: (frame, arrival) => this.onFrame(frame, arrival),
      onResync: (why) => this.resync(why),
      onState: (state, detail) => this.onFeedState(state, detail),
    });
    this.feed.start();
    this.refreshUnits();
    this.timers.push(setInterval(() => this.tick(), 1000));
    this.timers.push(setInterval(() => this.refreshUnits(), config.unitsRefreshS * 1000));
  }

  stop() {
    this.generation = (this.generation ?? 0) + 1;
    if (this.feed) this.feed.stop();
    this.feed = null;
    for (const timer of this.timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    this.timers = [];
    clearTimeout(this.unitsSoon);
    this.announcer.dispose();
  }

  async loadTileMap(config, generation) {
    if (!this.root.querySelector(`link[href="${LEAFLET_CSS}"]`)) {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = LEAFLET_CSS;
      this.root.prepend(link);
    }
    try {
      const map = await createTileMap(this.ui.map, {
        tileUrl: config.tileUrl,
        attribution: config.tileAttribution,
        reducedMotion: () => this.reducedMotionQuery.matches,
      });
      if (generation !== this.generation) return;
      this.map = map;
      for (const entry of this.queue.entries) map.setCall(entry.decision);
      map.setUnits(this.units);
      this.root.host.setAttribute("map", "tiles");
    } catch (error) {
      this.say(`The basemap could not load (${error.message}); showing the plain map.`, "error");
    }
  }

  unauthorized(detail) {
    this.stop();
    this.setConnection("unauthorized", "Token refused: sign in again");
    this.dispatchEvent(new CustomEvent("corespond:unauthorized", { detail: { detail }, bubbles: true, composed: true }));
  }

  // -- data -------------------------------------------------------------------------------------

  onFrame(frame, arrival) {
    this.frames += 1;
    this.apply(frame, Date.now());
    if (this.perf) this.record(frame.seq, arrival);
  }

  record(seq, arrival) {
    const perf = this.perf;
    const slot = perf.count % PERF_SLOTS;
    perf.seq[slot] = seq;
    perf.arrival[slot] = arrival;
    perf.applied[slot] = performance.now();
    perf.painted[slot] = 0;
    perf.count += 1;
    perf.unpainted.push(slot);
    if (perf.unpainted.length === 1) {
      requestAnimationFrame(() => {
        // now(), not the callback's argument: that is the frame's start, which can precede the apply.
        const time = performance.now();
        for (const waiting of perf.unpainted) perf.painted[waiting] = time;
        perf.unpainted.length = 0;
      });
    }
  }

  /** Apply one decision; the newest revision wins, a closed call never comes back from a stale read. */
  apply(decision, nowMs) {
    const id = decision.call_id;
    const known = this.revisions.get(id);
    if (known !== undefined && known >= decision.revision) return;
    const closedAt = this.closed.get(id);
    if (closedAt !== undefined && closedAt >= decision.revision) return;
    const previous = this.queue.get(id);
    if (decision.call_status !== "open") {
      this.revisions.delete(id);
      this.closed.set(id, decision.revision);
      if (this.closed.size > CLOSED_MEMORY) this.closed.delete(this.closed.keys().next().value);
      this.drop(id);
      this.assignmentChanged(previous ? previous.decision : null, decision);
      return;
    }
    this.revisions.set(id, decision.revision);
    if (!belongsInQueue(decision)) {
      this.drop(id);
      return;
    }
    const result = this.queue.upsert(decision, nowMs);
    this.queue.get(id).frame = this.frames;
    this.map.setCall(decision);
    if (result === "added") {
      this.ui.empty.hidden = true;
      if (this.announcing) this.announcer.newCall(this.describe(decision), isGated(decision));
      this.updateCounts();
    }
    if (this.queue.selectedId === id) this.selected(decision, true);
    this.assignmentChanged(previous ? previous.decision : null, decision);
    this.followAck(decision);
  }

  drop(id) {
    if (!this.queue.get(id)) return;
    this.queue.remove(id);
    this.map.removeCall(id);
    this.ui.empty.hidden = this.queue.size > 0;
    this.updateCounts();
  }

  describe(decision) {
    const call = decision.call;
    const nature = call ? call.nature_code : "";
    const gates = decision.triage.safety.join(", ").replaceAll("_", " ");
    return `${decision.call_id} ${nature}, priority ${call ? call.priority : "?"}, ${decision.triage.band} band${gates ? `, ${gates}` : ""}`;
  }

  async resync(why) {
    const generation = this.generation;
    const mark = this.frames;
    let calls;
    try {
      calls = await this.api.calls();
    } catch (error) {
      if (error.status === 401) {
        this.unauthorized(error.detail);
        return;
      }
      this.say(`Could not reload the calls (${error.detail}); the live feed continues.`, "error");
      return;
    }
    if (generation !== this.generation) return;
    const now = Date.now();
    const present = new Set();
    for (const decision of calls) {
      present.add(decision.call_id);
      this.apply(decision, now);
    }
    // Rows absent from the snapshot closed before it was taken, unless a frame touched them since.
    for (const entry of [...this.queue.entries]) {
      if (!present.has(entry.id) && (entry.frame ?? 0) <= mark) {
        this.revisions.delete(entry.id);
        this.drop(entry.id);
      }
    }
    this.ui.empty.hidden = this.queue.size > 0;
    this.updateCounts();
    this.announcing = true;
    if (why === "gap") this.say("Some live updates were missed: the queue was reloaded.");
  }

  assignmentChanged(before, after) {
    const a = before ? before.assignment : null;
    const b = after.assignment;
    if (!a || a.unit_id !== b.unit_id || a.fixed !== b.fixed || after.call_status !== "open") {
      clearTimeout(this.unitsSoon);
      this.unitsSoon = setTimeout(() => this.refreshUnits(), 1000);
    }
  }

  async refreshUnits() {
    if (!this.api) return;
    const generation = this.generation;
    try {
      this.units = await this.api.units();
    } catch (error) {
      if (error.status === 401) this.unauthorized(error.detail);
      return;
    }
    if (generation !== this.generation) return;
    this.unitBoard.update(this.units, Date.now());
    this.map.setUnits(this.units);
    const selected = this.queue.selected();
    if (selected) this.map.select(selected.decision);
  }

  tick() {
    const now = Date.now();
    this.queue.tick(now);
    this.tickCount = (this.tickCount ?? 0) + 1;
    if (this.tickCount % 10 === 0) this.unitBoard.tick(now);
    if (this.retryAt) {
      const left = Math.max(0, Math.ceil((this.retryAt - now) / 1000));
      this.ui.connText.textContent = `Reconnecting: next try in ${left} s (attempt ${this.retryAttempt})`;
    }
  }

  updateCounts() {
    let queued = 0;
    let gated = 0;
    for (const entry of this.queue.entries) {
      if (entry.decision.assignment.status === "queued") queued += 1;
      if (isGated(entry.decision)) gated += 1;
    }
    this.ui.counts.textContent = `${this.queue.size} calls · ${queued} waiting for a team · ${gated} safety-gated`;
  }

  // -- connection -------------------------------------------------------------------------------

  onFeedState(state, detail = {}) {
    this.retryAt = null;
    if (state === "unauthorized") {
      this.unauthorized(detail.detail);
      return;
    }
    if (state === "reconnecting" && detail.inS) {
      this.retryAt = Date.now() + detail.inS * 1000;
      this.retryAttempt = detail.attempt;
      this.setConnection(state, `Reconnecting: next try in ${detail.inS} s (attempt ${detail.attempt})`);
      return;
    }
    const text = {
      connecting: "Connecting…",
      reconnecting: "Reconnecting…",
      live: "Live",
      stopped: "Stopped",
    }[state];
    this.setConnection(state, text);
  }

  setConnection(state, text) {
    this.ui.conn.dataset.state = state;
    this.ui.connText.textContent = text;
    this.root.host.setAttribute("connection", state);
  }

  // -- selection and actions --------------------------------------------------------------------

  selected(decision, updated = false) {
    this.map.select(decision);
    if (updated) return;
    this.dispatchEvent(
      new CustomEvent("corespond:select", {
        detail: { callId: decision ? decision.call_id : null, decision },
        bubbles: true,
        composed: true,
      }),
    );
  }

  toggleHelp() {
    const open = this.ui.help.hidden;
    this.ui.help.hidden = !open;
    this.ui.helpToggle.setAttribute("aria-expanded", String(open));
  }

  say(text, kind = "info") {
    this.ui.outcome.textContent = text;
    this.ui.outcome.dataset.kind = kind;
    if (kind === "error") this.announcer.alert.textContent = text;
  }

  onKey(event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    if (this.dialog.open) return;
    const target = event.composedPath()[0];
    if (isTyping(target)) return;
    const onControl = target && ["BUTTON", "A", "SUMMARY"].includes(target.tagName);
    const key = event.key;
    const handled = () => event.preventDefault();
    if (key === "ArrowDown" || key === "j") {
      handled();
      this.queue.move(1);
    } else if (key === "ArrowUp" || key === "k") {
      handled();
      this.queue.move(-1);
    } else if (key === "Home") {
      handled();
      this.queue.move(-this.queue.size);
    } else if (key === "End") {
      handled();
      this.queue.move(this.queue.size);
    } else if ((key === "Enter" && !onControl) || key === "a") {
      handled();
      this.act("accept");
    } else if (key === "o") {
      handled();
      this.act("override");
    } else if (key === "d") {
      handled();
      this.act("decline");
    } else if (key === "Escape") {
      this.say("");
    } else if (key === "?") {
      handled();
      this.toggleHelp();
    }
  }

  async act(action) {
    if (!this.mayAck) {
      this.say("Read-only view: this role may not act on calls.");
      return;
    }
    const entry = this.queue.selected();
    if (!entry) {
      this.say("Select a call first (↑/↓ or j/k).");
      return;
    }
    const decision = entry.decision;
    const body = { action, revision: decision.revision };
    if (action !== "accept") {
      const candidates = action === "override" ? compatibleUnits(decision, this.units, Date.now()) : [];
      const answer = await this.dialog.ask(action, decision, candidates);
      this.focusQueue();
      if (!answer) {
        this.say(`${action === "override" ? "Override" : "Decline"} cancelled.`);
        this.emitAck(decision.call_id, action, {}, "cancelled");
        return;
      }
      body.reason = answer.reason;
      if (answer.unitId) body.unit_id = answer.unitId;
    }
    const verb = { accept: "Accept", override: "Override", decline: "Decline" }[action];
    // The next revision can arrive on the feed before the POST answers: expect it before sending.
    this.awaiting.set(decision.call_id, { action, revision: decision.revision });
    this.queue.setAction(decision.call_id, "sending", `${verb}: sending…`);
    try {
      const receipt = await this.api.ack(decision.call_id, body);
      if (this.awaiting.has(decision.call_id)) {
        this.queue.setAction(decision.call_id, "sent", `${verb} recorded; waiting for the service's decision…`);
        this.say(`${verb} for ${decision.call_id} recorded (offset ${receipt.offset}).`);
      }
      this.emitAck(decision.call_id, action, body, "recorded", { receipt });
    } catch (error) {
      this.awaiting.delete(decision.call_id);
      const text = `${verb} refused: ${error.detail} (${error.code})`;
      this.queue.setAction(decision.call_id, "refused", text);
      this.say(`${decision.call_id}: ${text}`, "error");
      this.emitAck(decision.call_id, action, body, "refused", { error: { status: error.status, code: error.code, detail: error.detail } });
    }
  }

  followAck(decision) {
    const waiting = this.awaiting.get(decision.call_id);
    if (!waiting || decision.revision <= waiting.revision) return;
    this.awaiting.delete(decision.call_id);
    const a = decision.assignment;
    if (a.fixed) this.say(`${decision.call_id}: ${a.unit_id} dispatched.`);
    else if (a.reason === "declined_by_dispatcher") this.say(`${decision.call_id}: co-response declined.`);
  }

  emitAck(callId, action, body, outcome, extra = {}) {
    this.dispatchEvent(
      new CustomEvent("corespond:ack", {
        detail: { callId, action, unitId: body.unit_id ?? null, reason: body.reason ?? null, outcome, ...extra },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

if (!customElements.get("corespond-console")) customElements.define("corespond-console", CorespondConsole);
