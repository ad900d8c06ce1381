// The override and decline dialog: a modal <dialog> that collects a unit (override) and a reason
// (both actions), refuses to submit without a reason, and resolves with the dispatcher's choice or
// null when cancelled (Esc or the Cancel button).

import { etaText, UNIT_STATUS_TEXT } from "./call-text.js";

const REASON_MAX = 500;

function node(tag, attributes = {}, text) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

export class AckDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.resolve = null;
    dialog.addEventListener("cancel", () => this.finish(null));
    dialog.addEventListener("close", () => this.finish(null));
  }

  get open() {
    return this.dialog.open;
  }

  /**
   * @param {"override"|"decline"} action
   * @param {object} decision the call's latest decision
   * @param {Array} candidates from compatibleUnits(), best first (override only)
   * @returns {Promise<{unitId?: string, reason: string} | null>}
   */
  ask(action, decision, candidates) {
    this.finish(null);
    const dialog = this.dialog;
    const form = node("form", { novalidate: "" });
    const heading = node(
      "h2",
      { id: "ack-title" },
      action === "override" ? `Override the recommendation for ${decision.call_id}` : `Decline co-response for ${decision.call_id}`,
    );
    dialog.setAttribute("aria-labelledby", "ack-title");
    form.append(heading);
    let unitGroup = null;
    if (action === "override") {
      unitGroup = node("fieldset", { class: "units-choice" });
      unitGroup.append(node("legend", {}, "Compatible units (best first)"));
      if (candidates.length === 0) {
        unitGroup.append(node("p", { class: "empty" }, "No compatible unit is on shift and in service."));
      }
      candidates.forEach((candidate, index) => {
        const id = `unit-choice-${index}`;
        const label = node("label", { for: id });
        const input = node("input", { type: "radio", name: "unit", id, value: candidate.unit.unit_id });
        if (index === 0) input.checked = true;
        const facts = [
          candidate.unit.model,
          UNIT_STATUS_TEXT[candidate.unit.status] ?? candidate.unit.status,
          candidate.etaS != null ? etaText(candidate.etaS) : `${candidate.km.toFixed(1)} km`,
          `${candidate.unit.active_calls.length}/${candidate.unit.capacity} calls`,
        ];
        if (candidate.full) facts.push("at capacity");
        if (candidate.recommended) facts.push("recommended now");
        label.append(input, ` ${candidate.unit.unit_id} `, node("span", { class: "facts" }, `(${facts.join(", ")})`));
        unitGroup.append(label);
      });
      form.append(unitGroup);
    }
    const reasonLabel = node("label", { for: "ack-reason" }, "Reason (required)");
    const reason = node("textarea", {
      id: "ack-reason",
      name: "reason",
      rows: "3",
      maxlength: String(REASON_MAX),
      "aria-describedby": "ack-error",
      "aria-required": "true",
    });
    const error = node("p", { id: "ack-error", class: "field-error", role: "alert" });
    const submit = node("button", { type: "submit", class: "primary" }, action === "override" ? "Override" : "Decline");
    const cancel = node("button", { type: "button" }, "Cancel (Esc)");
    const hint = node("p", { class: "hint" }, "Ctrl+Enter submits.");
    const buttons = node("div", { class: "buttons" });
    buttons.append(submit, cancel);
    form.append(reasonLabel, reason, error, hint, buttons);
    dialog.replaceChildren(form);

    cancel.addEventListener("click", () => dialog.close());
    reason.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = reason.value.trim();
      const chosen = unitGroup ? form.querySelector('input[name="unit"]:checked') : null;
      if (unitGroup && !chosen) {
        error.textContent = "Choose a unit to send instead.";
        return;
      }
      if (!text) {
        error.textContent = `A reason is required to ${action}: say why, for the call record.`;
        reason.setAttribute("aria-invalid", "true");
        reason.focus();
        return;
      }
      const answer = { reason: text };
      if (chosen) answer.unitId = chosen.value;
      const resolve = this.resolve;
      this.resolve = null;
      dialog.close();
      resolve(answer);
    });

    return new Promise((resolve) => {
      this.resolve = resolve;
      dialog.showModal();
      const firstUnit = unitGroup ? unitGroup.querySelector("input:checked") : null;
      (firstUnit ?? reason).focus();
    });
  }

  finish(answer) {
    if (this.resolve) {
      const resolve = this.resolve;
      this.resolve = null;
      resolve(answer);
    }
  }
}
