// The map: calls and units plotted by latitude and longitude in plain SVG (no tiles, works offline),
// panning to the selected call. Markers are keyed and moved in place; the extent grows to fit new
// points and is recomputed only when a point falls outside it.
//
// Projection: equirectangular around the extent's middle latitude (x = lon * cos(lat0), y = -lat),
// exact enough for one county.

const SVG = "http://www.w3.org/2000/svg";
const PAN_MS = 300;

function svg(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

export class SvgMap {
  constructor(container, { reducedMotion }) {
    this.reducedMotion = reducedMotion;
    this.root = svg("svg", { class: "map-svg", role: "img", "aria-label": "Map of calls and units" });
    this.title = svg("title", {});
    this.root.append(this.title);
    this.links = svg("g", { class: "links" });
    this.unitLayer = svg("g", { class: "units" });
    this.callLayer = svg("g", { class: "calls" });
    this.root.append(this.links, this.unitLayer, this.callLayer);
    container.replaceChildren(this.root);
    this.calls = new Map();
    this.units = new Map();
    this.extent = null;
    this.cosLat = 1;
    this.view = null;
    this.selected = null;
    this.animation = null;
  }

  project(point) {
    return [point.lon * this.cosLat, -point.lat];
  }

  setCall(decision) {
    const call = decision.call;
    if (!call) return;
    let marker = this.calls.get(decision.call_id);
    if (!marker) {
      marker = svg("circle", { r: String((this.markerSize ?? 0.01) * 0.55), class: "call" });
      marker.dataset.callId = decision.call_id;
      this.callLayer.append(marker);
      this.calls.set(decision.call_id, marker);
    }
    this.include(call.location);
    const [x, y] = this.project(call.location);
    // Only what changed is written: an unchanged attribute write still repaints the map.
    if (marker.getAttribute("cx") !== String(x)) marker.setAttribute("cx", x);
    if (marker.getAttribute("cy") !== String(y)) marker.setAttribute("cy", y);
    if (marker.dataset.band !== decision.triage.band) marker.dataset.band = decision.triage.band;
    if (this.selected === decision.call_id) this.drawLink(decision);
  }

  removeCall(callId) {
    const marker = this.calls.get(callId);
    if (marker) marker.remove();
    this.calls.delete(callId);
  }

  setUnits(units) {
    const seen = new Set();
    for (const unit of units) {
      seen.add(unit.unit_id);
      let marker = this.units.get(unit.unit_id);
      if (!marker) {
        marker = svg("g", { class: "unit" });
        marker.append(svg("rect", { width: "1", height: "1" }), svg("text", {}));
        marker.lastChild.textContent = unit.unit_id;
        this.unitLayer.append(marker);
        this.units.set(unit.unit_id, marker);
      }
      marker.dataset.status = unit.status === "available" ? "available" : "busy";
      this.include(unit.location);
      const [x, y] = this.project(unit.location);
      marker.dataset.x = x;
      marker.dataset.y = y;
    }
    for (const [unitId, marker] of this.units) {
      if (!seen.has(unitId)) {
        marker.remove();
        this.units.delete(unitId);
      }
    }
    this.layoutUnits();
    this.title.textContent = `Map of ${this.calls.size} calls and ${this.units.size} units`;
  }

  include(point) {
    const e = this.extent;
    if (e && point.lat >= e.south && point.lat <= e.north && point.lon >= e.west && point.lon <= e.east) return;
    const pad = 0.02;
    this.extent = e
      ? {
          south: Math.min(e.south, point.lat - pad),
          north: Math.max(e.north, point.lat + pad),
          west: Math.min(e.west, point.lon - pad),
          east: Math.max(e.east, point.lon + pad),
        }
      : { south: point.lat - pad, north: point.lat + pad, west: point.lon - pad, east: point.lon + pad };
    if (!e) this.cosLat = Math.cos((point.lat * Math.PI) / 180);
    this.fullView();
  }

  fullView() {
    const e = this.extent;
    const [x0, y0] = this.project({ lat: e.north, lon: e.west });
    const [x1, y1] = this.project({ lat: e.south, lon: e.east });
    this.home = [x0, y0, x1 - x0, y1 - y0];
    if (!this.selected) this.setView(this.home, false);
  }

  setView(box, animate) {
    cancelAnimationFrame(this.animation);
    const apply = (b) => {
      this.view = b;
      this.root.setAttribute("viewBox", b.join(" "));
      const size = Math.max(b[2], b[3]) / 50;
      this.root.style.setProperty("--marker", `${size}`);
      this.scaleMarkers(size);
    };
    if (!animate || this.reducedMotion() || !this.view) {
      apply(box);
      return;
    }
    const from = this.view;
    const start = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - start) / PAN_MS);
      const ease = t * (2 - t);
      apply(from.map((v, i) => v + (box[i] - v) * ease));
      if (t < 1) this.animation = requestAnimationFrame(step);
    };
    this.animation = requestAnimationFrame(step);
  }

  scaleMarkers(unitSize) {
    if (this.markerSize === unitSize) return;
    this.markerSize = unitSize;
    this.layoutUnits();
  }

  layoutUnits() {
    const size = this.markerSize ?? 0.01;
    for (const [, marker] of this.units) {
      if (marker.dataset.x === undefined) continue;
      const [rect, text] = marker.children;
      const x = Number(marker.dataset.x);
      const y = Number(marker.dataset.y);
      rect.setAttribute("x", x - size * 0.45);
      rect.setAttribute("y", y - size * 0.45);
      rect.setAttribute("width", size * 0.9);
      rect.setAttribute("height", size * 0.9);
      text.setAttribute("x", x + size * 0.7);
      text.setAttribute("y", y + size * 0.4);
      text.setAttribute("font-size", size * 1.2);
    }
    for (const [, marker] of this.calls) marker.setAttribute("r", size * 0.55);
  }

  select(decision) {
    const previous = this.selected ? this.calls.get(this.selected) : null;
    if (previous) previous.classList.remove("selected");
    this.selected = decision ? decision.call_id : null;
    this.links.replaceChildren();
    if (!decision || !decision.call || !this.home) {
      if (this.home) this.setView(this.home, true);
      return;
    }
    const marker = this.calls.get(decision.call_id);
    if (marker) {
      marker.classList.add("selected");
      this.callLayer.append(marker);
    }
    this.drawLink(decision);
    const [x, y] = this.project(decision.call.location);
    const w = this.home[2] * 0.9;
    const h = this.home[3] * 0.9;
    this.setView([x - w / 2, y - h / 2, w, h], true);
  }

  drawLink(decision) {
    this.links.replaceChildren();
    const unit = this.units.get(decision.assignment.unit_id ?? "");
    if (!unit || !decision.call) return;
    const [x, y] = this.project(decision.call.location);
    this.links.append(
      svg("line", { x1: x, y1: y, x2: unit.dataset.x, y2: unit.dataset.y, class: "link" }),
    );
  }
}
