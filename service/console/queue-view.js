// The pending queue: one keyed row per call, updated in place, ordered by `queue-order.js`, with a
// cursor that rows never jump under.
//
// Each decision touches only its own row (no redraw of the list). A row whose order changes moves;
// when anything above the cursor row is added, moved, resized or removed, the list scrolls by the
// same amount, so the cursor row stays where the dispatcher's eyes are. The cursor row itself is not
// moved while the cursor is on it: it takes its new place once the cursor leaves.

import { etaText, queueReasonText, reasonText, RESPONSE_TEXT, SAFETY_TEXT } from "./call-text.js";
import { compareKeys, insertionIndex, isGated, orderKey, SAFETY_GATES } from "./queue-order.js";
import { formatElapsed, levelOf } from "./timers.js";

const LEVEL_MARK = { ok: "", warn: "▲ ", danger: "■ " };
const LEVEL_WORD = { ok: "", warn: " (late)", danger: " (overdue)" };

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** Attributes are set only when they change: an unchanged write still invalidates style. */
function setData(element, name, value) {
  if (element.dataset[name] !== value) element.dataset[name] = value;
}

function rowDomId(callId) {
  return `call-${callId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

export class QueueView {
  constructor({ list, scroller, receivedThresholds, queueThresholds, onSelect }) {
    this.list = list;
    this.scroller = scroller;
    this.receivedThresholds = receivedThresholds;
    this.queueThresholds = queueThresholds;
    this.onSelect = onSelect;
    this.entries = [];
    this.byId = new Map();
    this.selectedId = null;
    this.mayAck = false;
  }

  get size() {
    return this.entries.length;
  }

  get(callId) {
    return this.byId.get(callId);
  }

  selected() {
    return this.selectedId === null ? null : this.byId.get(this.selectedId) ?? null;
  }

  /** Add or update a call's row; returns "added" or "updated". */
  upsert(decision, nowMs) {
    const existing = this.byId.get(decision.call_id);
    if (existing) {
      const key = orderKey(decision);
      const moves = existing.id !== this.selectedId && compareKeys(key, existing.placedKey) !== 0;
      const from = this.entries.indexOf(existing);
      const to = moves ? insertionIndex(this.entries, key) : from;
      this.keepCursorStill(Math.min(from, to), () => {
        this.updateEntry(existing, decision, nowMs);
        existing.key = key;
        if (moves) this.place(existing);
      });
      return "updated";
    }
    const entry = this.createEntry(decision, nowMs);
    const index = insertionIndex(this.entries, entry.placedKey);
    this.keepCursorStill(index, () => this.insertAt(entry, index));
    this.byId.set(entry.id, entry);
    return "added";
  }

  remove(callId) {
    const entry = this.byId.get(callId);
    if (!entry) return;
    const index = this.entries.indexOf(entry);
    let next = null;
    if (entry.id === this.selectedId) {
      next = this.entries[index + 1] ?? this.entries[index - 1] ?? null;
    }
    this.keepCursorStill(index, () => {
      this.entries.splice(index, 1);
      entry.el.remove();
    });
    this.byId.delete(callId);
    if (entry.id === this.selectedId) this.select(next ? next.id : null);
  }

  clear() {
    this.entries = [];
    this.byId.clear();
    this.list.replaceChildren();
    this.select(null);
  }

  /** Move the cursor by `delta` rows (or to the first row when there is none). */
  move(delta) {
    if (this.entries.length === 0) return;
    const current = this.selected();
    let index = current ? this.entries.indexOf(current) + delta : 0;
    index = Math.max(0, Math.min(this.entries.length - 1, index));
    this.select(this.entries[index].id);
  }

  select(callId) {
    const previous = this.selected();
    if (previous && previous.id === callId) return;
    this.selectedId = callId;
    if (previous) {
      previous.el.setAttribute("aria-selected", "false");
      if (compareKeys(previous.key, previous.placedKey) !== 0) {
        this.keepCursorStill(this.entries.indexOf(previous), () => this.place(previous));
      }
    }
    const entry = this.selected();
    if (entry) {
      entry.el.setAttribute("aria-selected", "true");
      this.list.setAttribute("aria-activedescendant", entry.el.id);
      entry.el.scrollIntoView({ block: "nearest" });
    } else {
      this.list.removeAttribute("aria-activedescendant");
    }
    this.onSelect(entry ? entry.decision : null);
  }

  /** A dispatcher action's state on its row: "sending", "sent", "refused" (with text), or null. */
  setAction(callId, state, text) {
    const entry = this.byId.get(callId);
    if (!entry) return;
    entry.action = state ? { state, text } : null;
    this.renderAction(entry);
  }

  setMayAck(mayAck) {
    this.mayAck = mayAck;
    for (const entry of this.entries) this.renderRecommendation(entry);
  }

  /** Refresh every row's timers (once a second; off-screen rows are not laid out, see the CSS). */
  tick(nowMs) {
    for (const entry of this.entries) this.renderTimers(entry, nowMs);
  }

  // -- internals --------------------------------------------------------------------------------

  /** Run `mutate`; if it changed anything at or above the cursor row, scroll so that row stays put. */
  keepCursorStill(index, mutate) {
    const selected = this.selected();
    const selectedIndex = selected ? this.entries.indexOf(selected) : -1;
    if (selectedIndex < 0 || index > selectedIndex || !selected.el.isConnected) {
      mutate();
      return;
    }
    const before = selected.el.getBoundingClientRect().top;
    mutate();
    const after = selected.el.getBoundingClientRect().top;
    if (after !== before) this.scroller.scrollTop += after - before;
  }

  insertAt(entry, index) {
    const before = this.entries[index];
    this.entries.splice(index, 0, entry);
    this.list.insertBefore(entry.el, before ? before.el : null);
  }

  place(entry) {
    const from = this.entries.indexOf(entry);
    this.entries.splice(from, 1);
    entry.placedKey = entry.key;
    const to = insertionIndex(this.entries, entry.key);
    const before = this.entries[to];
    this.entries.splice(to, 0, entry);
    if (entry.el.nextSibling !== (before ? before.el : null)) {
      this.list.insertBefore(entry.el, before ? before.el : null);
    }
  }

  createEntry(decision, nowMs) {
    const el = node("li", "row");
    el.id = rowDomId(decision.call_id);
    el.dataset.callId = decision.call_id;
    el.setAttribute("role", "option");
    el.setAttribute("aria-selected", "false");
    const parts = {
      callId: node("span", "call-id", decision.call_id),
      nature: node("span", "nature"),
      priority: node("span", "priority"),
      agency: node("span", "agency"),
      received: node("span", "timer received"),
      queued: node("span", "timer queued"),
      band: node("span", "band"),
      response: node("span", "response"),
      safety: node("span", "safety"),
      reasons: node("ul", "reasons"),
      recommendation: node("span", "recommendation"),
      action: node("span", "action"),
    };
    const head = node("div", "line head");
    head.append(parts.callId, parts.nature, parts.priority, parts.agency);
    const timers = node("div", "timers");
    timers.append(parts.received, parts.queued);
    head.append(timers);
    const triage = node("div", "line triage");
    triage.append(parts.band, parts.response, parts.safety);
    const outcome = node("div", "line plan");
    outcome.append(parts.recommendation, parts.action);
    el.append(head, triage, parts.reasons, outcome);
    el.addEventListener("click", () => this.select(decision.call_id));
    const key = orderKey(decision);
    const entry = { id: decision.call_id, decision: null, key, placedKey: key, el, parts, action: null, stoppedAt: null };
    this.updateEntry(entry, decision, nowMs);
    return entry;
  }

  updateEntry(entry, decision, nowMs) {
    const previous = entry.decision;
    entry.decision = decision;
    const { parts } = entry;
    const call = decision.call;
    setText(parts.nature, call ? call.nature_code : "nature unknown");
    setText(parts.priority, call ? `P${call.priority}` : "P?");
    setText(parts.agency, call ? call.agency : "");
    const band = decision.triage.band;
    setData(entry.el, "band", band);
    const gated = isGated(decision);
    if (entry.el.hasAttribute("data-gated") !== gated) entry.el.toggleAttribute("data-gated", gated);
    setText(parts.band, `${band.toUpperCase()} ${decision.triage.score.toFixed(2)}`);
    setData(parts.band, "band", band);
    setText(parts.response, RESPONSE_TEXT[decision.triage.response] ?? decision.triage.response);
    if (!previous || previous.triage.safety.join() !== decision.triage.safety.join()) {
      parts.safety.replaceChildren(
        ...decision.triage.safety.map((code) => {
          const badge = node("span", SAFETY_GATES.has(code) ? "badge gate" : "badge");
          const icon = node("span", "icon", code === "medical_emergency" ? "✚" : "⚠");
          icon.setAttribute("aria-hidden", "true");
          badge.append(icon, ` ${SAFETY_TEXT[code] ?? code}`);
          return badge;
        }),
      );
    }
    const reasons = decision.triage.reasons.map((r) => `${r.code}:${r.weight}:${r.evidence}`).join("|");
    if (entry.reasons !== reasons) {
      entry.reasons = reasons;
      this.renderReasons(entry);
    }
    const assignment = decision.assignment;
    const stopped = assignment.fixed || (assignment.status === "none" && assignment.reason === "declined_by_dispatcher");
    if (stopped && entry.stoppedAt === null) entry.stoppedAt = Date.parse(decision.decided_at);
    if (!stopped) entry.stoppedAt = null;
    if (entry.action && entry.action.state !== "refused" && previous && decision.revision > previous.revision) {
      entry.action = null;
    }
    this.renderRecommendation(entry);
    this.renderAction(entry);
    this.renderTimers(entry, nowMs);
  }

  renderReasons(entry) {
    const top = entry.decision.triage.reasons
      .filter((reason) => reason.weight > 0)
      .sort((a, b) => b.weight - a.weight)
      .slice(0, 3);
    entry.parts.reasons.replaceChildren(
      ...top.map((reason) => {
        const item = node("li", "reason");
        item.append(node("span", "reason-code", reasonText(reason.code)));
        if (reason.evidence) item.append(" ", node("q", "evidence", reason.evidence));
        return item;
      }),
    );
  }

  renderRecommendation(entry) {
    const { assignment, queue_position: position } = entry.decision;
    const target = entry.parts.recommendation;
    let text;
    let state;
    if (assignment.fixed) {
      state = "fixed";
      const by = assignment.method === "dispatcher" ? "by dispatcher" : "by CAD";
      text = `✔ Dispatched ${assignment.unit_id} (${assignment.model}), ${by}`;
    } else if (assignment.status === "recommended") {
      state = "recommended";
      text = `▶ Recommended ${assignment.unit_id} (${assignment.model}), ${etaText(assignment.eta_s)}`;
      if (this.mayAck) text += " · Enter accept · o override · d decline";
    } else if (assignment.status === "queued") {
      state = "queued";
      text = `◇ Queued #${position ?? "?"}: ${queueReasonText(assignment.reason)}`;
      if (this.mayAck) text += " · o override · d decline";
    } else {
      state = assignment.reason === "declined_by_dispatcher" ? "declined" : "none";
      text = `✖ Not routed: ${queueReasonText(assignment.reason)}`;
    }
    setData(target, "state", state);
    setData(entry.el, "assignment", state);
    setText(target, text);
  }

  renderAction(entry) {
    const target = entry.parts.action;
    if (!entry.action) {
      if (!target.hidden) target.hidden = true;
      setText(target, "");
      return;
    }
    if (target.hidden) target.hidden = false;
    setData(target, "state", entry.action.state);
    setText(target, entry.action.text);
  }

  renderTimers(entry, nowMs) {
    const call = entry.decision.call;
    if (!call) return;
    const priority = call.priority;
    const received = (nowMs - Date.parse(call.received_at)) / 1000;
    const level = levelOf(received, priority, this.receivedThresholds);
    this.renderTimer(entry.parts.received, "received", received, level);
    if (!call.eligible_since) {
      if (!entry.parts.queued.hidden) entry.parts.queued.hidden = true;
      return;
    }
    if (entry.parts.queued.hidden) entry.parts.queued.hidden = false;
    const end = entry.stoppedAt ?? nowMs;
    const queued = (end - Date.parse(call.eligible_since)) / 1000;
    const queueLevel = entry.stoppedAt === null ? levelOf(queued, priority, this.queueThresholds) : "ok";
    const label = entry.stoppedAt === null ? "in queue" : "was queued";
    this.renderTimer(entry.parts.queued, label, queued, queueLevel);
  }

  renderTimer(target, label, seconds, level) {
    setData(target, "level", level);
    setText(target, `${LEVEL_MARK[level]}${label} ${formatElapsed(seconds)}${LEVEL_WORD[level]}`);
  }
}
