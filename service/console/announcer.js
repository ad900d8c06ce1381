// Screen-reader announcements: new calls in a polite live region, gated calls as an alert.
//
// Announcements within one second are coalesced ("3 new calls: ..."), so a busy minute does not
// flood the reader; the live regions' text is replaced, never appended.

const COALESCE_MS = 1000;

export class Announcer {
  constructor(politeRegion, alertRegion) {
    this.polite = politeRegion;
    this.alert = alertRegion;
    this.pending = { polite: [], alert: [] };
    this.timer = null;
  }

  newCall(text, gated) {
    this.pending[gated ? "alert" : "polite"].push(text);
    if (this.timer === null) this.timer = setTimeout(() => this.flush(), COALESCE_MS);
  }

  say(text) {
    this.polite.textContent = text;
  }

  flush() {
    this.timer = null;
    for (const kind of ["polite", "alert"]) {
      const items = this.pending[kind];
      if (items.length === 0) continue;
      const region = kind === "alert" ? this.alert : this.polite;
      const head = kind === "alert" ? "Safety-gated call" : "New call";
      region.textContent =
        items.length === 1
          ? `${head}: ${items[0]}`
          : `${items.length} ${head.toLowerCase()}s: ${items.slice(0, 3).join("; ")}${items.length > 3 ? "; …" : ""}`;
      this.pending[kind] = [];
    }
  }

  dispose() {
    clearTimeout(this.timer);
  }
}
